import { Alert, Button, Group, NumberInput, Stack, Table, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { PlannedReleaseDto } from '../../../preload/contract';

/**
 * The privacy ledger of the chosen set's real dataset: what has been released, the budget, and what
 * this export would add; the budget set here, and the reason asked for when the export would pass it.
 */
export function LedgerPanel(props: {
  plan: PlannedReleaseDto;
  overBudgetReason: string;
  onReason: (reason: string) => void;
  onBudget: (epsilon: number | null) => Promise<void>;
}) {
  const { plan, overBudgetReason, onReason, onBudget } = props;
  const l = plan.ledger;
  const [budget, setBudget] = useState<number | ''>(l.budget ?? '');
  const model = plan.epsilon === null ? 'was trained without differential privacy: no bound' : `has ε ${plan.epsilon} (δ ${plan.delta})`;
  return (
    <Stack gap="xs" maw={820}>
      <Text fw={600}>Privacy ledger of {l.sourceDataset}</Text>
      <Text size="sm">
        Released so far: {l.line}; {l.budget === null ? 'no budget set' : `budget ε ${l.budget}`}. This set&apos;s model (run {plan.runId}) {model}
        {plan.modelReleasedBefore ? '; a set of it was released before, so this export adds nothing' : ''}. After this export: {plan.after.line}.
      </Text>
      {!plan.withinBudget && (
        <Alert color="yellow" title="This export would pass the dataset's budget">
          It is refused unless you give a reason; the reason goes into the ledger, the audit log and the data card.
          <Textarea mt="xs" label="Reason for passing the budget" value={overBudgetReason} onChange={(e) => onReason(e.currentTarget.value)} />
        </Alert>
      )}
      <Group align="end">
        <NumberInput label="Epsilon budget of this dataset" description="the epsilon all its released sets may spend together" w={260} min={0.01} decimalScale={2} value={budget} onChange={(v) => setBudget(typeof v === 'number' ? v : '')} />
        <Button variant="light" disabled={budget === ''} onClick={() => void onBudget(budget === '' ? null : budget)}>
          Set budget
        </Button>
        {l.budget !== null && (
          <Button variant="subtle" color="gray" onClick={() => void onBudget(null).then(() => setBudget(''))}>
            Remove budget
          </Button>
        )}
      </Group>
      {l.releases.length > 0 && (
        <Table aria-label="privacy ledger releases">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Released</Table.Th>
              <Table.Th>Set</Table.Th>
              <Table.Th ta="right">Run</Table.Th>
              <Table.Th ta="right">ε</Table.Th>
              <Table.Th>Over budget</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {l.releases.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.releasedAt.slice(0, 16).replace('T', ' ')}</Table.Td>
                <Table.Td>{r.syntheticSet}</Table.Td>
                <Table.Td ta="right">{r.runId}</Table.Td>
                <Table.Td ta="right">{r.epsilon ?? 'no DP'}</Table.Td>
                <Table.Td>{r.overBudgetReason ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
