import { Alert, Button, Group, Select, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { PlannedReleaseDto } from '../../../preload/contract';
import { api, errorMessage } from '../../api';
import { LedgerPanel } from './LedgerPanel';

type Result = Exclude<Awaited<ReturnType<ReturnType<typeof api>['exportSynthetic']>>, { cancelled: true }>;

/** Step 7: write a synthetic set out as CSV, FHIR or OMOP with its data card, past the privacy gate. */
export function ExportStep() {
  const [sets, setSets] = useState<string[]>([]);
  const [set, setSet] = useState<string | null>(null);
  const [format, setFormat] = useState<string | null>('csv');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>();
  const [error, setError] = useState<string>();
  const [plan, setPlan] = useState<PlannedReleaseDto>();
  const [overBudget, setOverBudget] = useState('');
  useEffect(() => {
    void api().listSyntheticSets().then((s) => setSets(s.map((x) => x.dataset)));
  }, []);
  const readPlan = useCallback(async (which: string | null) => {
    setPlan(undefined);
    if (which) setPlan(await api().plannedRelease(which));
  }, []);
  useEffect(() => {
    readPlan(set).catch((err: unknown) => setError(errorMessage(err)));
  }, [set, readPlan]);
  const setBudget = async (epsilon: number | null) => {
    if (!set) return;
    try {
      await api().setPrivacyBudget(set, epsilon);
      await readPlan(set);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const run = async () => {
    if (!set || (format !== 'csv' && format !== 'fhir' && format !== 'omop')) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api().exportSynthetic(set, format, reason.trim() || undefined, overBudget.trim() || undefined);
      if (!('cancelled' in r)) {
        setResult(r);
        await readPlan(set);
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <Title order={2}>Export</Title>
      <Group align="end">
        <Select label="Synthetic set" w={280} data={sets} value={set} onChange={setSet} />
        <Select label="Format" w={220} value={format} onChange={setFormat} data={[{ value: 'csv', label: 'CSV' }, { value: 'fhir', label: 'FHIR R4 (NDJSON)' }, { value: 'omop', label: 'OMOP CDM v5.4 (CSV)' }]} />
        <Button onClick={run} loading={busy} disabled={!set}>
          Export…
        </Button>
      </Group>
      <Textarea label="Override reason" description="Only used when the privacy gate refuses; it goes into the audit log and the data card. The export folder must not exist yet: an export never writes into an existing folder." w={600} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
      {plan && <LedgerPanel key={set ?? ''} plan={plan} overBudgetReason={overBudget} onReason={setOverBudget} onBudget={setBudget} />}
      {error && (
        <Alert color="red" title="Not exported" style={{ whiteSpace: 'pre-wrap' }}>
          {error}
        </Alert>
      )}
      {result && (
        <Stack gap="xs">
          <Alert color={result.gate.passed ? 'green' : 'yellow'}>
            <Text fw={700}>{result.verdict}</Text>
            Exported to {result.directory}.{' '}
            {result.gate.passed ? 'Privacy gate: passed.' : `The privacy gate refused this set; exported under override: "${result.overrideReason}". Refused for: ${result.gate.failures.join('; ')}.`} The gate acted on the evaluation made {result.evaluatedAt}
            {result.evaluationReused ? ' (stored, reused)' : ' (made for this export)'}. Data card: {result.dataCard}
            <Text size="sm" mt={4}>
              Privacy ledger: {result.ledgerLine}
            </Text>
          </Alert>
          <Table>
            <Table.Tbody>
              {result.files.map((f) => (
                <Table.Tr key={f.name}>
                  <Table.Td>{f.name}</Table.Td>
                  <Table.Td ta="right">{f.rows.toLocaleString()} rows</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed">
            The export is recorded in the audit log and the privacy ledger.
          </Text>
        </Stack>
      )}
    </Stack>
  );
}
