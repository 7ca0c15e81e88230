// Exposes exactly the contract as window.api: one function per method, one subscribe per event.
// Never ipcRenderer itself, and listeners never see the IPC event object.
import { contextBridge, ipcRenderer } from 'electron';
import { contract, events, type SynthehrApi } from './contract';

type Api = SynthehrApi;

function subscribe<P>(channel: string, listener: (payload: P) => void): () => void {
  const wrapped = (_event: unknown, payload: P) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => ipcRenderer.removeListener(channel, wrapped);
}

const api = {
  listDatasets: () => ipcRenderer.invoke(contract.listDatasets.channel),
  inspectDataset: (nameOrId) => ipcRenderer.invoke(contract.inspectDataset.channel, nameOrId),
  importFromMapping: () => ipcRenderer.invoke(contract.importFromMapping.channel),
  cancelImport: () => ipcRenderer.invoke(contract.cancelImport.channel),
  pickImportFiles: () => ipcRenderer.invoke(contract.pickImportFiles.channel),
  importWithMapping: (mapping) => ipcRenderer.invoke(contract.importWithMapping.channel, mapping),
  patientTimeline: (dataset, key) => ipcRenderer.invoke(contract.patientTimeline.channel, dataset, key),
  listCohorts: () => ipcRenderer.invoke(contract.listCohorts.channel),
  createCohort: (definition) => ipcRenderer.invoke(contract.createCohort.channel, definition),
  showCohort: (ref) => ipcRenderer.invoke(contract.showCohort.channel, ref),
  previewEncoding: (ref, patient, timesteps) => ipcRenderer.invoke(contract.previewEncoding.channel, ref, patient, timesteps),
  cohortPatients: (ref) => ipcRenderer.invoke(contract.cohortPatients.channel, ref),
  listRuns: () => ipcRenderer.invoke(contract.listRuns.channel),
  trainingLosses: (runId) => ipcRenderer.invoke(contract.trainingLosses.channel, runId),
  startTraining: (request) => ipcRenderer.invoke(contract.startTraining.channel, request),
  resumeTraining: (runId) => ipcRenderer.invoke(contract.resumeTraining.channel, runId),
  cancelTraining: (runId) => ipcRenderer.invoke(contract.cancelTraining.channel, runId),
  evaluate: (set, sensitive) => ipcRenderer.invoke(contract.evaluate.channel, set, sensitive),
  listSyntheticSets: () => ipcRenderer.invoke(contract.listSyntheticSets.channel),
  createReviewSession: (set, cases) => ipcRenderer.invoke(contract.createReviewSession.channel, set, cases),
  listReviewSessions: () => ipcRenderer.invoke(contract.listReviewSessions.channel),
  reviewCases: (session, reviewer) => ipcRenderer.invoke(contract.reviewCases.channel, session, reviewer),
  answerReviewCase: (session, reviewer, position, answer, confidence, flags) => ipcRenderer.invoke(contract.answerReviewCase.channel, session, reviewer, position, answer, confidence, flags),
  reviewResults: (session) => ipcRenderer.invoke(contract.reviewResults.channel, session),
  exportSynthetic: (set, format, reason) => ipcRenderer.invoke(contract.exportSynthetic.channel, set, format, reason),
  generateSynthetic: (runId, patients, seed) => ipcRenderer.invoke(contract.generateSynthetic.channel, runId, patients, seed),
  onImportProgress: (listener) => subscribe(events.importProgress.channel, listener),
  onCohortProgress: (listener) => subscribe(events.cohortProgress.channel, listener),
  onTrainingProgress: (listener) => subscribe(events.trainingProgress.channel, listener),
  onTrainingState: (listener) => subscribe(events.trainingState.channel, listener),
} satisfies Api;

contextBridge.exposeInMainWorld('api', api);
