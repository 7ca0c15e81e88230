/**
 * The one typed API between the renderer and the main process, combined from
 * one slice per domain (preload/contract/*.ts: each declares its methods, their
 * argument and result schemas, and its progress events). Main answers it
 * (main/ipc), the preload exposes exactly this (preload/index.ts, derived from
 * it), and the renderer imports its types only.
 */
import type { z } from 'zod';
import { cohortsEvents, cohortsMethods, type cohortProgress, type cohortRow, type cohortView, type encodingPreview } from './contract/cohorts.js';
import { datasetsEvents, datasetsMethods, type datasetRow, type datasetSummary, type filePreview, type importOutcome, type importProgress, type patientTimeline } from './contract/datasets.js';
import { evaluationEvents, evaluationMethods, type evaluationView } from './contract/evaluation.js';
import { exportSetEvents, exportSetMethods, type plannedRelease } from './contract/export.js';
import { reviewEvents, reviewMethods, type reviewCase, type reviewResults } from './contract/review.js';
import { trainingEvents, trainingMethods, type balanceForm, type chosenPublicFacts, type conditionChoices, type conditionRequest, type privateFactsPlan, type runRow, type trainingProgress, type trainingState, type trainRequest } from './contract/training.js';
import type { ErrorWire } from './errors.js';

export const contract = { ...datasetsMethods, ...cohortsMethods, ...trainingMethods, ...evaluationMethods, ...reviewMethods, ...exportSetMethods } as const;
export const events = { ...datasetsEvents, ...cohortsEvents, ...trainingEvents, ...evaluationEvents, ...reviewEvents, ...exportSetEvents } as const;

export type Contract = typeof contract;
export type Events = typeof events;
export type MethodName = keyof Contract;
export type EventName = keyof Events;

export type Args<K extends MethodName> = z.output<Contract[K]['args']>;
export type Result<K extends MethodName> = z.output<Contract[K]['result']>;
export type Payload<E extends EventName> = z.output<Events[E]['payload']>;

/** What main sends back for every call: the result, or the error as its code and message (never Electron's wrapped text). */
export type Reply<K extends MethodName> = { ok: true; value: Result<K> } | { ok: false; error: ErrorWire };

/** Main's implementation of some contract methods: each with the contract's argument and result types. */
export type Implementation<K extends MethodName = MethodName> = { [M in K]: (...args: Args<M>) => Result<M> | Promise<Result<M>> };

/** Sends a progress event to the renderer. */
export type Emit = <E extends EventName>(event: E, payload: Payload<E>) => void;

/** The subscribe functions, one per event: `onTrainingProgress(listener)` returns its unsubscribe. */
export type Subscriptions = {
  [E in EventName as `on${Capitalize<E & string>}`]: (listener: (payload: Payload<E>) => void) => () => void;
};

/** `window.api` as the preload exposes it: every method resolves to its Reply. */
export type WireApi = { [K in MethodName]: (...args: z.input<Contract[K]['args']>) => Promise<Reply<K>> } & Subscriptions;

/** The API as the renderer uses it (renderer/api.ts unwraps each Reply: a result, or a thrown error with its code). */
export type SynthehrApi = { [K in MethodName]: (...args: z.input<Contract[K]['args']>) => Promise<Result<K>> } & Subscriptions;

/** The subscribe function's name of an event. */
export const subscriptionName = (event: string): string => `on${event[0]!.toUpperCase()}${event.slice(1)}`;

/**
 * window.api, derived from the contract (the preload passes Electron's invoke
 * and subscribe): one function per method, one subscribe per event, nothing else.
 */
export function deriveApi(invoke: (channel: string, args: unknown[]) => Promise<unknown>, subscribe: (channel: string, listener: (payload: unknown) => void) => () => void): WireApi {
  return Object.fromEntries([
    ...Object.entries(contract).map(([name, spec]) => [name, (...args: unknown[]) => invoke(spec.channel, args)]),
    ...Object.entries(events).map(([name, spec]) => [subscriptionName(name), (listener: (payload: unknown) => void) => subscribe(spec.channel, listener)]),
  ]) as WireApi;
}

export type DatasetRowDto = z.output<typeof datasetRow>;
export type DatasetSummaryDto = z.output<typeof datasetSummary>;
export type ImportProgressDto = z.output<typeof importProgress>;
export type ImportOutcomeDto = z.output<typeof importOutcome>;
export type FilePreviewDto = z.output<typeof filePreview>;
export type CohortRowDto = z.output<typeof cohortRow>;
export type PatientTimelineDto = z.output<typeof patientTimeline>;
export type CohortViewDto = z.output<typeof cohortView>;
export type EncodingPreviewDto = z.output<typeof encodingPreview>;
export type CohortProgressDto = z.output<typeof cohortProgress>;
export type TrainRequestDto = z.output<typeof trainRequest>;
export type RunRowDto = z.output<typeof runRow>;
export type ConditionChoicesDto = z.output<typeof conditionChoices>;
export type PrivateFactsPlanDto = z.output<typeof privateFactsPlan>;
export type ChosenPublicFactsDto = z.output<typeof chosenPublicFacts>;
export type ConditionRequestDto = z.output<typeof conditionRequest>;
export type BalanceFormDto = z.output<typeof balanceForm>;
export type EvaluationViewDto = z.output<typeof evaluationView>;
export type ReviewCaseDto = z.output<typeof reviewCase>;
export type ReviewResultsDto = z.output<typeof reviewResults>;
export type TrainingProgressDto = z.output<typeof trainingProgress>;
export type TrainingStateDto = z.output<typeof trainingState>;
export type PlannedReleaseDto = z.output<typeof plannedRelease>;
export type { CohortDefinitionInput, Criterion } from './cohortDefinition.js';
export type { ErrorCode, ErrorWire } from './errors.js';
