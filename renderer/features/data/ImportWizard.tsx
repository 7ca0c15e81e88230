import { Alert, Badge, Button, Card, Group, MultiSelect, Progress, ScrollArea, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { FilePreviewDto, ImportOutcomeDto, ImportProgressDto } from '../../../preload/contract';
import { api } from '../../api';

type Kind = 'numeric' | 'categorical' | 'binary' | 'date';
type Role = 'patients' | 'wide' | 'long';

interface FilePlan {
  file: FilePreviewDto;
  role: Role;
  id: string | null;
  kinds: Record<string, Kind>;
  index: string | null;
  statics: string[];
  followUpEnd: string | null;
  followUpEvent: string | null;
  events: string[];
  time: string | null;
  values: string[];
  variable: string | null;
  value: string | null;
  unit: string | null;
}

const KINDS: Kind[] = ['numeric', 'categorical', 'binary', 'date'];
const guessId = (h: string[]) => h.find((c) => /^(patient_?)?id$|^combinedid$|^subject/i.test(c)) ?? h[0] ?? null;

function initialPlan(file: FilePreviewDto, first: boolean): FilePlan {
  const dates = file.header.filter((c) => file.kinds[c] === 'date');
  const id = guessId(file.header);
  const time = dates[0] ?? file.header.find((c) => /day|time|date/i.test(c)) ?? null;
  return {
    file,
    role: first ? 'patients' : 'wide',
    id,
    kinds: { ...file.kinds },
    index: null,
    statics: first ? file.header.filter((c) => c !== id) : [],
    followUpEnd: null,
    followUpEvent: null,
    events: [],
    time,
    values: file.header.filter((c) => c !== id && c !== time),
    variable: null,
    value: null,
    unit: null,
  };
}

/** The mapping (README "Import mapping") that the plans describe, with files named by handle. */
function mappingOf(name: string, basis: 'calendar' | 'relative', plans: FilePlan[]) {
  const settings = (p: FilePlan, cols: string[]) => Object.fromEntries(cols.map((c) => [c, { kind: p.kinds[c] }]));
  return {
    dataset: name,
    time: basis === 'calendar' ? { basis } : { basis, unit: 'days' },
    files: plans.map((p) => {
      const base = { path: p.file.fileId, name: p.file.name, id: p.id ?? '' };
      if (p.role === 'patients') {
        const taken = new Set([p.id, p.index, p.followUpEnd, p.followUpEvent, ...p.events]);
        return {
          ...base,
          patients: true,
          ...(p.index ? { index: p.index } : {}),
          static: settings(p, p.statics.filter((c) => !taken.has(c))),
          ...(p.events.length ? { events: Object.fromEntries(p.events.map((c) => [c, c])) } : {}),
          // A 0/1 column says "the event happened at the end of follow-up"; a date column gives its date.
          ...(p.followUpEnd
            ? { followUp: { end: p.followUpEnd, ...(p.followUpEvent ? (p.kinds[p.followUpEvent] === 'binary' ? { eventIndicator: p.followUpEvent } : { event: p.followUpEvent }) : {}) } }
            : {}),
        };
      }
      if (p.role === 'long') return { ...base, measurements: { layout: 'long', time: p.time ?? '', variable: p.variable ?? '', value: p.value ?? '', ...(p.unit ? { unit: p.unit } : {}) } };
      return { ...base, measurements: { layout: 'wide', time: p.time ?? '', columns: settings(p, p.values) } };
    }),
  };
}

/** Import wizard: choose the CSV files, say what each column means (with a preview and the inferred kinds), import. */
export function ImportWizard({ onImported }: { onImported: (outcome: ImportOutcomeDto) => void }) {
  const [plans, setPlans] = useState<FilePlan[]>([]);
  const [name, setName] = useState('');
  const [basis, setBasis] = useState<'calendar' | 'relative'>('calendar');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ImportProgressDto>();
  const [error, setError] = useState<string>();

  const choose = async () => {
    const files = await api().pickImportFiles();
    if (!files.length) return;
    setPlans(files.map((f, i) => initialPlan(f, i === 0)));
    setName((n) => n || files[0]!.name);
    setBasis(files.some((f) => Object.values(f.kinds).includes('date')) ? 'calendar' : 'relative');
  };
  const update = (i: number, change: Partial<FilePlan>) => setPlans((ps) => ps.map((p, j) => (j === i ? { ...p, ...change } : p)));
  const run = async () => {
    setBusy(true);
    setError(undefined);
    const off = api().onImportProgress(setProgress);
    try {
      const outcome = await api().importWithMapping(mappingOf(name, basis, plans));
      if (outcome.status === 'failed') setError(outcome.message);
      else if (outcome.status === 'cancelled') setError('Import cancelled: nothing was stored.');
      else {
        onImported(outcome);
        setPlans([]);
        setName('');
      }
    } finally {
      off();
      setBusy(false);
      setProgress(undefined);
    }
  };

  return (
    <Stack>
      <Group>
        <Button variant="light" onClick={choose}>
          Choose CSV files…
        </Button>
        {plans.length > 0 && <Text size="sm">{plans.length} file(s): the first defines the patients; say what every file and column means, then import.</Text>}
      </Group>
      {plans.length > 0 && (
        <>
          <Group align="end">
            <TextInput label="Dataset name" value={name} onChange={(e) => setName(e.currentTarget.value)} w={240} />
            <Select label="Time" w={220} value={basis} onChange={(v) => v && setBasis(v as 'calendar' | 'relative')} data={[{ value: 'calendar', label: 'calendar dates' }, { value: 'relative', label: 'day offsets (e.g. ICU day)' }]} />
          </Group>
          {plans.map((p, i) => {
            const cols = p.file.header;
            return (
              <Card key={p.file.fileId} withBorder>
                <Stack gap="xs">
                  <Group justify="space-between">
                    <Title order={4}>{p.file.name}.csv</Title>
                    <SegmentedControl
                      aria-label={`${p.file.name}: what the file holds`}
                      value={p.role}
                      onChange={(v) => update(i, { role: v as Role })}
                      data={[{ value: 'patients', label: 'Patients' }, { value: 'wide', label: 'Visits (one column per measurement)' }, { value: 'long', label: 'Measurements (one row per value)' }]}
                    />
                  </Group>
                  <ScrollArea>
                    <Table withTableBorder fz="xs">
                      <Table.Thead>
                        <Table.Tr>
                          {cols.map((c) => (
                            <Table.Th key={c}>
                              <Stack gap={2}>
                                <Text size="xs" fw={700}>{c}</Text>
                                <Select aria-label={`${p.file.name} ${c} kind`} size="xs" w={110} data={KINDS} value={p.kinds[c]} onChange={(v) => v && update(i, { kinds: { ...p.kinds, [c]: v as Kind } })} />
                              </Stack>
                            </Table.Th>
                          ))}
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {p.file.rows.map((r, k) => (
                          <Table.Tr key={k}>
                            {r.map((v, j) => (
                              <Table.Td key={j}>{v}</Table.Td>
                            ))}
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </ScrollArea>
                  <Group align="end" gap="sm">
                    <Select label="Patient id" aria-label={`${p.file.name} patient id column`} w={150} data={cols} value={p.id} onChange={(v) => update(i, { id: v })} />
                    {p.role === 'patients' && (
                      <>
                        <Select label="Index date" aria-label={`${p.file.name} index column`} clearable w={150} data={cols} value={p.index} onChange={(v) => update(i, { index: v })} />
                        <Select label="End of follow-up" aria-label={`${p.file.name} follow-up end column`} clearable w={160} data={cols} value={p.followUpEnd} onChange={(v) => update(i, { followUpEnd: v })} />
                        <Select label="Outcome (date or 0/1)" aria-label={`${p.file.name} outcome column`} clearable w={170} data={cols} value={p.followUpEvent} onChange={(v) => update(i, { followUpEvent: v })} />
                        <MultiSelect label="Event dates" aria-label={`${p.file.name} event columns`} w={220} data={cols.filter((c) => p.kinds[c] === 'date')} value={p.events} onChange={(v) => update(i, { events: v })} />
                        <MultiSelect label="Static attributes" aria-label={`${p.file.name} static columns`} w={320} data={cols} value={p.statics} onChange={(v) => update(i, { statics: v })} />
                      </>
                    )}
                    {p.role !== 'patients' && <Select label="Time" aria-label={`${p.file.name} time column`} w={150} data={cols} value={p.time} onChange={(v) => update(i, { time: v })} />}
                    {p.role === 'wide' && <MultiSelect label="Measurements" aria-label={`${p.file.name} measurement columns`} w={320} data={cols} value={p.values} onChange={(v) => update(i, { values: v })} />}
                    {p.role === 'long' && (
                      <>
                        <Select label="Variable" aria-label={`${p.file.name} variable column`} w={150} data={cols} value={p.variable} onChange={(v) => update(i, { variable: v })} />
                        <Select label="Value" aria-label={`${p.file.name} value column`} w={150} data={cols} value={p.value} onChange={(v) => update(i, { value: v })} />
                        <Select label="Unit" aria-label={`${p.file.name} unit column`} clearable w={150} data={cols} value={p.unit} onChange={(v) => update(i, { unit: v })} />
                      </>
                    )}
                    <Badge variant="light">kinds inferred from {p.file.sampledRows.toLocaleString()} rows</Badge>
                  </Group>
                </Stack>
              </Card>
            );
          })}
          <Group>
            <Button onClick={run} loading={busy} disabled={!name}>
              Import {plans.length} file(s)
            </Button>
          </Group>
          {progress && (
            <Group>
              <Progress style={{ flex: 1 }} value={(100 * progress.bytesRead) / Math.max(1, progress.bytesTotal)} aria-label="import progress" />
              <Button size="compact-sm" variant="light" color="red" onClick={() => void api().cancelImport()}>
                Cancel import
              </Button>
            </Group>
          )}
        </>
      )}
      {error && (
        <Alert color="red" title="Nothing was imported" style={{ whiteSpace: 'pre-wrap' }}>
          {error}
        </Alert>
      )}
    </Stack>
  );
}
