/** The engine options shared by every `quire` command: --data-dir, --concurrency and the environment. */
import path from 'node:path';
import { checkConcurrency } from '../api/export-spec.ts';
import { engineOptionsFromEnv, type EngineOptions } from '../engine.ts';
import { assertUsableDataDir } from '../jobs/output-dir.ts';
import { defaultDataDir } from '../paths.ts';

export function engineOptions(values: { 'data-dir'?: string; concurrency?: string }): EngineOptions {
  const concurrency = values.concurrency ? checkConcurrency(Number(values.concurrency), '--concurrency') : undefined;
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  // Before anything creates it: a recursive mkdir under /proc never returns.
  assertUsableDataDir(dataDir);
  return {
    dataDir,
    concurrency,
    ...engineOptionsFromEnv(),
  };
}
