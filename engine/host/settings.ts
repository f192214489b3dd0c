/**
 * Settings for hosts without electron-store (CLI, browser host, tests): one JSON file in the
 * data folder, validated with the contract's schema, written atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../api/contract.ts';
import { Errors } from '../api/errors.ts';
import { settingsSchema } from '../api/schemas.ts';
import { DEFAULT_PDF_OPTIONS } from '../api/types.ts';
import { defaultConcurrency } from '../jobs/scheduler.ts';

export interface SettingsStore {
  get(): Settings;
  update(patch: Partial<Settings>): Settings;
}

export function defaultSettings(outputDir: string): Settings {
  return {
    outputDir,
    defaultFormats: ['pdf', 'html', 'md'],
    pdf: structuredClone(DEFAULT_PDF_OPTIONS),
    theme: 'system',
    concurrency: defaultConcurrency(),
    openFolderWhenDone: false,
    overwriteOutputs: false,
  };
}

/** Merges a patch and validates the result; throws INVALID_OPTIONS naming the bad field. */
export function mergeSettings(current: Settings, patch: Partial<Settings>): Settings {
  const next = { ...current, ...patch, pdf: { ...current.pdf, ...(patch.pdf ?? {}) } };
  const parsed = settingsSchema.safeParse(next);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw Errors.invalidOptions(`Setting ${i.path.join('.')} is invalid: ${i.message}`);
  }
  return parsed.data as Settings;
}

export class JsonSettingsStore implements SettingsStore {
  readonly #file: string;
  #value: Settings;

  constructor(file: string, defaults: Settings) {
    this.#file = file;
    this.#value = defaults;
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Settings>;
      this.#value = mergeSettings(defaults, raw);
    } catch {
      // Missing or damaged settings fall back to defaults; the next update rewrites the file.
    }
  }

  get(): Settings {
    return structuredClone(this.#value);
  }

  update(patch: Partial<Settings>): Settings {
    const next = mergeSettings(this.#value, patch);
    fs.mkdirSync(path.dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(next, null, 2));
    fs.renameSync(tmp, this.#file);
    this.#value = next;
    return this.get();
  }
}
