// Exposes exactly the contract as window.api, derived from it (deriveApi): one
// function per method, resolving to its Reply, and one subscribe per event.
// Never ipcRenderer itself, and listeners never see the IPC event object.
import { contextBridge, ipcRenderer } from 'electron';
import { deriveApi } from './contract';

function subscribe(channel: string, listener: (payload: unknown) => void): () => void {
  const wrapped = (_event: unknown, payload: unknown) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => ipcRenderer.removeListener(channel, wrapped);
}

contextBridge.exposeInMainWorld('api', deriveApi((channel, args) => ipcRenderer.invoke(channel, ...args), subscribe));
