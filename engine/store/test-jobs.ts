/**
 * Test support: a job row inserted the way startExport records one (a resolved spec and a
 * source snapshot), for tests of the stores and the scheduler that bypass the engine.
 */
import type { Kysely } from 'kysely';
import { resolveExport, type ExportOptionsPatch } from '../api/export-spec.ts';
import { JobStore, type JobRow } from './job-store.ts';
import type { Database } from './schema.ts';
import { snapshotSource } from './source-snapshots.ts';

export interface TestJobInput {
  document: { id: string; title: string; source: string; revision?: number };
  outputBase: string;
  dedupeKey: string;
  maxAttempts?: number;
  options?: ExportOptionsPatch;
}

export async function insertTestJob(trx: Kysely<Database>, input: TestJobInput): Promise<JobRow> {
  const source = await snapshotSource(trx, input.document.source);
  const spec = resolveExport(
    { documentId: input.document.id, stageId: 'export', title: input.document.title, revision: input.document.revision ?? 1, format: 'md', source },
    { call: input.options, defaultOutDir: '/tmp/quire-test-out' },
  );
  return JobStore.insert(trx, {
    documentId: input.document.id,
    stageId: 'export',
    spec,
    outputBase: input.outputBase,
    dedupeKey: input.dedupeKey,
    createdBy: 'tester',
    maxAttempts: input.maxAttempts ?? 5,
  });
}
