import { Alert, Code, Select, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { RunRowDto } from '../../../preload/contract';
import { api, errorMessage } from '../../api';

/**
 * Start a run from another run's weights (issue 17): the runs it can start from (the chosen model's,
 * with weights), and, once one is chosen, how the cohort's channels match that run's before training starts.
 */
export function StartFromForm({ runs, family, cohort, value, onChange }: { runs: RunRowDto[]; family: string | null; cohort: string | null; value: number | null; onChange: (run: number | null) => void }) {
  const [table, setTable] = useState<string[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const candidates = runs.filter((r) => r.family === family && r.step > 0);
  useEffect(() => {
    setTable(null);
    setProblem(null);
    if (value === null || !cohort || (family !== 'vae' && family !== 'timegan')) return;
    let current = true;
    api()
      .warmStartPlan(value, cohort, family)
      .then((plan) => current && setTable(plan.table))
      .catch((err: unknown) => current && setProblem(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [value, cohort, family]);
  return (
    <Stack gap="xs">
      <Select
        label="Start from"
        description="another run's weights (one trained on a larger related cohort); empty: fresh weights"
        placeholder="fresh weights"
        clearable
        w={420}
        data={candidates.map((r) => ({ value: String(r.id), label: `run ${r.id} · ${r.cohort} · ${r.family} · step ${r.step.toLocaleString()}` }))}
        value={value === null ? null : String(value)}
        onChange={(v) => onChange(v === null ? null : Number(v))}
      />
      {problem && <Alert color="red">{problem}</Alert>}
      {table && (
        <Stack gap={2} data-testid="channel-matching">
          <Text size="sm" fw={600}>
            Channels of run {value} matched to this cohort&apos;s: {table[0]}
          </Text>
          <Code block>{table.slice(1).join('\n')}</Code>
        </Stack>
      )}
    </Stack>
  );
}
