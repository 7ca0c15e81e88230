import { Alert, Badge, Button, Group, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { EvaluationViewDto } from '../../../preload/contract';
import { api, errorMessage } from '../../api';
import { kmTraces, Plot } from '../../charts/Plot';
import { PatientBrowser } from '../../charts/PatientBrowser';
import { binnedTraces } from './binnedTraces';
import { ClosestPatients } from './ClosestPatients';
import { DetectionFeatures } from './DetectionFeatures';
import { Fairness } from './Fairness';
import { SurvivalByStratum } from './SurvivalByStratum';

const VERDICT_COLOR = { pass: 'green', warn: 'yellow', fail: 'red', 'n/a': 'gray' } as const;
const SHARE_COLOR = { fit: 'green', caution: 'yellow', unfit: 'red' } as const;
const SYNTHETIC = '#e4572e';

/** Step 4: fidelity, survival, detection, utility and privacy of a synthetic set, with the verdicts. */
export function EvaluateStep() {
  const [sets, setSets] = useState<{ dataset: string; patients: number }[]>([]);
  const [set, setSet] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [report, setReport] = useState<EvaluationViewDto>();
  useEffect(() => {
    void api()
      .listSyntheticSets()
      .then((s) => {
        setSets(s);
        setSet((current) => current ?? s.at(-1)?.dataset ?? null);
      });
  }, []);
  const run = async (stratum?: string) => {
    if (!set) return;
    setBusy(true);
    setError(undefined);
    try {
      setReport(await api().evaluate(set, undefined, stratum));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '' : Math.abs(x) >= 100 ? Math.round(x).toLocaleString() : x.toFixed(3));
  return (
    <Stack>
      <Title order={2}>Evaluate</Title>
      <Group align="end">
        <Select label="Synthetic set" placeholder="Generate one in the Train step" w={320} data={sets.map((s) => s.dataset)} value={set} onChange={setSet} />
        <Button onClick={() => run()} loading={busy} disabled={!set}>
          Evaluate
        </Button>
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {report && (
        <>
          <Alert color={SHARE_COLOR[report.verdict.level]} title={report.verdict.line} data-testid="share-verdict">
            {report.verdict.advice.map((a) => (
              <Text size="sm" key={a}>
                {a}
              </Text>
            ))}
            <Text size="xs">{report.verdict.rule}</Text>
          </Alert>
          <Group>
            <Badge color="green" size="lg">{report.verdicts.pass} pass</Badge>
            <Badge color="yellow" size="lg">{report.verdicts.warn} warn</Badge>
            <Badge color="red" size="lg">{report.verdicts.fail} fail</Badge>
          </Group>
          {report.condition && (
            <Text size="sm" data-testid="evaluation-condition">
              {report.condition.line}
            </Text>
          )}
          <Text size="sm">
            Train {report.dataUse.train} · holdout {report.dataUse.holdout} · synthetic {report.dataUse.synthetic}. {report.dataUse.note}
          </Text>
          <Text size="sm">
            Discriminative score (worse detector) <b>{report.headline.discriminativeScore.toFixed(3)}</b> · next-visit error TSTR {report.headline.predictive.tstr.toFixed(3)} / TRTR {report.headline.predictive.trtr.toFixed(3)} · C-index TSTR{' '}
            {report.headline.cIndex.tstr.toFixed(3)} / TRTR {report.headline.cIndex.trtr.toFixed(3)} · membership-inference AUC <b>{report.headline.membershipInferenceAuc.toFixed(3)}</b> · DCR share {report.headline.dcrShare.toFixed(3)}
          </Text>
          <Plot
            label="Kaplan-Meier curves of real and synthetic patients"
            height={360}
            data={[...kmTraces(report.survival.real, 'real (train)'), ...kmTraces(report.survival.synthetic, 'synthetic', SYNTHETIC)]}
            layout={{ title: { text: `Survival (log-rank p ${report.survival.logRankP.toFixed(3)})` }, xaxis: { title: { text: 'days from index' } }, yaxis: { range: [0, 1.02], title: { text: 'survival' } } }}
          />
          <SurvivalByStratum strata={report.strata} busy={busy} color={SYNTHETIC} onPick={(v) => void run(v)} />
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <PatientBrowser dataset={report.syntheticSet.dataset} title="A synthetic patient" />
            <PatientBrowser dataset={report.realDataset} title="A real patient" />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {report.numeric
              .filter((n) => n.kind === 'numeric')
              .map((n) => (
                <Plot
                  key={n.variable}
                  label={`Distribution of ${n.variable}, real and synthetic`}
                  height={260}
                  data={binnedTraces(n, SYNTHETIC)}
                  layout={{ title: { text: n.variable }, barmode: 'overlay' }}
                />
              ))}
          </SimpleGrid>
          <DetectionFeatures headline={report.headline} features={report.detectionFeatures} color={SYNTHETIC} />
          <Fairness subgroups={report.subgroups} color={SYNTHETIC} />
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group</Table.Th>
                <Table.Th>Metric</Table.Th>
                <Table.Th ta="right">Value</Table.Th>
                <Table.Th ta="right">Baseline</Table.Th>
                <Table.Th>Pass if</Table.Th>
                <Table.Th>Verdict</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.metrics.map((m, i) => (
                <Table.Tr key={i} title={m.data}>
                  <Table.Td>{m.group}</Table.Td>
                  <Table.Td>
                    {m.name}
                    {m.variable && <b> {m.variable}</b>}
                  </Table.Td>
                  <Table.Td ta="right">{fmt(m.value)}</Table.Td>
                  <Table.Td ta="right">{fmt(m.baseline)}</Table.Td>
                  <Table.Td>
                    {m.threshold.better === 'lower' ? '≤' : '≥'} {m.threshold.pass}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={VERDICT_COLOR[m.verdict]} variant="light">
                      {m.verdict}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <ClosestPatients rows={report.closest} />
          <Text size="xs" c="dimmed">
            Report files: {report.reportPaths.html} · {report.reportPaths.json}
          </Text>
        </>
      )}
    </Stack>
  );
}
