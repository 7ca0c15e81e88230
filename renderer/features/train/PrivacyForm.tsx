import { Checkbox, Group, NumberInput, Text } from '@mantine/core';

/** The Train step's privacy setting: off, or a target epsilon (and a clipping norm unless the default does). */
export interface PrivacySetting {
  on: boolean;
  epsilon: number | '';
  clip: number | '';
}

export const NO_PRIVACY: PrivacySetting = { on: false, epsilon: 10, clip: '' };

/** The training request's privacy field for a setting: absent when off or incomplete. */
export function privacyRequest(s: PrivacySetting): { privacy: { epsilon: number; clip?: number } } | Record<string, never> {
  if (!s.on || s.epsilon === '') return {};
  return { privacy: { epsilon: s.epsilon, ...(s.clip === '' ? {} : { clip: s.clip }) } };
}

/** Differential privacy for a VAE run (DP-SGD): what a steward turns on and the budget it spends. */
export function PrivacyForm({ value, onChange, family }: { value: PrivacySetting; onChange: (s: PrivacySetting) => void; family: string | null }) {
  const vae = family === 'vae';
  return (
    <Group align="end">
      <Checkbox
        label="Train with differential privacy"
        description={vae ? 'DP-SGD: each patient\'s influence clipped and noised; a formal (epsilon, delta) guarantee' : 'the VAE only, so far'}
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
  );
}
