import { Alert, Group, Select, Stack } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { PatientTimelineDto } from '../../preload/contract';
import { api, errorMessage } from '../api';
import { PatientTimeline } from './PatientTimeline';

/** Pick a patient of a dataset (real or synthetic) and see the timeline. */
export function PatientBrowser({ dataset, title }: { dataset: string; title: string }) {
  const [key, setKey] = useState<string>();
  const [timeline, setTimeline] = useState<PatientTimelineDto>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setError(undefined);
    api()
      .patientTimeline(dataset, key)
      .then(setTimeline)
      .catch((err: Error) => setError(errorMessage(err)));
  }, [dataset, key]);
  if (error) return <Alert color="red">{error}</Alert>;
  if (!timeline) return null;
  return (
    <Stack gap={4}>
      <Group>
        <Select aria-label={`${title}: patient`} label={title} searchable w={240} data={timeline.keys} value={timeline.key} onChange={(k) => k && setKey(k)} />
      </Group>
      <PatientTimeline preview={timeline} title={`${timeline.dataset}, patient ${timeline.key}`} />
    </Stack>
  );
}
