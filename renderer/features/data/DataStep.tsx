import { Alert, Button, Group, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DatasetRowDto, DatasetSummaryDto, ImportProgressDto } from '../../../preload/contract';
import { api } from '../../api';
import { DatasetSummaryView } from './DatasetSummaryView';
import { ImportWizard } from './ImportWizard';
import { PatientBrowser } from '../../charts/PatientBrowser';

/** Step 1: import a dataset through a mapping file and look at what was stored. */
export function DataStep() {
  const [datasets, setDatasets] = useState<DatasetRowDto[]>([]);
  const [selected, setSelected] = useState<DatasetSummaryDto>();
  const [progress, setProgress] = useState<ImportProgressDto>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ color: string; text: string }>();
  // Progress events can arrive after the outcome: only an import in flight shows them.
  const importing = useRef(false);
  const cancelRequested = useRef(false);

  const refresh = useCallback(async () => setDatasets(await api().listDatasets()), []);
  useEffect(() => {
    void refresh();
    return api().onImportProgress((p) => importing.current && setProgress(p));
  }, [refresh]);

  const runImport = async () => {
    setBusy(true);
    importing.current = true;
    cancelRequested.current = false;
    setMessage(undefined);
    try {
      const outcome = await api().importFromMapping();
      if (outcome.status === 'imported') {
        setMessage({ color: 'green', text: `Imported "${outcome.dataset}": ${outcome.patients} patients, ${outcome.measurements} measurements, ${outcome.warningCount} warnings, in ${outcome.seconds.toFixed(1)} s.` });
        await refresh();
        setSelected(await api().inspectDataset(outcome.dataset));
      } else if (outcome.status === 'cancelled') {
        if (cancelRequested.current) setMessage({ color: 'yellow', text: 'Import cancelled: nothing was stored.' });
      } else if (outcome.status === 'failed') {
        setMessage({ color: 'red', text: outcome.message });
      }
    } finally {
      importing.current = false;
      setBusy(false);
      setProgress(undefined);
    }
  };

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Data</Title>
        <Button onClick={runImport} loading={busy}>
          Import from a mapping file…
        </Button>
      </Group>
      <ImportWizard
        onImported={async (outcome) => {
          if (outcome.status !== 'imported') return;
          setMessage({ color: 'green', text: `Imported "${outcome.dataset}": ${outcome.patients} patients, ${outcome.measurements} measurements, ${outcome.warningCount} warnings, in ${outcome.seconds.toFixed(1)} s.` });
          await refresh();
          setSelected(await api().inspectDataset(outcome.dataset));
        }}
      />
      {progress && (
        <Stack gap={4} aria-live="polite">
          <Text size="sm">
            Importing {progress.file} ({progress.fileIndex + 1}/{progress.fileCount}): {progress.rows.toLocaleString()} rows
          </Text>
          <Group>
            <Progress style={{ flex: 1 }} value={(100 * progress.bytesRead) / Math.max(1, progress.bytesTotal)} />
            <Button
              size="compact-sm"
              variant="light"
              color="red"
              onClick={() => {
                cancelRequested.current = true;
                void api().cancelImport();
              }}
            >
              Cancel import
            </Button>
          </Group>
        </Stack>
      )}
      {message && (
        <Alert color={message.color} style={{ whiteSpace: 'pre-wrap' }}>
          {message.text}
        </Alert>
      )}
      {datasets.length === 0 ? (
        <Text c="dimmed">No datasets yet. Import one from a mapping file (see the README for worked examples).</Text>
      ) : (
        <Table highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Dataset</Table.Th>
              <Table.Th>Time</Table.Th>
              <Table.Th ta="right">Patients</Table.Th>
              <Table.Th ta="right">Measurements</Table.Th>
              <Table.Th ta="right">Events</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {datasets.map((d) => (
              <Table.Tr key={d.id} onClick={async () => setSelected(await api().inspectDataset(String(d.id)))} style={{ cursor: 'pointer' }}>
                <Table.Td>
                  <Button variant="subtle" size="compact-sm" onClick={async () => setSelected(await api().inspectDataset(String(d.id)))}>
                    {d.name}
                  </Button>
                </Table.Td>
                <Table.Td>{d.timeBasis}</Table.Td>
                <Table.Td ta="right">{d.patients.toLocaleString()}</Table.Td>
                <Table.Td ta="right">{d.measurements.toLocaleString()}</Table.Td>
                <Table.Td ta="right">{d.events.toLocaleString()}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {selected && <PatientBrowser key={selected.dataset.name} dataset={selected.dataset.name} title="Patient timeline" />}
      {selected && <DatasetSummaryView summary={selected} />}
    </Stack>
  );
}
