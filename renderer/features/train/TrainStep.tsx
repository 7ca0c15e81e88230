import { Alert, Badge, Button, Group, MultiSelect, NumberInput, Progress, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CohortRowDto, ConditionChoicesDto, ConditionRequestDto, RunRowDto, TrainingProgressDto } from '../../../preload/contract';
import { api, errorMessage } from '../../api';
import { Plot } from '../../charts/Plot';
import { ConditionForm } from './ConditionForm';
import { NO_PRIVACY, PrivacyForm, privacyRequest, type PrivacySetting } from './PrivacyForm';
import { StartFromForm } from './StartFromForm';

/** What a private run reports each step beside its losses: shown in the progress line, not plotted. */
const PRIVACY_FIGURES = ['epsilon', 'patients', 'clipped'];

function eta(seconds: number | null): string {
  if (seconds === null) return 'estimating';
  if (!Number.isFinite(seconds)) return '–';
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** The progress line: what loading is doing, or phase, step, step time and ETA. */
function progressText(p: TrainingProgressDto): string {
  if (p.phase === 'loading') return `loading: ${p.activity ?? ''} …`;
  const speed = p.msPerStep === null ? 'timing steps' : `${p.msPerStep.toFixed(0)} ms/step`;
  // Stopping on a validation loss, the run may end before its step budget: the ETA is a bound.
  const s = p.stopping;
  const validation = s?.bestLoss == null ? '' : ` · validation best ${s.bestLoss.toFixed(3)} at step ${s.bestStep.toLocaleString()}, ${s.since}/${s.patience} checks without improvement`;
  const l = p.losses;
  const privacy = l.epsilon === undefined ? '' : ` · epsilon spent ${l.epsilon.toFixed(2)} · ${l.patients ?? 0} patients this step, ${Math.round(100 * (l.clipped ?? 0))}% clipped`;
  return `${p.phase}: step ${p.step.toLocaleString()} of ${p.totalSteps.toLocaleString()} · ${speed} · ETA ${s && p.etaSeconds !== null ? 'at most ' : ''}${eta(p.etaSeconds)}${validation}${privacy}`;
}

/** A run's privacy in the run list: the epsilon its steps have spent of its budget. */
const privacyCell = (r: RunRowDto) => (r.privacy ? `ε ${r.privacy.spent.toFixed(2)} of ${r.privacy.epsilon}` : 'no DP');

/** Step 3: train a generator off the UI thread, watch its losses, stop and resume it, generate patients. */
export function TrainStep() {
  const [cohorts, setCohorts] = useState<CohortRowDto[]>([]);
  const [runs, setRuns] = useState<RunRowDto[]>([]);
  const [cohort, setCohort] = useState<string | null>(null);
  // The default family, as DEFAULT_FAMILY in main/training/config.ts: the more realistic by npm run bench:quality.
  const [family, setFamily] = useState<string | null>('vae');
  const [steps, setSteps] = useState<number | ''>('');
  const [hidden, setHidden] = useState<number | ''>('');
  const [patients, setPatients] = useState<number | ''>('');
  const [active, setActive] = useState<number>();
  const [progress, setProgress] = useState<TrainingProgressDto>();
  const [history, setHistory] = useState<{ step: number; losses: Record<string, number> }[]>([]);
  const [message, setMessage] = useState<{ color: string; text: string }>();
  const activeRef = useRef<number | undefined>(undefined);
  // What the chosen cohort's runs can be conditioned on (all of it unless unticked), and the condition of the next set.
  const [choices, setChoices] = useState<ConditionChoicesDto>();
  const [trainConditions, setTrainConditions] = useState<string[]>([]);
  const [condition, setCondition] = useState<ConditionRequestDto>({ where: [] });
  const [balanceOn, setBalanceOn] = useState<string | null>(null);
  const [target, setTarget] = useState('');
  const [privacy, setPrivacy] = useState<PrivacySetting>(NO_PRIVACY);
  const [from, setFrom] = useState<number | null>(null);
  useEffect(() => {
    setChoices(undefined);
    setCondition({ where: [] });
    setBalanceOn(null);
    if (!cohort) return;
    void api()
      .conditionChoices(cohort)
      .then(setChoices)
      .catch((err: unknown) => setMessage({ color: 'red', text: errorMessage(err) }));
  }, [cohort]);
  // The defaults of main/training/engine.ts: a VAE learns every attribute, a TimeGAN none unless ticked.
  useEffect(() => setTrainConditions(family === 'vae' && choices ? choices.attributes.map((a) => a.name) : []), [family, choices]);

  const refresh = useCallback(async () => {
    setCohorts(await api().listCohorts());
    setRuns(await api().listRuns());
  }, []);
  useEffect(() => {
    void refresh();
    const offProgress = api().onTrainingProgress((p) => {
      if (p.runId !== activeRef.current) return;
      setProgress(p);
      if (p.phase !== 'loading') setHistory((h) => [...h, { step: p.step, losses: p.losses }]);
    });
    const offState = api().onTrainingState((s) => {
      void refresh();
      if (s.status === 'failed') setMessage({ color: 'red', text: `Run ${s.runId} failed: ${s.message ?? ''}` });
      if (s.status === 'completed') setMessage({ color: 'green', text: `Run ${s.runId} completed.` });
      if (s.status === 'cancelled') setMessage({ color: 'yellow', text: `Run ${s.runId} stopped at its last checkpoint; it can be resumed.` });
    });
    return () => {
      offProgress();
      offState();
    };
  }, [refresh]);

  const watch = async (runId: number) => {
    activeRef.current = runId;
    setActive(runId);
    setHistory((await api().trainingLosses(runId)).map((l) => ({ step: l.step, losses: l.losses })));
  };
  const start = async () => {
    if (!cohort || (family !== 'vae' && family !== 'timegan')) return;
    setMessage(undefined);
    try {
      const conditions = choices ? { conditions: trainConditions } : {};
      const dp = privacyRequest(privacy);
      // A run started from another keeps its network's size.
      const { runId } = await api().startTraining({ cohort, family, ...(steps ? { steps } : {}), ...(hidden && from === null ? { hidden } : {}), ...conditions, ...dp, ...(from !== null ? { from } : {}) });
      await watch(runId);
      await refresh();
    } catch (err) {
      setMessage({ color: 'red', text: errorMessage(err) });
    }
  };
  const resume = async (runId: number) => {
    try {
      await api().resumeTraining(runId);
      await watch(runId);
      await refresh();
    } catch (err) {
      setMessage({ color: 'red', text: errorMessage(err) });
    }
  };
  const generate = async (run: RunRowDto) => {
    const n = patients || cohorts.find((c) => `${c.name}@${c.version}` === run.cohort)?.patients || 100;
    try {
      const asked = condition.where.length || condition.outcome ? condition : undefined;
      const r = await api().generateSynthetic(run.id, n, undefined, asked, balanceOn ? { attribute: balanceOn, ...(target.trim() ? { target } : {}) } : undefined);
      const c = r.condition;
      const told = c?.modelled.length ? `the model was told ${c.modelled.join(', ')}` : 'by discarding the rest; the model was told none of it';
      const met = c?.text ? ` Every one meets ${c.text}: ${c.accepted} of ${c.drafts} drafts did (${told}).` : '';
      const balanced = c?.balance ? ` Balanced on ${c.balance.attribute}: ${c.balance.levels.map((l) => `${l.level} ${l.patients}`).join(', ')}${c.balance.omitted.length ? ` (left out, too few training patients: ${c.balance.omitted.join(', ')})` : ''}.` : '';
      setMessage({ color: 'green', text: `Generated ${r.patients} synthetic patients as "${r.dataset}" (${r.measurements} measurements).${met}${balanced} Evaluate them in the next step.` });
    } catch (err) {
      setMessage({ color: 'red', text: errorMessage(err) });
    }
  };

  const lossNames = [...new Set(history.flatMap((h) => Object.keys(h.losses)))].filter((name) => !PRIVACY_FIGURES.includes(name));
  const activeRun = runs.find((r) => r.id === active);
  return (
    <Stack>
      <Title order={2}>Train</Title>
      <Group align="end">
        <Select label="Cohort" placeholder="Choose a cohort" w={240} data={cohorts.map((c) => `${c.name}@${c.version}`)} value={cohort} onChange={setCohort} />
        <Select label="Model" w={220} data={[{ value: 'vae', label: 'Sequential VAE' }, { value: 'timegan', label: 'TimeGAN-family GAN' }]} value={family} onChange={setFamily} />
        <NumberInput label="Steps" description="empty: sized to the cohort" w={170} min={1} value={steps} onChange={(v) => setSteps(typeof v === 'number' ? v : '')} />
        <NumberInput label="Hidden units" description={from === null ? 'empty: sized to the cohort' : 'the run it starts from'} w={170} min={2} disabled={from !== null} value={from === null ? hidden : ''} onChange={(v) => setHidden(typeof v === 'number' ? v : '')} />
        <Button onClick={start} disabled={!cohort}>
          Start training
        </Button>
      </Group>
      <StartFromForm runs={runs} family={family} cohort={cohort} value={from} onChange={setFrom} />
      <PrivacyForm value={privacy} onChange={setPrivacy} family={family} cohort={cohort} />
      {choices && (
        <MultiSelect
          label="Conditions the model learns"
          description="what generation can then ask for by name (sex, age band, outcome, ...); untick all to train without"
          maw={720}
          data={choices.attributes.map((a) => a.name)}
          value={trainConditions}
          onChange={setTrainConditions}
        />
      )}
      {message && <Alert color={message.color}>{message.text}</Alert>}
      {activeRun && (
        <Stack gap={6}>
          <Group gap="md">
            <Text fw={600}>Run {activeRun.id}</Text>
            <Badge variant="light">{activeRun.status}</Badge>
            <Text size="sm">
              backend <b>{progress?.backend ?? activeRun.backend}</b> on {progress?.device ?? activeRun.device}
            </Text>
          </Group>
          {progress && (
            <>
              <Progress value={(100 * progress.step) / progress.totalSteps} aria-label="training progress" />
              <Text size="sm" aria-live="polite">
                {progressText(progress)}
              </Text>
            </>
          )}
          {history.length > 0 && (
            <Plot
              label="Training losses by step"
              data={lossNames.map((name) => ({ x: history.map((h) => h.step), y: history.map((h) => h.losses[name] ?? null), name, mode: 'lines', connectgaps: true }))}
              layout={{
                title: { text: activeRun.from ? `Losses, fine-tuning from run ${activeRun.from.run}` : 'Losses' },
                xaxis: { title: { text: 'step' } },
                yaxis: { title: { text: 'loss' } },
                // Where fine-tuning began: the weights of the run it started from, before its first step.
                ...(activeRun.from
                  ? {
                      shapes: [{ type: 'line', xref: 'x', yref: 'paper', x0: 0, x1: 0, y0: 0, y1: 1, line: { dash: 'dot', width: 1 } }],
                      annotations: [{ xref: 'x', yref: 'paper', x: 0, y: 1, xanchor: 'left', showarrow: false, text: `from run ${activeRun.from.run} (${activeRun.from.cohort}, step ${activeRun.from.step.toLocaleString()})` }],
                    }
                  : {}),
              }}
            />
          )}
        </Stack>
      )}
      <Group align="end">
        <NumberInput label="Patients to generate" description="empty: as many as the cohort" w={200} min={1} value={patients} onChange={(v) => setPatients(typeof v === 'number' ? v : '')} />
      </Group>
      {choices ? (
        <>
          <ConditionForm choices={choices} value={condition} onChange={setCondition} />
          <Group align="end">
            <Select label="Balance on" description="its levels in equal shares, or as the target says" placeholder="no balance" clearable w={220} data={choices.attributes.map((a) => a.name)} value={balanceOn} onChange={setBalanceOn} />
            {balanceOn && <TextInput label="Target shares" description="empty: equal; e.g. F=0.7,M=0.3" w={260} value={target} onChange={(e) => setTarget(e.currentTarget.value)} />}
          </Group>
        </>
      ) : (
        <Text size="sm" c="dimmed">
          Choose the cohort above to generate patients who meet a condition.
        </Text>
      )}
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Run</Table.Th>
            <Table.Th>Cohort</Table.Th>
            <Table.Th>Model</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th ta="right">Step</Table.Th>
            <Table.Th>Privacy</Table.Th>
            <Table.Th>Backend</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>{r.id}</Table.Td>
              <Table.Td>{r.cohort}</Table.Td>
              <Table.Td>
                {r.family}
                {r.from ? ` (from run ${r.from.run})` : ''}
              </Table.Td>
              <Table.Td>{r.status}</Table.Td>
              <Table.Td ta="right">
                {r.step.toLocaleString()} / {r.totalSteps.toLocaleString()}
              </Table.Td>
              <Table.Td>{privacyCell(r)}</Table.Td>
              <Table.Td>{r.backend}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <Button size="compact-sm" variant="subtle" onClick={() => void watch(r.id)}>
                    Losses
                  </Button>
                  {r.status === 'running' && (
                    <Button size="compact-sm" variant="light" color="red" onClick={() => void api().cancelTraining(r.id)}>
                      Cancel
                    </Button>
                  )}
                  {(r.status === 'cancelled' || r.status === 'failed') && (
                    <Button size="compact-sm" variant="light" onClick={() => void resume(r.id)}>
                      Resume
                    </Button>
                  )}
                  {r.step > 0 && r.status !== 'running' && (
                    <Button size="compact-sm" variant="light" color="green" onClick={() => void generate(r)}>
                      Generate
                    </Button>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
