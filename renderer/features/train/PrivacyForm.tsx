import { Alert, Button, Checkbox, Group, NumberInput, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ChosenPublicFactsDto, PrivateFactsPlanDto } from '../../../preload/contract';
import { api, errorMessage } from '../../api';

/** The Train step's privacy setting: off, or a target epsilon (and a clipping norm unless the default does), and facts declared public in a file (else the cohort definition's). */
export interface PrivacySetting {
  on: boolean;
  epsilon: number | '';
  clip: number | '';
  publicFacts: ChosenPublicFactsDto | null;
}

export const NO_PRIVACY: PrivacySetting = { on: false, epsilon: 10, clip: '', publicFacts: null };

/** The training request's privacy field for a setting: absent when off or incomplete. */
export function privacyRequest(s: PrivacySetting): { privacy: { epsilon: number; clip?: number; public?: ChosenPublicFactsDto['facts'] } } | Record<string, never> {
  if (!s.on || s.epsilon === '') return {};
  return { privacy: { epsilon: s.epsilon, ...(s.clip === '' ? {} : { clip: s.clip }), ...(s.publicFacts ? { public: s.publicFacts.facts } : {}) } };
}

/** Differential privacy for a run (DP-SGD): what a steward turns on, the budget it spends, and where the encoding's facts come from. */
export function PrivacyForm({ value, onChange, family, cohort }: { value: PrivacySetting; onChange: (s: PrivacySetting) => void; family: string | null; cohort: string | null }) {
  // Either family trains privately (the TimeGAN without conditions); none is chosen yet: nothing to set.
  const vae = family === 'vae' || family === 'timegan';
  const [plan, setPlan] = useState<PrivateFactsPlanDto | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const epsilon = value.epsilon;
  const facts = value.publicFacts?.facts ?? null;
  useEffect(() => {
    if (!vae || !value.on || !cohort || epsilon === '' || !(epsilon > 0)) return setPlan(null);
    let current = true;
    api()
      .privateFactsPlan(cohort, family as 'vae' | 'timegan', epsilon, facts)
      .then((p) => current && setPlan(p))
      .catch((err: unknown) => current && setProblem(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [vae, family, value.on, cohort, epsilon, facts]);
  const chooseFile = async () => {
    setProblem(null);
    try {
      const chosen = await api().choosePublicFacts();
      if (chosen) onChange({ ...value, publicFacts: chosen });
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };
  return (
    <Stack gap="xs">
      <Group align="end">
        <Checkbox
          label="Train with differential privacy"
          description={vae ? 'DP-SGD: each patient\'s influence clipped and noised; a formal (epsilon, delta) guarantee' : 'choose a model first'}
          disabled={!vae}
          checked={vae && value.on}
          onChange={(e) => onChange({ ...value, on: e.currentTarget.checked })}
        />
        {vae && value.on && (
          <>
            <NumberInput label="Epsilon" description="the privacy budget: smaller is more private" w={170} min={0.01} step={1} decimalScale={2} value={value.epsilon} onChange={(v) => onChange({ ...value, epsilon: typeof v === 'number' ? v : '' })} />
            <NumberInput label="Clipping norm" description="empty: the default (1)" w={170} min={0.001} decimalScale={3} value={value.clip} onChange={(v) => onChange({ ...value, clip: typeof v === 'number' ? v : '' })} />
            <Text size="xs" c="dimmed" maw={320}>
              Delta is set below one patient&apos;s share (at most 1e-5); the noise is solved so the run&apos;s steps spend exactly the budget. The run trains its fixed schedule (no early stopping).
            </Text>
          </>
        )}
      </Group>
      {vae && value.on && (
        <Group align="start" gap="sm">
          <Button variant="default" size="xs" onClick={chooseFile}>
            Public facts from a file…
          </Button>
          {value.publicFacts && (
            <Button variant="subtle" size="xs" onClick={() => onChange({ ...value, publicFacts: null })}>
              Use the cohort definition&apos;s
            </Button>
          )}
          {plan && <FactsPlanText plan={plan} file={value.publicFacts?.file ?? null} />}
        </Group>
      )}
      {problem && (
        <Alert color="red" title="Public facts">
          {problem}
        </Alert>
      )}
      {vae && value.on && plan?.refusal && (
        <Alert color="red" title="This run would be refused">
          {plan.refusal}
        </Alert>
      )}
    </Stack>
  );
}

/** Where the encoding's facts will come from: declared (by whom) and estimated privately. */
function FactsPlanText({ plan, file }: { plan: PrivateFactsPlanDto; file: string | null }) {
  const from = plan.from === 'file' ? `in ${file}` : plan.from === 'definition' ? 'in the cohort definition' : '';
  const declared = plan.declared ? `${plan.declared} of the encoding's facts declared public ${from} (${plan.source}).` : 'No facts declared public.';
  const estimated = plan.estimated.length
    ? ` Estimated privately from a tenth of the budget: ${plan.estimated.join(', ')}, and the values the output heads hold exactly.`
    : ' Estimated privately from a tenth of the budget: only the values the output heads hold exactly.';
  return (
    <Text size="xs" maw={720} data-testid="facts-plan">
      {declared}
      {estimated}
    </Text>
  );
}
