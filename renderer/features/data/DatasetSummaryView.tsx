import { Badge, Stack, Table, Text, Title } from '@mantine/core';
import type { DatasetSummaryDto } from '../../../preload/contract';
import { formatDay } from '../../format';

/** Per-variable statistics, visits, follow-up, events and import warnings of one dataset. */
export function DatasetSummaryView({ summary }: { summary: DatasetSummaryDto }) {
  const calendar = summary.dataset.timeBasis === 'calendar';
  const show = (v: number, kind: string) => (kind === 'date' && calendar ? formatDay(v) : v.toLocaleString(undefined, { maximumFractionDigits: 2 }));
  const warnings = summary.imports.flatMap((i) => i.warnings);
  return (
    <Stack>
      <Title order={3}>{summary.dataset.name}</Title>
      <Text size="sm">
        {summary.dataset.patients.toLocaleString()} patients · {summary.visits.toLocaleString()} visits · censoring rate{' '}
        {summary.censoringRate === null ? '–' : `${(summary.censoringRate * 100).toFixed(1)}%`}
        {summary.followUpDays && ` · median follow-up ${summary.followUpDays.median.toLocaleString(undefined, { maximumFractionDigits: 0 })} days`}
      </Text>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Variable</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Unit</Table.Th>
            <Table.Th ta="right">Observed</Table.Th>
            <Table.Th ta="right">Missing</Table.Th>
            <Table.Th>Distribution</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {summary.variables.map((v) => (
            <Table.Tr key={v.variable.id}>
              <Table.Td>
                {v.variable.name} <Badge variant="light" size="xs">{v.variable.role}</Badge>
              </Table.Td>
              <Table.Td>{v.variable.kind}</Table.Td>
              <Table.Td>{v.variable.unit ?? ''}</Table.Td>
              <Table.Td ta="right">{v.observed.toLocaleString()}</Table.Td>
              <Table.Td ta="right">{(v.missingShare * 100).toFixed(1)}%</Table.Td>
              <Table.Td>
                {v.numeric
                  ? `${show(v.numeric.min, v.variable.kind)} · median ${show(v.numeric.median, v.variable.kind)} · ${show(v.numeric.max, v.variable.kind)}`
                  : v.categories?.slice(0, 5).map((c) => `${c.level} (${c.count})`).join(', ')}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {warnings.length > 0 && (
        <>
          <Title order={4}>Import warnings ({summary.imports.reduce((n, i) => n + i.warningCount, 0).toLocaleString()})</Title>
          <Table>
            <Table.Tbody>
              {warnings.slice(0, 50).map((w, i) => (
                <Table.Tr key={i}>
                  <Table.Td>{w.fileName}</Table.Td>
                  <Table.Td>{w.line ? `line ${w.line}` : ''}</Table.Td>
                  <Table.Td>{w.column ?? ''}</Table.Td>
                  <Table.Td>{w.message}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}
