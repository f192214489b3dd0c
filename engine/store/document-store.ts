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
import { Errors } from '../api/errors.ts';
import type { QuireDocument, DocumentSummary, SourceFormat, StageState, StageStatus } from '../api/types.ts';
import { immediate } from './db.ts';
import type { Database, DocumentsTable, StageStatesTable } from './schema.ts';
import { DEFAULT_WORKFLOW_ID, getStage, getWorkflow } from './workflows.ts';

export interface CreateDocumentInput {
  title: string;
  source: string;
  format: SourceFormat;
  baseDir?: string | null;
  workflowId?: string;
}

export interface UpdateDocumentInput {
  title?: string;
  source?: string;
  format?: SourceFormat;
}

export interface SaveStageStateInput {
  status?: StageStatus;
  data?: Record<string, unknown>;
  /** Only changed when given (undefined keeps the current one). */
  exportJobId?: string | null;
}

export function toDocument(row: Selectable<DocumentsTable>): QuireDocument {
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
  };
}

export function toStageState(row: Selectable<StageStatesTable>): StageState {
  return {
    documentId: row.document_id,
    stageId: row.stage_id,
    status: row.status,
    data: JSON.parse(row.data) as Record<string, unknown>,
    exportJobId: row.export_job_id,
    updatedAt: row.updated_at,
  };
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
    await this.#db.insertInto('documents').values(row).execute();
    return toDocument(row);
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
        return { doc: toDocument(row), created: true };
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
      const row = await trx.selectFrom('documents').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
      return { doc: toDocument(row), created: false };
    });
  }

  async get(id: string): Promise<QuireDocument> {
    const row = await this.#db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw Errors.documentNotFound(id);
    return toDocument(row);
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
    await this.#db
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
    const byStage = new Map(rows.map((r) => [r.stage_id, toStageState(r)]));
    return workflow.stages.map(
      (stage) =>
        byStage.get(stage.id) ?? {
          documentId,
          stageId: stage.id,
          status: 'pending' as const,
          data: {},
          exportJobId: null,
          updatedAt: doc.createdAt,
        },
    );
  }

  async saveStageState(documentId: string, stageId: string, input: SaveStageStateInput): Promise<StageState> {
    const doc = await this.get(documentId);
    if (!getStage(doc.workflowId, stageId)) throw Errors.stageNotFound(documentId, stageId);
    await saveStageStateRow(this.#db, documentId, stageId, input);
    const row = await this.#db
      .selectFrom('stage_states')
      .selectAll()
      .where('document_id', '=', documentId)
      .where('stage_id', '=', stageId)
      .executeTakeFirstOrThrow();
    return toStageState(row);
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
