import { Alert, Badge, Button, Group, Kbd, MultiSelect, Progress, SegmentedControl, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { ReviewCaseDto, ReviewResultsDto } from '../../../preload/contract';
import { api, errorMessage } from '../../api';
import { PatientTimeline } from '../../charts/PatientTimeline';
import { Plot } from '../../charts/Plot';

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

/** The case as the timeline chart reads it: days from the (hidden) index date, no calendar dates. */
const asTimeline = (c: ReviewCaseDto) => ({
  timeBasis: 'relative' as const,
  indexTime: 0,
  measurements: c.measurements,
  steps: c.steps.map((s) => ({ time: s.day, values: s.values, events: s.events })),
  outcome: { days: c.outcome.day, status: c.outcome.status === 'censored' ? 0 : 1, eventType: c.outcome.status === 'censored' ? null : c.outcome.status },
});

/** Step 6: clinicians judge real vs synthetic on blinded cases; keyboard: R / S, 1-5, Enter. */
export function ReviewStep() {
  const [sets, setSets] = useState<{ dataset: string; cohort: string }[]>([]);
  const [sessions, setSessions] = useState<{ id: number; set: string; cases: number; answers: number; subgroup: string | null }[]>([]);
  const [set, setSet] = useState<string | null>(null);
  // A session may draw all its cases, real and synthetic, from one subgroup of the set's cohort ("sex = F").
  const [subgroups, setSubgroups] = useState<{ value: string; label: string }[]>([]);
  const [subgroup, setSubgroup] = useState<string | null>(null);
  const [session, setSession] = useState<string | null>(null);
  const [reviewer, setReviewer] = useState('');
  const [cases, setCases] = useState<ReviewCaseDto[]>([]);
  const [answered, setAnswered] = useState<Set<number>>(new Set());
  const [current, setCurrent] = useState<number>();
  const [answer, setAnswer] = useState<'real' | 'synthetic' | null>(null);
  const [confidence, setConfidence] = useState('3');
  const [flags, setFlags] = useState<string[]>([]);
  const [results, setResults] = useState<ReviewResultsDto>();
  const [error, setError] = useState<string>();

  const refresh = useCallback(async () => {
    setSets((await api().listSyntheticSets()).map((s) => ({ dataset: s.dataset, cohort: s.cohort })));
    setSessions(await api().listReviewSessions());
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const cohortOfSet = sets.find((s) => s.dataset === set)?.cohort;
  useEffect(() => {
    setSubgroup(null);
    setSubgroups([]);
    if (!cohortOfSet) return;
    void api()
      .conditionChoices(cohortOfSet)
      .then((c) => setSubgroups(c.attributes.flatMap((a) => a.levels.map((level) => ({ value: JSON.stringify({ attribute: a.name, level }), label: `${a.name} = ${level}` })))));
  }, [cohortOfSet]);

  const create = async () => {
    if (!set) return;
    try {
      const s = await api().createReviewSession(set, 10, subgroup ? (JSON.parse(subgroup) as { attribute: string; level: string }) : undefined);
      await refresh();
      setSession(String(s.id));
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const start = async () => {
    if (!session || !reviewer) return;
    const r = await api().reviewCases(Number(session), reviewer);
    setCases(r.cases);
    const done = new Set(r.answered);
    setAnswered(done);
    setCurrent(r.cases.find((c) => !done.has(c.position))?.position);
    setResults(undefined);
  };
  const submit = useCallback(async () => {
    if (!session || current === undefined || !answer) return;
    await api().answerReviewCase(Number(session), reviewer, current, answer, Number(confidence), flags);
    const done = new Set(answered).add(current);
    setAnswered(done);
    setAnswer(null);
    setFlags([]);
    const next = cases.find((c) => !done.has(c.position));
    setCurrent(next?.position);
    if (!next) setResults(await api().reviewResults(Number(session)));
  }, [session, current, answer, reviewer, confidence, flags, answered, cases]);

  // Keyboard: R real, S synthetic, 1-5 confidence, Enter next (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (current === undefined || (e.target as HTMLElement).closest('input, textarea')) return;
      if (e.key === 'r' || e.key === 'R') setAnswer('real');
      else if (e.key === 's' || e.key === 'S') setAnswer('synthetic');
      else if (/^[1-5]$/.test(e.key)) setConfidence(e.key);
      else if (e.key === 'Enter') void submit();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [current, submit]);

  const c = cases.find((x) => x.position === current);
  return (
    <Stack>
      <Title order={2}>Review</Title>
      <Alert color="orange" title="Contains real patient data">
        A session mixes real holdout patients' records with synthetic ones, so the cases here, and any session file written for a reviewer, are protected health information. Identifiers and calendar dates are
        removed, values are rounded and days moved by a few days, the same for every case. Review on an approved workstation; every session file written is logged with its reviewer.
      </Alert>
      <Group align="end">
        <Select label="Synthetic set" w={280} data={sets.map((s) => s.dataset)} value={set} onChange={setSet} />
        <Select label="Cases from" placeholder="the whole set" clearable w={220} data={subgroups} value={subgroup} onChange={setSubgroup} />
        <Button variant="light" onClick={create} disabled={!set}>
          New session (10 blinded cases)
        </Button>
        <Select label="Session" w={280} data={sessions.map((s) => ({ value: String(s.id), label: `#${s.id}: ${s.set}${s.subgroup ? `, ${s.subgroup}` : ''} (${s.cases} cases, ${s.answers} answers)` }))} value={session} onChange={setSession} />
        <TextInput label="Reviewer" w={180} value={reviewer} onChange={(e) => setReviewer(e.currentTarget.value)} />
        <Button onClick={start} disabled={!session || !reviewer}>
          Start or resume
        </Button>
        <Button variant="subtle" disabled={!session} onClick={async () => session && setResults(await api().reviewResults(Number(session)))}>
          Results
        </Button>
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {cases.length > 0 && <Progress value={(100 * answered.size) / cases.length} aria-label={`${answered.size} of ${cases.length} cases answered`} />}
      {c && (
        <Stack>
          <Group>
            <Title order={3}>{c.label}</Title>
            <Text size="sm" c="dimmed">
              {answered.size} of {cases.length} answered · keys <Kbd>R</Kbd> real, <Kbd>S</Kbd> synthetic, <Kbd>1</Kbd>–<Kbd>5</Kbd> confidence, <Kbd>Enter</Kbd> next
            </Text>
          </Group>
          <Text size="sm">{c.statics.map((s) => `${s.name}: ${s.value}`).join(' · ')}</Text>
          <PatientTimeline preview={asTimeline(c)} title={`${c.label}: days from the index date`} />
          <Group align="end">
            <SegmentedControl aria-label="answer" value={answer ?? ''} onChange={(v) => setAnswer(v as 'real' | 'synthetic')} data={[{ value: 'real', label: 'Real (R)' }, { value: 'synthetic', label: 'Synthetic (S)' }]} />
            <Stack gap={2}>
              <Text size="xs">Confidence</Text>
              <SegmentedControl aria-label="confidence" value={confidence} onChange={setConfidence} data={['1', '2', '3', '4', '5']} />
            </Stack>
            <MultiSelect label="What gave it away" w={320} data={[...c.measurements.map((m) => m.name), 'timing of visits', 'events', 'outcome', 'statics']} value={flags} onChange={setFlags} />
            <Button onClick={() => void submit()} disabled={!answer}>
              Next (Enter)
            </Button>
          </Group>
        </Stack>
      )}
      {results && (
        <Stack>
          <Title order={3}>
            Results of session {results.session.id}
            {results.session.subgroup ? ` (cases of ${results.session.subgroup})` : ''}
          </Title>
          <Text size="sm">
            {results.session.cases} cases ({results.session.real} real, {results.session.synthetic} synthetic) · Fleiss' kappa {results.fleissKappa === null ? '– (one reviewer)' : results.fleissKappa.toFixed(3)}
          </Text>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Reviewer</Table.Th>
                <Table.Th ta="right">Answered</Table.Th>
                <Table.Th ta="right">Accuracy</Table.Th>
                <Table.Th ta="right">Sensitivity</Table.Th>
                <Table.Th ta="right">Specificity</Table.Th>
                <Table.Th ta="right">Binomial p</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...results.reviewers, results.pooled].map((r) => (
                <Table.Tr key={r.reviewer}>
                  <Table.Td>{r.reviewer}</Table.Td>
                  <Table.Td ta="right">{r.answered}</Table.Td>
                  <Table.Td ta="right">{pct(r.accuracy)}</Table.Td>
                  <Table.Td ta="right">{pct(r.sensitivity)}</Table.Td>
                  <Table.Td ta="right">{pct(r.specificity)}</Table.Td>
                  <Table.Td ta="right">
                    <Badge variant="light" color={r.pValue < 0.05 ? 'red' : 'green'}>
                      {r.pValue.toPrecision(3)}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {results.flaggedFeatures.length > 0 && (
            <Plot
              label="Features reviewers flagged"
              height={260}
              data={[{ type: 'bar', x: results.flaggedFeatures.map((f) => f.feature), y: results.flaggedFeatures.map((f) => f.count) }]}
              layout={{ title: { text: 'What gave it away' }, yaxis: { title: { text: 'flags' } } }}
            />
          )}
        </Stack>
      )}
    </Stack>
  );
}
