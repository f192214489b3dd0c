/**
 * QuireApi implemented over the engine. Every host (Electron main, browser host, tests)
 * builds its API with this and adds only what the host itself can do (open a file…).
 *
 * @example
 * const api = createQuireApi(engine, { info, settings: new JsonSettingsStore(file, defaults) });
 * serve(api, transport, { methods: API_METHODS, events: API_EVENTS, validate: validateCall });
 */
import type { HostInfo, QuireApi, Settings } from '../api/contract.ts';
import { Errors } from '../api/errors.ts';
import type { Engine } from '../engine.ts';
import { assertUsableOutputDir } from '../jobs/output-dir.ts';
import { readIntactOutput } from '../jobs/output-claims.ts';
import { documentFromText } from '../store/import-file.ts';
import type { SettingsStore } from './settings.ts';

export interface HostAdapter {
  info: HostInfo;
  settings: SettingsStore;
  openOutput?(path: string): Promise<void>;
  showOutputInFolder?(path: string): Promise<void>;
  /** Told after settings change (e.g. the shell updates its concurrency or theme). */
  onSettingsChanged?(settings: Settings): void;
}

export function createQuireApi(engine: Engine, host: HostAdapter): QuireApi {
  /** Only paths of outputs our own jobs wrote may be opened: never an arbitrary path from the UI. */
  const assertKnownOutput = async (file: string) => {
    const jobs = await engine.listJobs({ limit: 1000 });
    const output = jobs.flatMap((j) => j.outputs).find((o) => o.path === file);
    if (!output) throw Errors.invalidInput(`${file} is not an output of a Quire export.`);
    return output;
  };
  return {
    listWorkflows: async () => engine.listWorkflows(),
    listDocuments: () => engine.listDocuments(),
    getDocument: (id) => engine.getDocument(id),
    createDocument: (input) => engine.createDocument(input),
    importDocument: async ({ fileName, content, workflowId }) => {
      const f = documentFromText(fileName, content);
      return engine.createDocument({ title: f.title, source: f.source, format: f.format, workflowId });
    },
    saveDocument: (id, patch) => engine.updateDocument(id, patch),
    deleteDocument: (id) => engine.deleteDocument(id),
    addDocumentAssets: (documentId, files) => engine.addDocumentAssets(documentId, files),
    getStageStates: (documentId) => engine.getStageStates(documentId),
    saveStageState: (documentId, stageId, input) => engine.saveStageState(documentId, stageId, input),
    resolveExport: (input) => engine.resolveExport(input),
    startExport: (input) => engine.startExport(input),
    previewDocument: (input) => engine.previewDocument(input),
    cancelExport: (jobId) => engine.cancelExport(jobId),
    retryExport: (jobId) => engine.retryExport(jobId),
    listJobs: (query) => engine.listJobs({ documentId: query?.documentId, limit: query?.limit ?? 200 }),
    listJobsPage: (query) => engine.listJobsPage({ documentId: query?.documentId, limit: query?.limit, cursor: query?.cursor }),
    getJob: (jobId) => engine.getJob(jobId),
    getSettings: async () => host.settings.get(),
    updateSettings: async (patch) => {
      // A folder that cannot hold documents (/proc, a file…) is refused here, at the field, not at export.
      if (typeof patch.outputDir === 'string') assertUsableOutputDir(patch.outputDir);
      const next = host.settings.update(patch);
      host.onSettingsChanged?.(next);
      return next;
    },
    getHostInfo: async () => host.info,
    openOutput: async (file) => {
      if (!host.openOutput) throw Errors.unsupportedOnHost('Opening files');
      // Opens only the bytes the newest job that wrote this path recorded (Download checks the same).
      await readIntactOutput(await assertKnownOutput(file));
      await host.openOutput(file);
    },
    showOutputInFolder: async (file) => {
      if (!host.showOutputInFolder) throw Errors.unsupportedOnHost('Showing files in their folder');
      await assertKnownOutput(file);
      await host.showOutputInFolder(file);
    },
    onDidChangeJob: (listener) => engine.onDidChangeJob(listener),
    onDidChangeDocument: (listener) => engine.onDidChangeDocument(listener),
  };
}
