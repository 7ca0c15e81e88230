import type { PrivacyConfig } from './privacyConfig.js';

/* What a private run's guarantee covers, in words: the CLI prints it when a run starts (without loading TensorFlow.js), the data card carries it. */

/** What a private run's guarantee covers, in words (the CLI and the data card): its steps, and where its encoding's facts came from. */
export function guaranteeText(privacy: PrivacyConfig): string {
  const facts = privacy.facts;
  if (!facts?.release) {
    return 'The guarantee covers the training steps and what generation reads; what the encoding and the output heads were fitted to before training (means, ranges, categories, bins) is not covered (a run from before they were private).';
  }
  const r = facts.release;
  const all = [...r.ranges.map((f) => f.rangeSource), ...r.ranges.flatMap((f) => (f.decimalsSource ? [f.decimalsSource] : [])), ...r.levels.map((f) => f.source), r.timeDecimalsSource];
  const count = (s: string) => all.filter((x) => x === s).length;
  const declared = count('declared') + count('dataset') + count('definition');
  const estimated = count('estimated');
  const points = r.ranges.filter((f) => f.pointsSource === 'estimated').length;
  const what = [
    ...(estimated ? [`${estimated} of the facts`] : []),
    ...(points ? [`the values ${points} output heads hold exactly`] : []),
    'where the other bins are cut',
    ...(facts.patterns !== undefined ? [`which step patterns are drawn together (${facts.patterns ? `${facts.patterns.counts.length} kept` : 'none kept: drawn channel by channel'})`] : []),
  ];
  const release = facts.releases
    ? `estimated privately: ${what.slice(0, -1).join(', ')} and ${what.at(-1)}, by ${facts.releases} Gaussian releases (noise ${facts.sigma.toPrecision(4)}, a tenth of the budget${r.selectionDelta ? `; levels seen in the data kept above a threshold spending delta ${r.selectionDelta.toExponential(1)}` : ''})`
    : 'nothing estimated';
  return `The guarantee covers the training steps, the encoding and output heads, and what generation reads: of the encoding's ${all.length} facts, ${declared} declared public (${r.declaredSource}); ${release}; no patient is read outside the budget.`;
}
