/**
 * Reads the layers of one export from the store and resolves them with the one model
 * (engine/api/export-spec.ts): the document, its workflow stage, the export and Details stage
 * data, the document's stored assets, the user's settings and the call. With `snapshot`, the
 * document's source is stored by content for the job (inside the caller's transaction).
 *
 * @example
 * const spec = await resolveJobSpec(trx, { documentId, stageId: 'export' }, { snapshot: true, defaultOutDir });
 */
import path from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import { Errors } from '../api/errors.ts';
import { prepareExportLayers, resolvePreparedExport, type ExportCallOptions, type ExportSpec, type ExportSubject, type PreparedLayers, type Settings } from '../api/export-spec.ts';
import { frontMatterLayer, parseFrontMatter } from '../api/front-matter.ts';
import type { Database, DocumentAssetsTable, DocumentsTable } from '../store/schema.ts';
import { sha256Of } from './atomic-files.ts';
import { snapshotSource } from '../store/source-snapshots.ts';
import { withUserCss } from './user-css.ts';
import { getStage, getWorkflow } from '../store/workflows.ts';

export interface JobSpecRequest {
  documentId: string;
  stageId: string;
  options?: ExportCallOptions;
}

export interface JobSpecContext {
  /** Store the source snapshot (startExport) or only hash it (resolveExport, a dry run). */
  snapshot: boolean;
  settings?: Settings;
  /** The host's default output folder, under every layer. */
  defaultOutDir: string;
}

export async function resolveJobSpec(db: Kysely<Database>, input: JobSpecRequest, ctx: JobSpecContext): Promise<ExportSpec> {
  const doc = await db.selectFrom('documents').selectAll().where('id', '=', input.documentId).executeTakeFirst();
  if (!doc) throw Errors.documentNotFound(input.documentId);
  exportStageOf(doc, input.stageId);
  const rows = await db.selectFrom('stage_states').select(['stage_id', 'data']).where('document_id', '=', doc.id).execute();
  const source = ctx.snapshot ? await snapshotSource(db, doc.source) : sourceIdOf(doc.source);
  // The images the job will embed: the stored files as they are now, by hash, and why the
  // others are not there (read in the same transaction).
  const assetRows = await db.selectFrom('document_assets').select(['ref', 'status', 'sha256', 'bytes', 'problem']).where('document_id', '=', doc.id).execute();
  return finishJobSpec(prepareJobSpec({ doc, stageId: input.stageId, stageRows: rows, assetRows, source }, ctx), input.options);
}

/** What a document's exports are resolved from, as read from the store (one transaction). */
export interface JobSpecRows {
  doc: Selectable<DocumentsTable>;
  stageId: string;
  stageRows: ReadonlyArray<{ stage_id: string; data: string }>;
  assetRows: ReadonlyArray<Pick<Selectable<DocumentAssetsTable>, 'ref' | 'status' | 'sha256' | 'bytes' | 'problem'>>;
  /** The source's hash and size (snapshotSource or sourceIdOf). */
  source: { sha256: string; bytes: number };
}

/** Everything of a document's export but the call's options: shared by the jobs of a batch. */
export interface PreparedJobSpec {
  subject: ExportSubject;
  layers: PreparedLayers;
  baseDir: string | null;
}

/** The source's identity without storing it. */
export function sourceIdOf(source: string): { sha256: string; bytes: number } {
  return { sha256: sha256Of(source), bytes: Buffer.byteLength(source, 'utf8') };
}

/** The stage to export; throws STAGE_NOT_FOUND or NOT_AN_EXPORT_STAGE. */
export function exportStageOf(doc: Pick<Selectable<DocumentsTable>, 'workflow_id'> & { id: string }, stageId: string) {
  const stage = getStage(doc.workflow_id, stageId);
  if (!stage) throw Errors.stageNotFound(doc.id, stageId);
  if (stage.kind !== 'export') throw Errors.notAnExportStage(stageId);
  return stage;
}

/** The document's layers checked once (resolveJobSpec's work up to the call's options). */
export function prepareJobSpec(rows: JobSpecRows, ctx: Pick<JobSpecContext, 'settings' | 'defaultOutDir'>): PreparedJobSpec {
  const { doc } = rows;
  const stage = exportStageOf(doc, rows.stageId);
  const detailsStage = getWorkflow(doc.workflow_id)?.stages.find((st) => st.kind === 'details');
  const dataOf = (stageId: string | undefined): unknown => {
    const raw = rows.stageRows.find((r) => r.stage_id === stageId)?.data;
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return { unreadable: raw.slice(0, 40) }; // refused by the stage's schema, which names the stage
    }
  };
  const assets = rows.assetRows.filter((a) => a.status === 'stored' && a.sha256).map((a) => ({ ref: a.ref, sha256: a.sha256!, bytes: a.bytes ?? 0 }));
  const unavailableAssets = rows.assetRows
    .filter((a) => a.status !== 'stored' && a.problem)
    // A refused ref's problem is a whole warning; a missing one's says where it was looked for.
    .map((a) => ({ ref: a.ref, warning: a.status === 'missing' ? `image ${a.ref} ${a.problem}` : a.problem! }));
  return {
    subject: { documentId: doc.id, stageId: stage.id, title: doc.title, revision: doc.revision, format: doc.format, source: rows.source, assets, unavailableAssets },
    layers: prepareExportLayers({
      stage: stage.exportOptions,
      settings: ctx.settings,
      saved: dataOf(stage.id),
      details: detailsStage ? dataOf(detailsStage.id) : undefined,
      // What the author wrote at the top of the document; YAML that does not parse gives nothing
      // here (the export says so as a warning and goes on).
      frontMatter: doc.format === 'md' ? frontMatterLayer(parseFrontMatter(doc.source).data) : undefined,
      defaultOutDir: ctx.defaultOutDir,
    }),
    baseDir: doc.base_dir,
  };
}

/** The spec of one export: the prepared document with this call's options. */
export function finishJobSpec(prepared: PreparedJobSpec, options: ExportCallOptions | undefined): ExportSpec {
  const spec = resolvePreparedExport(prepared.subject, prepared.layers, options);
  // The model takes any OS's full path ("C:\\x", "\\\\server\\x"); on this computer such a path
  // is relative, and would be resolved against the server's working folder.
  if (!path.isAbsolute(spec.outDir)) {
    throw Errors.invalidOptions(
      `The output folder "${spec.outDir}" is not a full path on this computer (${process.platform}), so Quire will not guess where it is. Choose a full folder path, such as ${process.platform === 'win32' ? 'C:\\Users\\Ada\\Documents' : '/home/ada/Documents'}.`,
    );
  }
  // The user's CSS file read now and kept with the job (its path checked by the layer that named it).
  return withUserCss(spec, prepared.baseDir);
}
