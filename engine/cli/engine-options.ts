/** The engine options shared by every `quire` command: --data-dir, --concurrency and the environment. */
import path from 'node:path';
import { Errors } from '../api/errors.ts';
import { CONCURRENCY_LIMITS } from '../api/export-spec.ts';
import { engineOptionsFromEnv, type EngineOptions } from '../engine.ts';
import { assertUsableDataDir } from '../jobs/output-dir.ts';
import { defaultDataDir } from '../paths.ts';

export function engineOptions(values: { 'data-dir'?: string; concurrency?: string }): EngineOptions {
  const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < CONCURRENCY_LIMITS.min || concurrency > CONCURRENCY_LIMITS.max)) {
    throw Errors.invalidInput(`--concurrency must be a whole number from ${CONCURRENCY_LIMITS.min} to ${CONCURRENCY_LIMITS.max}.`);
  }
  const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
  // Before anything creates it: a recursive mkdir under /proc never returns.
  assertUsableDataDir(dataDir);
  return {
    dataDir,
    concurrency,
    ...engineOptionsFromEnv(),
  };
}
