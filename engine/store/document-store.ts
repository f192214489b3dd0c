/**
 * Documents and their stage states. Saving a document bumps its revision; saving stage
 * states never drops an exportJobId it was not asked to change (the seed's persistence).
 *
 * @example
 * const docs = new DocumentStore(store.db);
 * const doc = await docs.create({ title: 'Report', source: '# Hi', format: 'md' });
 * await docs.saveStageState(doc.id, 'details', { data: { author: 'Ada' } });
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { Errors, isQuireError } from '../api/errors.ts';
import { parseStageData } from '../api/export-spec.ts';
import type { QuireDocument, DocumentSummary, SourceFormat, StageDefinition, StageState, StageStatus } from '../api/types.ts';
import { immediate } from './db.ts';
import { listDocumentAssets, reconcileDocumentAssets, type AssetScan } from './document-assets.ts';
import type { Database, DocumentsTable, StageStatesTable } from './schema.ts';
import { DEFAULT_WORKFLOW_ID, getStage, getWorkflow } from './workflows.ts';

export interface CreateDocumentInput {
  title: string;
  source: string;
  format: SourceFormat;
  baseDir?: string | null;
  workflowId?: string;
  /** The source's local refs and what was read of them (document-assets.ts); none when omitted. */
  assets?: AssetScan;
}

export interface UpdateDocumentInput {
  title?: string;
  source?: string;
  format?: SourceFormat;
  /** The new source's refs (document-assets.ts): the asset rows are re-derived with the source. */
  assets?: AssetScan;
}

export interface SaveStageStateInput {
  status?: StageStatus;
  /** Checked against the stage kind's schema before it is written (parseStageData). */
  data?: unknown;
  /** Only changed when given (undefined keeps the current one). */
  exportJobId?: string | null;
}

export function toDocument(row: Selectable<DocumentsTable>, assets: QuireDocument['assets']): QuireDocument {
  return {
    id: row.id,
    title: row.title,
    format: row.format,
    workflowId: row.workflow_id,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    source: row.source,
    baseDir: row.base_dir,
    assets,
  };
}

/**
 * A stored stage state, its data checked against the stage kind's schema. Data that no longer
 * fits (written by another version, or by hand) is not dropped from storage: the state comes
 * with `problem` saying which field, and empty data, until the user saves the stage again.
 */
export function toStageState(row: Selectable<StageStatesTable> | null, stage: StageDefinition, documentId: string, createdAt: number): StageState {
  let data: unknown = {};
  let problem: string | null = null;
  try {
    data = parseStageData(stage.kind, stage.title, row ? JSON.parse(row.data) : {});
  } catch (e) {
    problem = isQuireError(e) ? e.message : `The ${stage.title} stage's saved data is not readable (${(e as Error).message}). Save the stage again.`;
  }
  return {
    kind: stage.kind,
    documentId,
    stageId: stage.id,
    status: row?.status ?? 'pending',
    data,
    problem,
    exportJobId: row?.export_job_id ?? null,
    updatedAt: row?.updated_at ?? createdAt,
  } as StageState;
}

/** A new document's row (validated workflow, trimmed title); `sourcePath` for one imported from a file. */
function newDocumentRow(input: CreateDocumentInput, sourcePath: string | null) {
  const workflowId = input.workflowId ?? DEFAULT_WORKFLOW_ID;
  if (!getWorkflow(workflowId)) throw Errors.invalidInput(`Unknown workflow "${workflowId}".`);
  const now = Date.now();
  return {
    id: randomUUID(),
    title: input.title.trim() || 'Untitled',
    source: input.source,
    format: input.format,
    base_dir: input.baseDir ?? null,
    workflow_id: workflowId,
    revision: 1,
    created_at: now,
    updated_at: now,
    source_path: sourcePath,
  };
}

export class DocumentStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(input: CreateDocumentInput): Promise<QuireDocument> {
    const row = newDocumentRow(input, null);
    return immediate(this.#db, async (trx) => {
      await trx.insertInto('documents').values(row).execute();
      await reconcileDocumentAssets(trx, row.id, input.assets ?? { refs: [] });
      return toDocument(row, await listDocumentAssets(trx, row.id));
    });
  }

  /**
   * The document imported from this file (by its sourceKeyOf key), created or brought up to
   * date: title, source, format and folder; the revision goes up only when the content
   * changed. In one immediate transaction, so two processes importing one file make one document.
   */
  async upsertBySourcePath(sourcePath: string, input: CreateDocumentInput): Promise<{ doc: QuireDocument; created: boolean }> {
    const fresh = newDocumentRow(input, sourcePath);
    return immediate(this.#db, async (trx) => {
      const now = Date.now();
      const title = fresh.title;
      const existing = await trx.selectFrom('documents').selectAll().where('source_path', '=', sourcePath).executeTakeFirst();
      if (!existing) {
        const row = { ...fresh, created_at: now, updated_at: now };
        await trx.insertInto('documents').values(row).execute();
        await reconcileDocumentAssets(trx, row.id, input.assets ?? { refs: [] });
        return { doc: toDocument(row, await listDocumentAssets(trx, row.id)), created: true };
      }
      const changed = existing.title !== title || existing.source !== input.source || existing.format !== input.format;
      const baseDir = input.baseDir ?? existing.base_dir;
      if (changed || baseDir !== existing.base_dir) {
        await trx
          .updateTable('documents')
          .set({ title, source: input.source, format: input.format, base_dir: baseDir, revision: existing.revision + (changed ? 1 : 0), updated_at: now })
          .where('id', '=', existing.id)
          .execute();
      }
      await reconcileDocumentAssets(trx, existing.id, input.assets ?? { refs: [] });
      const row = await trx.selectFrom('documents').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
      return { doc: toDocument(row, await listDocumentAssets(trx, existing.id)), created: false };
    });
  }

  async get(id: string): Promise<QuireDocument> {
    const row = await this.#db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw Errors.documentNotFound(id);
    return toDocument(row, await listDocumentAssets(this.#db, id));
  }

  async list(): Promise<DocumentSummary[]> {
    const rows = await this.#db
      .selectFrom('documents')
      .select(['id', 'title', 'format', 'workflow_id', 'revision', 'created_at', 'updated_at'])
      .orderBy('updated_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      format: r.format,
      workflowId: r.workflow_id,
      revision: r.revision,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async update(id: string, patch: UpdateDocumentInput): Promise<QuireDocument> {
    const current = await this.get(id);
    const changed =
      (patch.title !== undefined && patch.title !== current.title) ||
      (patch.source !== undefined && patch.source !== current.source) ||
      (patch.format !== undefined && patch.format !== current.format);
    if (!changed) return current;
    await immediate(this.#db, async (trx) => {
      await trx
        .updateTable('documents')
        .set({
          title: patch.title?.trim() || current.title,
          source: patch.source ?? current.source,
          format: patch.format ?? current.format,
          revision: current.revision + 1,
          updated_at: Date.now(),
        })
        .where('id', '=', id)
        .execute();
      if (patch.assets) await reconcileDocumentAssets(trx, id, patch.assets);
    });
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const result = await this.#db.deleteFrom('documents').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw Errors.documentNotFound(id);
  }

  /** Every stage of the document's workflow, with a pending state for stages never saved. */
  async getStageStates(documentId: string): Promise<StageState[]> {
    const doc = await this.get(documentId);
    const workflow = getWorkflow(doc.workflowId)!;
    const rows = await this.#db.selectFrom('stage_states').selectAll().where('document_id', '=', documentId).execute();
    const byStage = new Map(rows.map((r) => [r.stage_id, r]));
    return workflow.stages.map((stage) => toStageState(byStage.get(stage.id) ?? null, stage, documentId, doc.createdAt));
  }

  async saveStageState(documentId: string, stageId: string, input: SaveStageStateInput): Promise<StageState> {
    const doc = await this.get(documentId);
    const stage = getStage(doc.workflowId, stageId);
    if (!stage) throw Errors.stageNotFound(documentId, stageId);
    const data = input.data === undefined ? undefined : parseStageData(stage.kind, stage.title, input.data);
    await saveStageStateRow(this.#db, documentId, stageId, { ...input, data });
    const row = await this.#db
      .selectFrom('stage_states')
      .selectAll()
      .where('document_id', '=', documentId)
      .where('stage_id', '=', stageId)
      .executeTakeFirstOrThrow();
    return toStageState(row, stage, documentId, doc.createdAt);
  }
}

/** Upsert of one stage state that keeps columns the caller did not pass. Usable inside a transaction. */
export async function saveStageStateRow(
  db: Kysely<Database>,
  documentId: string,
  stageId: string,
  input: SaveStageStateInput,
): Promise<void> {
  const now = Date.now();
  const existing = await db
    .selectFrom('stage_states')
    .selectAll()
    .where('document_id', '=', documentId)
    .where('stage_id', '=', stageId)
    .executeTakeFirst();
  if (!existing) {
    await db
      .insertInto('stage_states')
      .values({
        document_id: documentId,
        stage_id: stageId,
        status: input.status ?? 'in_progress',
        data: JSON.stringify(input.data ?? {}),
        export_job_id: input.exportJobId ?? null,
        updated_at: now,
      })
      .execute();
    return;
  }
  await db
    .updateTable('stage_states')
    .set({
      status: input.status ?? existing.status,
      data: input.data !== undefined ? JSON.stringify(input.data) : existing.data,
      export_job_id: input.exportJobId !== undefined ? input.exportJobId : existing.export_job_id,
      updated_at: now,
    })
    .where('document_id', '=', documentId)
    .where('stage_id', '=', stageId)
    .execute();
}
