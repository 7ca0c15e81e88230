import { Alert, Button, Checkbox, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { CohortRowDto, CohortViewDto, EncodingPreviewDto } from '../../../preload/contract';
import { api, errorMessage } from '../../api';
import { PatientTimeline } from '../../charts/PatientTimeline';
import { Plot } from '../../charts/Plot';

type Histogram = { edges: number[]; counts: number[]; max: number } | null;
const bars = (h: Histogram, name: string) => (h ? [{ x: h.edges, y: h.counts, type: 'bar', name, opacity: 0.7 }] : []);

/** Step between cohort and training: how time becomes steps, shown on one patient before and after. */
export function TimeStep() {
  const [cohorts, setCohorts] = useState<CohortRowDto[]>([]);
  const [cohort, setCohort] = useState<string | null>(null);
  const [view, setView] = useState<CohortViewDto>();
  const [patients, setPatients] = useState<{ key: string; split: string }[]>([]);
  const [patient, setPatient] = useState<string | null>(null);
  const [mode, setMode] = useState<'irregular' | 'grid'>('irregular');
  const [binDays, setBinDays] = useState<number>(180);
  const [carry, setCarry] = useState(false);
  const [preview, setPreview] = useState<EncodingPreviewDto>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    void api().listCohorts().then(setCohorts);
  }, []);
  useEffect(() => {
    if (!cohort) return;
    void api().showCohort(cohort).then(setView);
    void api()
      .cohortPatients(cohort)
      .then((ps) => {
        setPatients(ps);
        setPatient(ps[0]?.key ?? null);
      });
  }, [cohort]);
  useEffect(() => {
    if (!cohort || !patient) return;
    setError(undefined);
    const overrides = mode === 'grid' ? { mode, binDays, carryForward: carry } : { mode };
    api()
      .previewEncoding(cohort, patient, overrides)
      .then(setPreview)
      .catch((err: Error) => setError(errorMessage(err)));
  }, [cohort, patient, mode, binDays, carry]);

  const es = view?.encodingSummary;
  return (
    <Stack>
      <Title order={2}>Time</Title>
      <Group align="end">
        <Select label="Cohort" placeholder="Choose a cohort" w={240} data={cohorts.map((c) => `${c.name}@${c.version}`)} value={cohort} onChange={setCohort} />
        <Select label="Patient" searchable w={200} data={patients.map((p) => ({ value: p.key, label: `${p.key} (${p.split})` }))} value={patient} onChange={setPatient} />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Timesteps
          </Text>
          <SegmentedControl aria-label="timestep mode" value={mode} onChange={(v) => setMode(v as 'irregular' | 'grid')} data={[{ value: 'irregular', label: 'Irregular (per visit)' }, { value: 'grid', label: 'Regular grid' }]} />
        </Stack>
        {mode === 'grid' && (
          <>
            <NumberInput label="Bin width (days)" w={150} min={1} value={binDays} onChange={(v) => typeof v === 'number' && v > 0 && setBinDays(v)} />
            <Checkbox label="Carry forward" checked={carry} onChange={(e) => setCarry(e.currentTarget.checked)} />
          </>
        )}
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {preview && (
        <>
          <Text size="sm">
            {preview.steps.length} step(s){preview.droppedSteps ? `, ${preview.droppedSteps} cut at ${preview.settings.maxLength}` : ''} · {preview.channels.step.length} channels per step · decoded back:{' '}
            <b>{preview.roundTrip ? 'identical' : 'differs'}</b>
          </Text>
          <PatientTimeline preview={preview} title={`Patient ${preview.patient.sourceKey}: the record`} />
          <Plot
            label="The encoded steps: one row per channel, one column per step"
            height={Math.max(260, 22 * preview.channels.step.length + 80)}
            data={[{ z: preview.channels.step.map((_, c) => preview.steps.map((s) => s.encoded[c])), x: preview.steps.map((s) => `${s.step}`), y: preview.channels.step, type: 'heatmap', colorscale: 'RdBu', zmid: 0 }]}
            layout={{ title: { text: `Encoded (${preview.settings.mode === 'grid' ? `${preview.settings.binDays}-day bins` : 'irregular steps'})` }, xaxis: { title: { text: 'step' } }, yaxis: { automargin: true } }}
          />
          <Button variant="subtle" w="fit-content" onClick={() => setPatient(patients[(patients.findIndex((p) => p.key === patient) + 1) % patients.length]?.key ?? null)}>
            Next patient
          </Button>
        </>
      )}
      {es && (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Plot label="Days between visits, before encoding" data={bars(es.before.gapHistogram, 'days between visits')} layout={{ title: { text: 'Days between visits (stored cohort)' }, xaxis: { title: { text: 'days' } } }} />
          <Plot
            label="Steps per patient, before and after encoding"
            data={[...bars(es.before.lengthHistogram, 'visits (before)'), ...bars(es.after.lengthHistogram, `steps (after, ${es.mode})`)]}
            layout={{ title: { text: 'Sequence lengths' }, barmode: 'overlay', xaxis: { title: { text: 'steps per patient' } } }}
          />
        </SimpleGrid>
      )}
    </Stack>
  );
}
