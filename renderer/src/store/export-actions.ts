/**
 * Export from a stage: the options the user chose (kept in the export stage's data, where the
 * engine reads them), what they resolve to, and Start. The renderer merges and checks nothing
 * itself: it calls the engine's one model (engine/api/export-spec.ts) with the same layers the
 * engine reads, so what the form shows is what the job runs.
 */
import {
  mergeOptionPatches,
  resolveExport,
  type ExportOptionsPatch,
  type ExportSpec,
  type Settings,
} from '../../../engine/api/export-spec.ts';
import { frontMatterLayer, parseFrontMatter } from '../../../engine/api/front-matter.ts';
import { stageStateOf, type QuireDocument, type StageState, type WorkflowDefinition } from '../../../engine/api/types.ts';
import { fetchJob } from './jobs-actions.ts';
import { errorMessage, quire, store } from './quire-client.ts';
import { editStageData, flushSaves, saveError } from './saving.ts';

/** The export stage's saved options (the "saved" layer), empty when it has none. */
export function exportOptionsOf(state: StageState | undefined): ExportOptionsPatch {
  return stageStateOf(state, 'export')?.data.exportOptions ?? {};
}

/** Changes the stage's saved options field by field; `outDir: null` (or '') goes back to the default folder. */
export function editExportOptions(documentId: string, stageId: string, patch: ExportOptionsPatch): void {
  const next = mergeOptionPatches(exportOptionsOf(store().stages[documentId]?.[stageId]), patch);
  if (next.outDir === null || (typeof next.outDir === 'string' && !next.outDir.trim())) delete next.outDir;
  editStageData(documentId, stageId, 'export', { exportOptions: next });
}

export interface ExportInputs {
  doc: QuireDocument | undefined;
  workflows: WorkflowDefinition[];
  settings: Settings | null;
  states: Record<string, StageState> | undefined;
}

/**
 * What the stage's export resolves to with the document, settings and stage data as the store
 * holds them (unsaved edits included): the layers the engine reads at start, given to the same
 * function. `problem` says which layer and field is wrong when it does not resolve.
 */
export function resolveStageExport(inputs: ExportInputs, stageId: string): { spec: ExportSpec | null; problem: string | null } {
  const { doc, workflows, settings, states } = inputs;
  const workflow = workflows.find((w) => w.id === doc?.workflowId);
  const stage = workflow?.stages.find((st) => st.id === stageId);
  if (!doc || !stage || !settings) return { spec: null, problem: null };
  const details = workflow!.stages.find((st) => st.kind === 'details');
  try {
    const spec = resolveExport(
      { documentId: doc.id, stageId, title: doc.title, revision: doc.revision, format: doc.format, source: { sha256: null, bytes: 0 } },
      {
        stage: stage.exportOptions,
        settings,
        saved: states?.[stageId]?.data,
        details: details ? states?.[details.id]?.data : undefined,
        // As the engine reads it at start (engine/jobs/job-spec.ts), from the text as typed.
        frontMatter: doc.format === 'md' ? frontMatterLayer(parseFrontMatter(doc.source).data) : undefined,
        defaultOutDir: settings.outputDir,
      },
    );
    return { spec, problem: null };
  } catch (e) {
    return { spec: null, problem: errorMessage(e) };
  }
}

/** The store's key of a stage's start (`starting`, `stageErrors`). */
export const stageKey = (documentId: string, stageId: string) => `${documentId}:${stageId}`;

/**
 * Starts the stage's export (saves first). The engine resolves the same layers the form shows
 * and returns the running job instead of a new one when the same export is already active.
 */
export async function startExport(documentId: string, stageId: string): Promise<string | null> {
  const key = stageKey(documentId, stageId);
  if (store().starting[key]) return null;
  store().setStarting(key, true);
  store().setStageError(key, undefined);
  try {
    // The export reads the engine's copy: it starts only once what was typed is there.
    if (!(await flushSaves(documentId))) {
      throw new Error(
        `The export did not start: your latest changes are not saved, and it would have used the older text. ${saveError(documentId) ?? ''} Press Retry beside “Not saved”, then start the export again.`.replace(/\s+/g, ' '),
      );
    }
    const { jobId } = await quire().startExport({ documentId, stageId });
    store().patchStageState(documentId, stageId, { exportJobId: jobId, status: 'in_progress' });
    await fetchJob(jobId);
    return jobId;
  } catch (e) {
    store().setStageError(key, errorMessage(e));
    return null;
  } finally {
    store().setStarting(key, false);
  }
}
