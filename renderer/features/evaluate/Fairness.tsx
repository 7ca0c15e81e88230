import { Table, Text, Title } from '@mantine/core';
import type { EvaluationViewDto } from '../../../preload/contract';
import { Plot } from '../../charts/Plot';

const VERDICT_COLOR = { pass: '#1b7f3b', warn: '#9a6700', fail: '#b42318', 'n/a': '#888' } as const;
const MEASURES = [
  ['subgroup share, difference', 'share difference'],
  ['subgroup Kaplan-Meier, largest gap', 'KM largest gap'],
  ['subgroup values, worst Kolmogorov-Smirnov', 'worst value KS'],
  ['subgroup survival C-index loss, TRTR - TSTR', 'C-index lost'],
  ['subgroup next-visit error, TSTR / TRTR - 1', 'next-visit error'],
  ['subgroup detection, |accuracy - 0.5|', 'detection'],
] as const;

/**
 * The set judged subgroup by subgroup: one chart of every judged measure as a
 * multiple of its pass line, the holdout's beside it (two real samples), and a
 * table of shares; subgroups with too few holdout patients are listed, not judged.
 */
export function Fairness({ subgroups, color }: { subgroups: EvaluationViewDto['subgroups']; color: string }) {
  const pct = (x: number | null) => (x === null ? '<5 patients' : `${(x * 100).toFixed(1)}%`);
  const fmt = (x: number | null | undefined) => (x === null || x === undefined ? '' : x.toFixed(3));
  const judged = subgroups.rows.flatMap((g) => g.metrics.filter((m) => m.verdict !== 'n/a' && m.value !== null).map((m) => ({ g, m })));
  const bars = [...judged].reverse();
  const label = bars.map(({ g, m }) => `${g.attribute} = ${g.level} · ${m.name.replace(/^subgroup /, '')}`);
  const w = subgroups.worst;
  return (
    <>
      <Title order={4}>Fairness: subgroups</Title>
      <Text size="sm">
        {w ? (
          <>
            Worst subgroup <b>{w.subgroup}</b>: {w.metric} {fmt(w.value)} (pass ≤ {w.pass}; holdout against train {fmt(w.baseline)}),{' '}
            <b style={{ color: VERDICT_COLOR[w.verdict] }}>{w.verdict.toUpperCase()}</b>.
          </>
        ) : (
          'No subgroup has enough holdout patients to be judged.'
        )}{' '}
        Subgroups with fewer than {subgroups.minimumHoldout} holdout patients are shown, not judged.
      </Text>
      {judged.length > 0 && (
        <Plot
          label="Subgroup measures as multiples of their pass line, synthetic and holdout"
          height={Math.max(260, 80 + 26 * bars.length)}
          data={[
            { x: bars.map(({ m }) => m.value! / m.threshold.pass), y: label, type: 'bar', orientation: 'h', name: 'synthetic vs train', marker: { color: bars.map(({ m }) => (m.verdict === 'pass' ? color : VERDICT_COLOR[m.verdict])) } },
            { x: bars.map(({ m }) => (m.baseline === null || m.baseline === undefined ? null : m.baseline / m.threshold.pass)), y: label, type: 'bar', orientation: 'h', name: 'holdout vs train (real)', marker: { color: '#6b7b8c' } },
          ]}
          layout={{
            title: { text: 'Each measure as a multiple of its pass line (1: the line)' },
            barmode: 'group',
            yaxis: { automargin: true },
            margin: { t: 36, r: 16, b: 48, l: 300 },
            shapes: [{ type: 'line', x0: 1, x1: 1, yref: 'paper', y0: 0, y1: 1, line: { color: '#999', dash: 'dot' } }],
          }}
        />
      )}
      <Table striped aria-label="Subgroups">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Attribute</Table.Th>
            <Table.Th>Subgroup</Table.Th>
            <Table.Th>Train</Table.Th>
            <Table.Th>Holdout</Table.Th>
            <Table.Th>Synthetic</Table.Th>
            {MEASURES.map(([, short]) => (
              <Table.Th key={short}>{short}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {subgroups.rows.map((g) => (
            <Table.Tr key={`${g.attribute}=${g.level}`}>
              <Table.Td>{g.attribute}</Table.Td>
              <Table.Td>{g.level}</Table.Td>
              <Table.Td>{pct(g.train)}</Table.Td>
              <Table.Td>{pct(g.holdout)}</Table.Td>
              <Table.Td>{pct(g.synthetic)}</Table.Td>
              {g.judged ? (
                MEASURES.map(([name, short]) => {
                  const m = g.metrics.find((x) => x.name === name);
                  return (
                    <Table.Td key={short} title={m ? `${m.data}${m.note ? `; ${m.note}` : ''}` : undefined} style={{ color: m ? VERDICT_COLOR[m.verdict] : undefined }}>
                      {m ? `${fmt(m.value)} (${fmt(m.baseline)})` : ''}
                    </Table.Td>
                  );
                })
              ) : (
                <Table.Td colSpan={MEASURES.length} c="dimmed">
                  {g.metrics[0]?.note ?? 'too small to judge'}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}
