/** The engine options shared by every `quire` command: --data-dir, --concurrency and the environment. */
import path from 'node:path';
import { checkConcurrency } from '../api/export-spec.ts';
import { engineOptionsFromEnv, type EngineOptions } from '../engine.ts';
import { assertUsableDataDir } from '../jobs/output-dir.ts';
import { defaultDataDir } from '../paths.ts';

export function engineOptions(values: { 'data-dir'?: string; concurrency?: string; 'fresh-store'?: boolean }): EngineOptions {
  const concurrency = values.concurrency ? checkConcurrency(Number(values.concurrency), '--concurrency') : undefined;
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  // Before anything creates it: a recursive mkdir under /proc never returns.
  assertUsableDataDir(dataDir);
  return {
    dataDir,
    concurrency,
    // A damaged database is only moved aside when asked (STORE_DAMAGED says how); then we say where.
    ...(values['fresh-store']
      ? { freshStore: true, onStoreSetAside: (to: string) => process.stderr.write(`quire: the damaged database was moved to ${to}; starting with an empty store (no documents or jobs).\n`) }
      : {}),
    ...engineOptionsFromEnv(),
  };
}
