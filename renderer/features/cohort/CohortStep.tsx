import { Alert, Button, Checkbox, Group, MultiSelect, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CohortDefinitionInput, CohortRowDto, CohortViewDto, DatasetRowDto, DatasetSummaryDto } from '../../../preload/contract';
import { api, errorMessage } from '../../api';
import { CohortResultView } from './CohortResultView';
import { CriteriaBuilder } from './CriteriaBuilder';

type CriterionInput = NonNullable<CohortDefinitionInput['criteria']>[number];

/** Step 2: who is in, how the outcome is read, and what each criterion removes. */
export function CohortStep({ onCohort }: { onCohort?: (c: CohortViewDto) => void }) {
  const [datasets, setDatasets] = useState<DatasetRowDto[]>([]);
  const [cohorts, setCohorts] = useState<CohortRowDto[]>([]);
  const [dataset, setDataset] = useState<string | null>(null);
  const [summary, setSummary] = useState<DatasetSummaryDto>();
  const [name, setName] = useState('');
  const [index, setIndex] = useState<string>('dataset');
  const [outcomes, setOutcomes] = useState<string[]>([]);
  const [exit, setExit] = useState(false);
  const [fromDays, setFromDays] = useState(0);
  const [criteria, setCriteria] = useState<CriterionInput[]>([]);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<CohortViewDto>();
  // Progress events can arrive after the result: only a creation in flight shows them.
  const creating = useRef(false);

  const refresh = useCallback(async () => {
    setDatasets(await api().listDatasets());
    setCohorts(await api().listCohorts());
  }, []);
  useEffect(() => {
    void refresh();
    return api().onCohortProgress((p) => creating.current && setBusy(p.stage));
  }, [refresh]);
  useEffect(() => {
    if (!dataset) return;
    void api()
      .inspectDataset(dataset)
      .then((s) => {
        setSummary(s);
        setName((n) => n || `${s.dataset.name}_cohort`);
        setOutcomes(s.outcomeEvents.map((e) => e.type).slice(0, 1));
      });
  }, [dataset]);

  const dateStatics = summary?.variables.filter((v) => v.variable.role === 'static' && v.variable.kind === 'date').map((v) => v.variable.name) ?? [];
  const eventTypes = [...new Set([...(summary?.events.map((e) => e.type) ?? []), ...(summary?.outcomeEvents.map((e) => e.type) ?? [])])];

  const create = async () => {
    if (!summary) return;
    setError(undefined);
    setBusy('starting');
    creating.current = true;
    const definition: CohortDefinitionInput = {
      name,
      dataset: summary.dataset.name,
      index: index === 'dataset' ? { from: 'dataset' } : index === 'first-visit' ? { from: 'first-visit' } : { from: 'static', variable: index },
      criteria,
      window: { fromDays },
      outcome: { events: outcomes, afterFollowUpEnd: exit ? 'exit' : 'censor' },
    };
    try {
      const view = await api().createCohort(definition);
      setResult(view);
      onCohort?.(view);
      await refresh();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      creating.current = false;
      setBusy(undefined);
    }
  };

  return (
    <Stack>
      <Title order={2}>Cohort</Title>
      {cohorts.length > 0 && (
        <Table highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Cohort</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th>Dataset</Table.Th>
              <Table.Th ta="right">Patients</Table.Th>
              <Table.Th ta="right">Train / holdout</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {cohorts.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Button variant="subtle" size="compact-sm" onClick={async () => setResult(await api().showCohort(`${c.name}@${c.version}`))}>
                    {c.name}
                  </Button>
                </Table.Td>
                <Table.Td>{c.version}</Table.Td>
                <Table.Td>{c.dataset}</Table.Td>
                <Table.Td ta="right">{c.patients.toLocaleString()}</Table.Td>
                <Table.Td ta="right">
                  {c.train} / {c.holdout}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group align="end">
        <Select label="Dataset" placeholder="Choose a dataset" data={datasets.map((d) => d.name)} value={dataset} onChange={setDataset} w={220} />
        <TextInput label="Cohort name" value={name} onChange={(e) => setName(e.currentTarget.value)} w={220} />
        <Select
          label="Index date"
          w={220}
          value={index}
          onChange={(v) => v && setIndex(v)}
          data={[{ value: 'dataset', label: 'as imported' }, { value: 'first-visit', label: 'first visit' }, ...dateStatics.map((d) => ({ value: d, label: d }))]}
        />
        <NumberInput label="Sequence from day" description="relative to index" w={140} max={0} value={fromDays} onChange={(v) => setFromDays(typeof v === 'number' ? v : 0)} />
      </Group>
      {summary && (
        <>
          <Group align="end">
            <MultiSelect label="Outcome events" data={eventTypes} value={outcomes} onChange={setOutcomes} w={300} />
            <Checkbox label="Count an outcome dated after the end of follow-up at the end (exit with the event)" checked={exit} onChange={(e) => setExit(e.currentTarget.checked)} />
          </Group>
          <Text fw={600}>Criteria, in order</Text>
          <CriteriaBuilder criteria={criteria} onChange={setCriteria} summary={summary} />
          <Group>
            <Button onClick={create} loading={busy !== undefined} disabled={!name || outcomes.length === 0}>
              Create cohort
            </Button>
            {busy && <Text size="sm" c="dimmed" aria-live="polite">{busy}…</Text>}
          </Group>
        </>
      )}
      {error && (
        <Alert color="red" style={{ whiteSpace: 'pre-wrap' }}>
          {error}
        </Alert>
      )}
      {result && <CohortResultView cohort={result} />}
    </Stack>
  );
}
