import { Badge, Button, CloseButton, Group, NumberInput, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { ConditionChoicesDto, ConditionRequestDto } from '../../../preload/contract';

const NUMERIC_OPERATORS = ['>=', '>', '<=', '<', '=', '!='];

/**
 * What every generated patient is to meet: clauses on statics, built from the
 * cohort's own names and levels (a categorical static by level, a numeric one
 * or the age at index by number), and an outcome. The main side checks the
 * clauses again and refuses, with the reason, what no training patient meets.
 */
export function ConditionForm({ choices, value, onChange }: { choices: ConditionChoicesDto; value: ConditionRequestDto; onChange: (v: ConditionRequestDto) => void }) {
  const [name, setName] = useState<string | null>(null);
  const [operator, setOperator] = useState<string | null>('=');
  const [level, setLevel] = useState<string | null>(null);
  const [number, setNumber] = useState<number | ''>('');
  const field = choices.statics.find((s) => s.name === name);
  const operators = field?.kind === 'numeric' ? NUMERIC_OPERATORS : ['=', '!='];
  const operand = field?.kind === 'numeric' ? (number === '' ? null : String(number)) : level;
  const add = () => {
    if (!field || !operator || operand === null) return;
    onChange({ ...value, where: [...value.where, `${field.name}${operator}${operand}`] });
    setLevel(null);
    setNumber('');
  };
  return (
    <Stack gap={4}>
      <Group align="end" gap="xs">
        <Select
          label="Condition on"
          placeholder="a static"
          w={200}
          data={choices.statics.map((s) => s.name)}
          value={name}
          onChange={(n) => {
            setName(n);
            setOperator(choices.statics.find((s) => s.name === n)?.kind === 'numeric' ? '>=' : '=');
          }}
        />
        <Select aria-label="operator" w={80} data={operators} value={operators.includes(operator ?? '') ? operator : operators[0]!} onChange={setOperator} />
        {field?.kind === 'numeric' ? (
          <NumberInput aria-label="value" w={120} value={number} onChange={(v) => setNumber(typeof v === 'number' ? v : '')} />
        ) : (
          <Select aria-label="level" placeholder="level" w={180} data={field?.levels ?? []} value={level} onChange={setLevel} />
        )}
        <Button variant="default" onClick={add} disabled={!field || operand === null}>
          Add clause
        </Button>
        <Select
          label="Outcome"
          placeholder="any"
          clearable
          w={160}
          data={choices.outcomes}
          value={value.outcome ?? null}
          onChange={(o) => onChange(o ? { ...value, outcome: o } : { where: value.where })}
        />
      </Group>
      <Group gap={6} data-testid="condition-clauses">
        {value.where.length === 0 && !value.outcome ? (
          <Text size="sm" c="dimmed">
            No condition: patients as the whole cohort is.
          </Text>
        ) : (
          value.where.map((clause, i) => (
            <Badge key={`${clause}-${i}`} variant="light" tt="none" rightSection={<CloseButton size="xs" aria-label={`remove ${clause}`} onClick={() => onChange({ ...value, where: value.where.filter((_, j) => j !== i) })} />}>
              {clause}
            </Badge>
          ))
        )}
      </Group>
    </Stack>
  );
}
