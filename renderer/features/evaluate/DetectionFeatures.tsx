import { Text, Title } from '@mantine/core';
import type { EvaluationViewDto } from '../../../preload/contract';
import { Plot } from '../../charts/Plot';

/**
 * Both detectors on one scale (|accuracy - 0.5|, the worse is the headline) and
 * the per-patient summary features the random forest tells the set apart by,
 * so the steward sees why a set is detectable.
 */
export function DetectionFeatures({ headline, features, color }: { headline: EvaluationViewDto['headline']; features: EvaluationViewDto['detectionFeatures']; color: string }) {
  const { gru, forest } = headline.detectors;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const top = [...features].reverse();
  return (
    <>
      <Title order={4}>Detection</Title>
      <Text size="sm">
        Headline <b>{headline.discriminativeScore.toFixed(3)}</b> from the {headline.detector} (the worse of the two counts). GRU classifier {gru.score.toFixed(3)} (accuracy {pct(gru.accuracy)}) · random forest on per-patient summaries{' '}
        {forest.score.toFixed(3)} (accuracy {pct(forest.accuracy)}, AUC {forest.auc.toFixed(3)}; holdout vs train {pct(forest.baselineAccuracy)})
      </Text>
      {features.length > 0 && (
        <Plot
          label="Summary features that give the synthetic set away"
          height={Math.max(220, 60 + 26 * features.length)}
          data={[{ x: top.map((f) => f.importance), y: top.map((f) => f.feature), type: 'bar', orientation: 'h', marker: { color } }]}
          layout={{ title: { text: 'What gives the synthetic set away' }, xaxis: { title: { text: 'share of the Gini decrease of the forest' }, tickformat: '.0%' }, yaxis: { automargin: true }, margin: { t: 36, r: 16, b: 48, l: 200 } }}
        />
      )}
    </>
  );
}
