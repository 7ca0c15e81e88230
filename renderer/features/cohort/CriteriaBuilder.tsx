import { ActionIcon, Group, MultiSelect, NumberInput, Select, Stack, Switch, Text } from '@mantine/core';
import type { CohortDefinitionInput, DatasetSummaryDto } from '../../../preload/contract';

type CriterionInput = NonNullable<CohortDefinitionInput['criteria']>[number];

const TYPES = [
  { value: 'age', label: 'Age at index' },
  { value: 'static', label: 'Static attribute is one of' },
  { value: 'visits', label: 'At least N visits' },
  { value: 'measurement', label: 'Measurement above / below' },
  { value: 'event', label: 'Event before index' },
  { value: 'followUp', label: 'Minimum follow-up' },
];

/** A new criterion of a type, with sensible first values from the dataset. */
export function blankCriterion(type: string, summary: DatasetSummaryDto): CriterionInput {
  const vars = summary.variables.map((v) => v.variable);
  switch (type) {
    case 'age':
      return { type: 'age', variable: vars.find((v) => v.kind === 'date' && /birth/i.test(v.name))?.name ?? vars.find((v) => /age/i.test(v.name))?.name ?? '', min: 18 };
    case 'static':
      return { type: 'static', variable: vars.find((v) => v.role === 'static' && v.kind !== 'numeric' && v.kind !== 'date')?.name ?? '', in: [] as string[] } as unknown as CriterionInput;
    case 'visits':
      return { type: 'visits', min: 2 };
    case 'measurement':
      return { type: 'measurement', variable: vars.find((v) => v.role === 'measurement' && v.kind === 'numeric')?.name ?? '', above: 0 };
    case 'event':
      return { type: 'event', eventTypes: summary.events.slice(0, 1).map((e) => e.type), window: { toDays: -1 }, exclude: true };
    default:
      return { type: 'followUp', minDays: 365 };
  }
}

/** Criteria in order, each added, edited, switched between keep and exclude, or removed. */
export function CriteriaBuilder({ criteria, onChange, summary }: { criteria: CriterionInput[]; onChange: (c: CriterionInput[]) => void; summary: DatasetSummaryDto }) {
  const vars = summary.variables.map((v) => v.variable);
  const set = (i: number, c: CriterionInput) => onChange(criteria.map((x, j) => (j === i ? c : x)));
  return (
    <Stack gap="xs">
      {criteria.length === 0 && <Text c="dimmed" size="sm">No criteria: every patient with an index date and follow-up is in.</Text>}
      {criteria.map((c, i) => (
        <Group key={i} gap="xs" align="end" wrap="nowrap">
          <Text w={24} ta="right" size="sm">{i + 1}.</Text>
          <Switch label={c.exclude ? 'exclude' : 'keep'} checked={!c.exclude} onChange={(e) => set(i, { ...c, exclude: !e.currentTarget.checked })} aria-label={`criterion ${i + 1}: keep or exclude`} />
          <Text size="sm" w={170}>{TYPES.find((t) => t.value === c.type)?.label}</Text>
          {(c.type === 'age' || c.type === 'static' || c.type === 'measurement') && (
            <Select
              aria-label="variable"
              w={170}
              value={c.variable}
              data={vars.filter((v) => (c.type === 'measurement' ? v.role === 'measurement' && v.kind === 'numeric' : c.type === 'age' ? v.kind === 'date' || v.kind === 'numeric' : v.role === 'static' && v.kind !== 'numeric' && v.kind !== 'date')).map((v) => v.name)}
              onChange={(v) => v && set(i, { ...c, variable: v } as CriterionInput)}
            />
          )}
          {c.type === 'age' && (
            <>
              <NumberInput aria-label="minimum age" label="min" w={80} value={c.min ?? ''} onChange={(v) => set(i, { ...c, min: typeof v === 'number' ? v : undefined })} />
              <NumberInput aria-label="maximum age" label="max" w={80} value={c.max ?? ''} onChange={(v) => set(i, { ...c, max: typeof v === 'number' ? v : undefined })} />
            </>
          )}
          {c.type === 'static' && (
            <MultiSelect
              aria-label="levels"
              w={240}
              value={(c.in ?? []).map(String)}
              data={summary.variables.find((v) => v.variable.name === c.variable)?.categories?.map((l) => l.level) ?? []}
              onChange={(levels) => set(i, { ...c, in: levels } as CriterionInput)}
            />
          )}
          {c.type === 'visits' && (
            <>
              <NumberInput aria-label="minimum visits" label="at least" w={90} min={1} value={c.min} onChange={(v) => set(i, { ...c, min: typeof v === 'number' ? v : 1 })} />
              <NumberInput aria-label="from day" label="from day" w={100} value={c.window?.fromDays ?? ''} onChange={(v) => set(i, { ...c, window: { ...c.window, fromDays: typeof v === 'number' ? v : undefined } })} />
            </>
          )}
          {c.type === 'measurement' && (
            <>
              <NumberInput aria-label="above" label="above" w={90} value={c.above ?? ''} onChange={(v) => set(i, { ...c, above: typeof v === 'number' ? v : undefined })} />
              <NumberInput aria-label="below" label="below" w={90} value={c.below ?? ''} onChange={(v) => set(i, { ...c, below: typeof v === 'number' ? v : undefined })} />
            </>
          )}
          {c.type === 'event' && (
            <MultiSelect aria-label="event types" w={240} value={c.eventTypes} data={summary.events.map((e) => e.type)} onChange={(types) => set(i, { ...c, eventTypes: types })} />
          )}
          {c.type === 'followUp' && <NumberInput aria-label="minimum follow-up days" label="days" w={100} min={0} value={c.minDays} onChange={(v) => set(i, { ...c, minDays: typeof v === 'number' ? v : 0 })} />}
          <ActionIcon variant="subtle" color="red" aria-label={`remove criterion ${i + 1}`} onClick={() => onChange(criteria.filter((_, j) => j !== i))}>
            ×
          </ActionIcon>
        </Group>
      ))}
      <Select aria-label="add a criterion" placeholder="Add a criterion…" w={260} data={TYPES} value={null} onChange={(t) => t && onChange([...criteria, blankCriterion(t, summary)])} />
    </Stack>
  );
}
