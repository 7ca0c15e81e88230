import { AppShell, Group, Title } from '@mantine/core';
import { DataStep } from './features/data/DataStep';

export function App() {
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md">
          <Title order={3}>SynthEHR Studio</Title>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <DataStep />
      </AppShell.Main>
    </AppShell>
  );
}
