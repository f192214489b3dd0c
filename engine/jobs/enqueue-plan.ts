/**
 * One enqueue transaction's jobs, planned in memory and written at the end in a few
 * statements. Recording a job one statement at a time (resolve, dedupe, probe names, insert,
 * reserve, stage state: about fifteen round trips, each re-built by Kysely) capped a batch at
 * a few hundred jobs a second (issue #10, case 8). Here, inside the caller's IMMEDIATE
 * transaction (no other writer can change what was read):
 *  - documents are read many at a time (prefetch), a document's layers checked once a batch
 *    while its rows read the same (job-spec.ts prepareJobSpec, EnqueueMemo), an output folder
 *    checked (assertWritableDir) and a folder's real path resolved once a transaction;
 *  - names are chosen as chooseOutputBase chooses them, one job after another, against the
 *    database as read plus the reservations planned so far (the same choices as one
 *    startExport per job, without writing in between);
 *  - write() inserts the jobs, reservations, stage states and source snapshots in multi-row
 *    statements. A job refused in add() (a QuireError) has planned nothing.
 * Raw better-sqlite3 statements, prepared once per connection: the SQL is written out here.
 *
 * @example
 * await immediate(db, async () => {
 *   const plan = new EnqueuePlan(ctx);
 *   const a = plan.add({ documentId, stageId: 'export' }); // { row, created, spec }
 *   plan.write();
 * });
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { StartExportRequest } from '../api/contract.ts';
import { Errors } from '../api/errors.ts';
import type { ExportSpec, Settings } from '../api/export-spec.ts';
import { nthName } from '../api/output-names.ts';
import { JobStore, type JobRow } from '../store/job-store.ts';
import { exportStageOf, finishJobSpec, prepareJobSpec, sourceIdOf, type JobSpecRows, type PreparedJobSpec } from './job-spec.ts';
import { familyCols, fileFor, laterNumbers, noFreeName, numbersAfter, TOP, type ClaimInput, type Verdict } from './output-claims.ts';
import { FolderNames } from './folder-names.ts';
import { familyOfBase } from './output-families.ts';
import { outputKeyOf } from './output-keys.ts';
import { assertWritableDir } from './output-dir.ts';
import { sha256Of } from './atomic-files.ts';

export interface EnqueueContext {
  /** The database's connection (QuireDb.sqlite); used only inside the caller's transaction. */
  sqlite: BetterSqlite3.Database;
  settings?: Settings;
  /** The host's default output folder, under every layer. */
  defaultOutDir: string;
  createdBy: string;
  maxAttempts: number;
}

export interface Enqueued {
  row: JobRow;
  /** False when the same export was already queued or running: `row` is that job. */
  created: boolean;
  /** The spec `row.spec` holds, when this call resolved it (a created job). */
  spec?: ExportSpec;
}

type Sqlite = BetterSqlite3.Database;

const STATEMENTS = new WeakMap<Sqlite, Map<string, BetterSqlite3.Statement>>();

/** A statement prepared once per connection (a handful of SQL texts). */
function statement(sqlite: Sqlite, text: string): BetterSqlite3.Statement {
  let held = STATEMENTS.get(sqlite);
  if (!held) STATEMENTS.set(sqlite, (held = new Map()));
  let st = held.get(text);
  if (!st) held.set(text, (st = sqlite.prepare(text)));
  return st;
}

export const ENQUEUE_SQL = {
  // Many documents a statement (a JSON array of ids): the next inputs' documents are read at once.
  documents: 'select * from documents where id in (select value from json_each(?))',
  stageRows: 'select document_id, stage_id, data from stage_states where document_id in (select value from json_each(?))',
  assets: 'select document_id, ref, status, sha256, bytes, problem from document_assets where document_id in (select value from json_each(?))',
  // Literal statuses: only then can SQLite use the partial index jobs_active_dedupe.
  activeByDedupe: "select * from jobs where dedupe_key = ? and status in ('queued', 'running')",
  // What verdictFor reads of a path, in one statement: a source? whose reservation, still active?
  pathFacts: `select exists(select 1 from documents where source_path = @key) as is_source,
      o.document_id, o.job_id, o.sha256, o.bytes, o.pending_sha256, o.pending_bytes, j.status as holder_status
    from (select 1) left join output_files o on o.path = @key left join jobs j on j.id = o.job_id`,
  // Both equalities, no range or order: SQLite takes output_files_document_family (see chooseOutputBase).
  ownInFamily: 'select path, name_number from output_files where document_id = ? and name_family = ?',
  topOfFamily: 'select max(name_number) as n from output_files where name_family = ?',
  lastChangeNo: 'select coalesce(max(change_no), 0) as n from jobs',
  snapshot: 'insert into source_snapshots (sha256, source, bytes, created_at) values (?, ?, ?, ?) on conflict (sha256) do nothing',
} as const;

/** reservePath's three cases (new path; the same document's, kept; another's, taken over) as one upsert. */
const OUTPUT_COLUMNS = ['path', 'document_id', 'job_id', 'sha256', 'bytes', 'pending_sha256', 'pending_bytes', 'updated_at', 'name_family', 'name_number'] as const;
const OUTPUT_UPSERT = `on conflict (path) do update set
  job_id = excluded.job_id, updated_at = excluded.updated_at, document_id = excluded.document_id,
  sha256 = iif(output_files.document_id = excluded.document_id, output_files.sha256, null),
  bytes = iif(output_files.document_id = excluded.document_id, output_files.bytes, null),
  pending_sha256 = iif(output_files.document_id = excluded.document_id, output_files.pending_sha256, null),
  pending_bytes = iif(output_files.document_id = excluded.document_id, output_files.pending_bytes, null)`;
/** The data of a stage state that holds nothing (a new one's). */
const EMPTY_STAGE_DATA = '{}';
/** saveStageStateRow(…, { exportJobId, status: 'in_progress' }): its data kept, '{}' when new. */
const STAGE_COLUMNS = ['document_id', 'stage_id', 'status', 'data', 'export_job_id', 'updated_at'] as const;
const STAGE_UPSERT = `on conflict (document_id, stage_id) do update set
  status = excluded.status, export_job_id = excluded.export_job_id, updated_at = excluded.updated_at`;

/** Rows per multi-row INSERT: 64 jobs × 31 columns stay far below SQLite's bound-parameter limit. */
const ROWS_PER_INSERT = 64;

function insertMany<T>(sqlite: Sqlite, table: string, columns: readonly string[], rows: readonly T[], values: (row: T) => unknown[], suffix = ''): void {
  const one = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; ) {
    // Parts of 64, 32, …, 1 rows: a few statements to prepare per table, not one per length.
    let size = ROWS_PER_INSERT;
    while (size > rows.length - i) size /= 2;
    const part = rows.slice(i, (i += size));
    const text = `insert into ${table} (${columns.join(', ')}) values ${part.map(() => one).join(', ')} ${suffix}`;
    const params: unknown[] = [];
    for (const row of part) params.push(...values(row));
    statement(sqlite, text).run(params);
  }
}

/** Documents read per statement by prefetch(). */
export const PREFETCH_DOCUMENTS = 32;

type DocRows = Omit<JobSpecRows, 'stageId' | 'source'>;

/**
 * What the transactions of one batch share: each document's checked layers, reused while the
 * rows they came from read the same (every transaction reads them again).
 */
export class EnqueueMemo {
  readonly prepared = new Map<string, { key: string; source: string; spec: PreparedJobSpec }>();
  /** Characters of source held (compared, not hashed, on reuse): bounded, the batch may be huge. */
  #chars = 0;

  remember(id: string, entry: { key: string; source: string; spec: PreparedJobSpec }): void {
    this.#chars += entry.source.length;
    if (this.#chars > MEMO_MAX_CHARS) {
      this.prepared.clear();
      this.#chars = entry.source.length;
    }
    this.prepared.set(id, entry);
  }
}

/** About 64 MB of sources at most in an EnqueueMemo. */
const MEMO_MAX_CHARS = 32 * 1024 * 1024;

interface PathFacts {
  isSource: boolean;
  row: { document_id: string; job_id: string; sha256: string | null; bytes: number | null; pending_sha256: string | null; pending_bytes: number | null } | undefined;
  holderActive: boolean;
}

type OwnRow = { path: string; name_number: number | null };

interface Reservation {
  documentId: string;
  jobId: string;
  family: string;
  number: number;
}

export class EnqueuePlan {
  readonly #sqlite: Sqlite;
  readonly #ctx: EnqueueContext;
  /** Per document and stage: its prepared layers and source, read once. */
  readonly #prepared = new Map<string, { spec: PreparedJobSpec; source: string }>();
  readonly #memo: EnqueueMemo;
  /** Documents read by prefetch(): their rows, or null for none. */
  readonly #docRows = new Map<string, DocRows | null>();
  readonly #writableDirs = new Set<string>();
  readonly #realDirs = new Map<string, string>();
  /** Paths and (folder, base) pairs met in this transaction: their keys and name families. */
  readonly #keys = new Map<string, string>();
  readonly #families = new Map<string, string>();
  /** What the database said of a path when first asked (the planned reservations come on top). */
  readonly #facts = new Map<string, PathFacts>();
  /** What is on disk, from a folder's listing once many names in it were probed. */
  readonly #folderNames: FolderNames;
  readonly #reserved = new Map<string, Reservation>();
  /** Per name family: the highest number in the database, and among the planned reservations. */
  readonly #dbTop = new Map<string, number>();
  readonly #plannedTop = new Map<string, number>();
  /** Per document and family: its rows in the database (read once: only this plan writes until it commits). */
  readonly #dbOwn = new Map<string, OwnRow[]>();
  /** Per document and family: the numbers planned for it. */
  readonly #plannedOwn = new Map<string, number[]>();
  readonly #byDedupeKey = new Map<string, JobRow>();
  #changeNo: number | null = null;
  readonly #jobs: JobRow[] = [];
  readonly #stages = new Map<string, unknown[]>();
  readonly #snapshots = new Map<string, { source: string; bytes: number }>();

  /** `folderNames`: one per transaction, shared by its slices (a listing is as old as the transaction at most). */
  constructor(ctx: EnqueueContext, memo = new EnqueueMemo(), folderNames = new FolderNames()) {
    this.#sqlite = ctx.sqlite;
    this.#ctx = ctx;
    this.#memo = memo;
    this.#folderNames = folderNames;
  }

  /** Reads the documents of these (upcoming) inputs in three statements instead of three each. */
  prefetch(inputs: readonly StartExportRequest[]): void {
    const ids = [...new Set(inputs.map((i) => i.documentId))].filter((id) => typeof id === 'string' && !this.#docRows.has(id));
    if (ids.length === 0) return;
    const json = JSON.stringify(ids);
    for (const id of ids) this.#docRows.set(id, null);
    for (const doc of statement(this.#sqlite, ENQUEUE_SQL.documents).all(json) as Array<DocRows['doc']>) this.#docRows.set(doc.id, { doc, stageRows: [], assetRows: [] });
    for (const r of statement(this.#sqlite, ENQUEUE_SQL.stageRows).all(json) as Array<{ document_id: string } & DocRows['stageRows'][number]>) {
      // An empty state ('{}', which every enqueue leaves for a stage it starts) adds nothing to
      // the layers: left out, the document's layers read the same before and after its first
      // job, and the next transaction reuses them (EnqueueMemo) instead of checking them again.
      if (r.data === EMPTY_STAGE_DATA) continue;
      (this.#docRows.get(r.document_id)?.stageRows as unknown[] | undefined)?.push({ stage_id: r.stage_id, data: r.data });
    }
    for (const r of statement(this.#sqlite, ENQUEUE_SQL.assets).all(json) as Array<{ document_id: string } & DocRows['assetRows'][number]>) {
      const { document_id: documentId, ...asset } = r;
      (this.#docRows.get(documentId)?.assetRows as unknown[] | undefined)?.push(asset);
    }
  }

  /** Jobs planned so far (created ones). */
  get size(): number {
    return this.#jobs.length;
  }

  /** The id of the last job planned, if any. */
  get lastJobId(): string | undefined {
    return this.#jobs.at(-1)?.id;
  }

  /**
   * Plans one export, as enqueueing it alone after the ones before would record it. Throws a
   * QuireError for an input refused (nothing planned for it) and anything else as it comes.
   */
  add(input: StartExportRequest): Enqueued {
    const prepared = this.#prepare(input);
    const spec = finishJobSpec(prepared.spec, input.options);
    if (!this.#writableDirs.has(spec.outDir)) {
      assertWritableDir(spec.outDir);
      this.#writableDirs.add(spec.outDir);
    }
    const specJson = JSON.stringify(spec);
    const dedupeKey = sha256Of(specJson);
    const planned = this.#byDedupeKey.get(dedupeKey);
    if (planned) return { row: planned, created: false };
    const existing = statement(this.#sqlite, ENQUEUE_SQL.activeByDedupe).get(dedupeKey) as JobRow | undefined;
    if (existing) return { row: existing, created: false };
    // Never a source, a foreign file or another active export's file: else " (2)", " (3)", …
    const who: ClaimInput = { documentId: spec.documentId, jobId: null, overwrite: spec.overwrite };
    const outputBase = this.#chooseBase(spec, who);
    const row = JobStore.newRow(
      { documentId: spec.documentId, stageId: spec.stageId, spec, outputBase, dedupeKey, createdBy: this.#ctx.createdBy, maxAttempts: this.#ctx.maxAttempts },
      this.#nextChangeNo(),
      specJson,
    );
    // Nothing above wrote to the plan: a refused input leaves it as it was.
    this.#jobs.push(row);
    this.#byDedupeKey.set(dedupeKey, row);
    for (const f of spec.formats) {
      const key = this.#keyOf(fileFor(spec.outDir, outputBase, f));
      const { name_family: family, name_number: number } = familyCols(key);
      this.#reserved.set(key, { documentId: spec.documentId, jobId: row.id, family, number });
      this.#plannedTop.set(family, Math.max(this.#plannedTop.get(family) ?? 0, number));
      const own = `${spec.documentId}\0${family}`;
      this.#plannedOwn.set(own, [...(this.#plannedOwn.get(own) ?? []), number]);
    }
    // The last job of a document and stage is the one its stage state names.
    this.#stages.set(`${spec.documentId}\0${spec.stageId}`, [spec.documentId, spec.stageId, 'in_progress', EMPTY_STAGE_DATA, row.id, row.created_at]);
    this.#snapshots.set(spec.source.sha256!, { source: prepared.source, bytes: spec.source.bytes });
    return { row, created: true, spec };
  }

  /** Writes every planned job in the caller's transaction. */
  write(): void {
    if (this.#jobs.length === 0) return;
    const now = Date.now();
    for (const [sha256, s] of this.#snapshots) statement(this.#sqlite, ENQUEUE_SQL.snapshot).run(sha256, s.source, s.bytes, now);
    const jobColumns = Object.keys(this.#jobs[0]!) as Array<keyof JobRow>;
    insertMany(this.#sqlite, 'jobs', jobColumns, this.#jobs, (r) => jobColumns.map((c) => r[c]));
    const outputs = [...this.#reserved].map(([key, r]) => [key, r.documentId, r.jobId, null, null, null, null, now, r.family, r.number]);
    insertMany(this.#sqlite, 'output_files', OUTPUT_COLUMNS, outputs, (r) => r, OUTPUT_UPSERT);
    insertMany(this.#sqlite, 'stage_states', STAGE_COLUMNS, [...this.#stages.values()], (r) => r, STAGE_UPSERT);
  }

  #prepare(input: StartExportRequest): { spec: PreparedJobSpec; source: string } {
    const id = `${input.documentId}\0${input.stageId}`;
    const held = this.#prepared.get(id);
    if (held) return held;
    if (!this.#docRows.has(input.documentId)) this.prefetch([input]);
    const rows = this.#docRows.get(input.documentId);
    if (!rows) throw Errors.documentNotFound(input.documentId);
    const { doc } = rows;
    exportStageOf(doc, input.stageId);
    // Checked again only when something it is made of changed since the batch's last transaction.
    const key = JSON.stringify([doc.workflow_id, doc.title, doc.revision, doc.format, doc.base_dir, rows.stageRows, rows.assetRows]);
    const memo = this.#memo.prepared.get(id);
    let prepared: { spec: PreparedJobSpec; source: string };
    if (memo && memo.key === key && memo.source === doc.source) {
      prepared = memo;
    } else {
      prepared = { spec: prepareJobSpec({ ...rows, stageId: input.stageId, source: sourceIdOf(doc.source) }, this.#ctx), source: doc.source };
      this.#memo.remember(id, { key, ...prepared });
    }
    this.#prepared.set(id, prepared);
    return prepared;
  }

  /** chooseOutputBase's choice, against the database plus the reservations planned so far. */
  #chooseBase(spec: ExportSpec, who: ClaimInput): string {
    const { outDir, fileBase: base, formats } = spec;
    const isFree = (n: number) => formats.every((f) => this.#verdict(fileFor(outDir, nthName(base, n), f), who).free);
    if (isFree(1)) return base;
    const familyId = `${outDir}\0${base}`;
    let family = this.#families.get(familyId);
    if (family === undefined) this.#families.set(familyId, (family = familyOfBase(outDir, base, this.#realDirs)));
    for (const n of laterNumbers(this.#ownNumbers(spec.documentId, family))) {
      if (n === TOP) {
        for (const m of numbersAfter(this.#top(family))) if (isFree(m)) return nthName(base, m);
        break;
      }
      if (isFree(n)) return nthName(base, n);
    }
    throw noFreeName({ outDir, base, formats });
  }

  /** verdictFor's rules; a path planned for a job of this transaction is that job's (queued). */
  #verdict(file: string, who: ClaimInput): Verdict {
    const key = this.#keyOf(file);
    const facts = this.#factsOf(key);
    if (facts.isSource) return { free: false, reason: 'a document source' };
    if (this.#reserved.has(key)) return { free: false, reason: 'reserved by another export' };
    if (facts.row && facts.row.job_id !== who.jobId && facts.holderActive) return { free: false, reason: 'reserved by another export' };
    return this.#folderNames.verdict(file, facts.row, who);
  }

  /** outputKeyOf, once per path a transaction: every namesake probes "name.html" first. */
  #keyOf(file: string): string {
    let key = this.#keys.get(file);
    if (key === undefined) this.#keys.set(file, (key = outputKeyOf(file, this.#realDirs)));
    return key;
  }

  #factsOf(key: string): PathFacts {
    let facts = this.#facts.get(key);
    if (!facts) {
      const r = statement(this.#sqlite, ENQUEUE_SQL.pathFacts).get({ key }) as { is_source: number; document_id: string | null; holder_status: string | null } & NonNullable<PathFacts['row']>;
      facts = {
        isSource: r.is_source === 1,
        row: r.document_id === null ? undefined : r,
        holderActive: r.holder_status === 'queued' || r.holder_status === 'running',
      };
      this.#facts.set(key, facts);
    }
    return facts;
  }

  /** The document's numbers in the family: the database's, as the planned reservations leave them. */
  #ownNumbers(documentId: string, family: string): number[] {
    const id = `${documentId}\0${family}`;
    let rows = this.#dbOwn.get(id);
    if (!rows) this.#dbOwn.set(id, (rows = statement(this.#sqlite, ENQUEUE_SQL.ownInFamily).all(documentId, family) as OwnRow[]));
    const own = rows.filter((r) => (this.#reserved.get(r.path)?.documentId ?? documentId) === documentId).map((r) => r.name_number ?? 0);
    return own.concat(this.#plannedOwn.get(id) ?? []);
  }

  #top(family: string): number {
    let top = this.#dbTop.get(family);
    if (top === undefined) {
      top = Number((statement(this.#sqlite, ENQUEUE_SQL.topOfFamily).get(family) as { n: number | null }).n ?? 0);
      this.#dbTop.set(family, top);
    }
    return Math.max(top, this.#plannedTop.get(family) ?? 0);
  }

  #nextChangeNo(): number {
    // Read once inside the transaction: no other writer until it commits (BEGIN IMMEDIATE).
    this.#changeNo ??= Number((statement(this.#sqlite, ENQUEUE_SQL.lastChangeNo).get() as { n: number }).n);
    return ++this.#changeNo;
  }
}
