import { Alert, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { CohortViewDto } from '../../../preload/contract';
import { kmTraces, Plot } from '../../charts/Plot';
import { formatNumber, formatPercent } from '../../format';

/** A stored cohort: attrition (CONSORT-style), outcome and Kaplan-Meier, split, sequences before and after encoding. */
export function CohortResultView({ cohort }: { cohort: CohortViewDto }) {
  const o = cohort.outcome;
  const years = (o.followUpDays?.max ?? 0) > 730;
  const scale = years ? 365.25 : 1;
  const km = o.km.points.map((p) => ({ ...p, time: p.time / scale }));
  const es = cohort.encodingSummary;
  return (
    <Stack>
      <Title order={3}>
        {cohort.name} <Text span c="dimmed">version {cohort.version} · {cohort.dataset}{cohort.unchanged ? ' · unchanged' : ''}</Text>
      </Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Stack gap={4}>
          <Text fw={600}>Attrition</Text>
          <Plot
            label="Attrition chart: patients remaining after each step"
            height={60 + 40 * cohort.attrition.length}
            data={[{ type: 'bar', orientation: 'h', y: cohort.attrition.map((a) => `${a.step}. ${a.label}`), x: cohort.attrition.map((a) => a.remaining), text: cohort.attrition.map((a) => (a.step === 0 ? `${a.remaining}` : `${a.remaining} (−${a.removed})`)), textposition: 'auto', marker: { color: '#2f6fde' } }]}
            layout={{ yaxis: { autorange: 'reversed', automargin: true }, xaxis: { title: { text: 'patients' } }, margin: { t: 8, r: 16, b: 40, l: 8 } }}
          />
        </Stack>
        <Stack gap={4}>
          <Text fw={600}>Kaplan-Meier ({cohort.definition.outcome.events.join(' or ')}), 95% band</Text>
          <Plot label="Kaplan-Meier curve with its 95% confidence band" data={kmTraces(km, 'survival')} layout={{ xaxis: { title: { text: years ? 'years from index' : 'days from index' } }, yaxis: { title: { text: 'survival' }, range: [0, 1.02] } }} />
        </Stack>
      </SimpleGrid>
      <Group gap="xl">
        <Text size="sm">
          <b>{o.patients.toLocaleString()}</b> patients · <b>{o.events}</b> events · {o.competing} competing · {o.censored} censored · censoring rate <b>{formatPercent(o.censoringRate)}</b>
        </Text>
        <Text size="sm">
          median follow-up {o.followUpDays ? `${formatNumber(o.followUpDays.median / 365.25, 1)} years` : '–'} (reverse KM {o.medianFollowUpReverseKm === null ? 'not reached' : `${formatNumber(o.medianFollowUpReverseKm / 365.25, 1)} years`}) · median time to event{' '}
          {o.km.median === null ? 'not reached' : `${formatNumber(o.km.median / 365.25, 1)} years`}
        </Text>
        <Text size="sm">
          split: train {cohort.split.train} · holdout {cohort.split.holdout} (stratified by outcome)
        </Text>
      </Group>
      {cohort.notes.map((n) => (
        <Alert key={n} color="yellow">
          {n}
        </Alert>
      ))}
      <Text fw={600}>Per variable, before and after encoding ({es.mode === 'grid' ? `${es.binDays}-day bins` : 'irregular steps'})</Text>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Variable</Table.Th>
            <Table.Th ta="right">Observed, before</Table.Th>
            <Table.Th ta="right">Observed, after</Table.Th>
            <Table.Th>Transform</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {es.before.observationRate.map((v, i) => (
            <Table.Tr key={v.variable}>
              <Table.Td>{v.variable}</Table.Td>
              <Table.Td ta="right">{formatPercent(v.rate)}</Table.Td>
              <Table.Td ta="right">{formatPercent(es.after.observationRate[i]?.rate ?? 0)}</Table.Td>
              <Table.Td>{cohort.transforms.find((t) => t.channel === v.variable)?.transform}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
