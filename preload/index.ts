// Exposes exactly the contract as window.api: one function per method, one subscribe per event.
// Never ipcRenderer itself, and listeners never see the IPC event object.
import { contextBridge, ipcRenderer } from 'electron';
import { contract, events, type SynthehrApi } from './contract';

const api = {
  listDatasets: () => ipcRenderer.invoke(contract.listDatasets.channel),
  inspectDataset: (nameOrId: string) => ipcRenderer.invoke(contract.inspectDataset.channel, nameOrId),
  importFromMapping: () => ipcRenderer.invoke(contract.importFromMapping.channel),
  onImportProgress: (listener) => {
    const wrapped = (_event: unknown, payload: Parameters<typeof listener>[0]) => listener(payload);
    ipcRenderer.on(events.importProgress.channel, wrapped);
    return () => ipcRenderer.removeListener(events.importProgress.channel, wrapped);
  },
} satisfies SynthehrApi;

contextBridge.exposeInMainWorld('api', api);
