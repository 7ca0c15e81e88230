import { Table, Text, Title } from '@mantine/core';
import type { EvaluationViewDto } from '../../../preload/contract';

/** The training patients a synthetic patient lies closest to, by internal row number: for the steward here, never in a report file. */
export function ClosestPatients({ rows }: { rows: EvaluationViewDto['closest'] }) {
  if (!rows.length) return null;
  return (
    <>
      <Title order={4}>Closest training patients</Title>
      <Text size="xs" c="dimmed">
        Store row numbers, not source ids. Shown here for the data steward only; the report files do not hold this list. Relative distance 1 = the holdout patients&apos; 5th percentile.
      </Text>
      <Table striped maw={520}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Row</Table.Th>
            <Table.Th ta="right">Distance</Table.Th>
            <Table.Th ta="right">Relative</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.row}>
              <Table.Td>row {r.row}</Table.Td>
              <Table.Td ta="right">{r.distance.toFixed(3)}</Table.Td>
              <Table.Td ta="right">{r.relative.toFixed(2)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}
