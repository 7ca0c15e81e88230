import { AppShell, Group, Tabs, Title } from '@mantine/core';
import { CohortStep } from './features/cohort/CohortStep';
import { DataStep } from './features/data/DataStep';
import { EvaluateStep } from './features/evaluate/EvaluateStep';
import { ExportStep } from './features/export/ExportStep';
import { ReviewStep } from './features/review/ReviewStep';
import { TimeStep } from './features/time/TimeStep';
import { TrainStep } from './features/train/TrainStep';

/** The guided flow, one tab per step (keyboard: arrow keys move between tabs). */
export function App() {
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md">
          <Title order={3}>SynthEHR Studio</Title>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Tabs defaultValue="data" keepMounted={false}>
          <Tabs.List mb="md">
            <Tabs.Tab value="data">1. Data</Tabs.Tab>
            <Tabs.Tab value="cohort">2. Cohort</Tabs.Tab>
            <Tabs.Tab value="time">3. Time</Tabs.Tab>
            <Tabs.Tab value="train">4. Train</Tabs.Tab>
            <Tabs.Tab value="evaluate">5. Evaluate</Tabs.Tab>
            <Tabs.Tab value="review">6. Review</Tabs.Tab>
            <Tabs.Tab value="export">7. Export</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="data">
            <DataStep />
          </Tabs.Panel>
          <Tabs.Panel value="cohort">
            <CohortStep />
          </Tabs.Panel>
          <Tabs.Panel value="time">
            <TimeStep />
          </Tabs.Panel>
          <Tabs.Panel value="train">
            <TrainStep />
          </Tabs.Panel>
          <Tabs.Panel value="evaluate">
            <EvaluateStep />
          </Tabs.Panel>
          <Tabs.Panel value="review">
            <ReviewStep />
          </Tabs.Panel>
          <Tabs.Panel value="export">
            <ExportStep />
          </Tabs.Panel>
        </Tabs>
      </AppShell.Main>
    </AppShell>
  );
}
