import { Group, Select, SimpleGrid, Text } from '@mantine/core';
import type { EvaluationViewDto } from '../../../preload/contract';
import { kmTraces, Plot } from '../../charts/Plot';

/**
 * Kaplan-Meier of real and synthetic patients per level of a categorical
 * static the user picks; picking another one evaluates again with it.
 */
export function SurvivalByStratum({ strata, busy, color, onPick }: { strata: EvaluationViewDto['strata']; busy: boolean; color: string; onPick: (variable: string) => void }) {
  if (strata.choices.length === 0) return null;
  return (
    <>
      <Group align="end">
        <Select label="Survival by" w={240} data={strata.choices} value={strata.variable} disabled={busy} allowDeselect={false} onChange={(v) => v && v !== strata.variable && onPick(v)} />
        {strata.suppressed.length > 0 && (
          <Text size="xs" c="dimmed">
            Not drawn (fewer than 5 training patients): {strata.suppressed.join(', ')}
          </Text>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }}>
        {strata.levels.map((l) => (
          <Plot
            key={l.level}
            label={`Kaplan-Meier curves of real and synthetic patients with ${strata.variable} = ${l.level}`}
            height={300}
            data={[...kmTraces(l.real, 'real (train)'), ...kmTraces(l.synthetic, 'synthetic', color)]}
            layout={{
              title: { text: `${strata.variable} = ${l.level}${l.logRankP === null ? '' : ` (log-rank p ${l.logRankP.toFixed(3)})`}` },
              xaxis: { title: { text: 'days from index' } },
              yaxis: { range: [0, 1.02], title: { text: 'survival' } },
            }}
          />
        ))}
      </SimpleGrid>
    </>
  );
}
