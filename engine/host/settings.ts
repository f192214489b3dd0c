/**
 * Settings for every host: the defaults, the merge, and the one store policy
 * (BackedSettingsStore) over electron-store (desktop) or one JSON file in the data folder
 * (CLI, browser host, tests), validated with the contract's schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../api/contract.ts';
import { DEFAULT_PDF_OPTIONS, applySettingsPatch } from '../api/export-spec.ts';
import { defaultConcurrency } from '../jobs/scheduler.ts';

export interface SettingsStore {
  get(): Settings;
  update(patch: Partial<Settings>): Settings;
}

export function defaultSettings(outputDir: string): Settings {
  return {
    outputDir,
    // Each workflow's own formats (a quick note: PDF) until the user picks defaults.
    defaultFormats: null,
    pdf: structuredClone(DEFAULT_PDF_OPTIONS),
    theme: 'system',
    concurrency: defaultConcurrency(),
    openFolderWhenDone: false,
    overwriteOutputs: false,
    // Each document's and workflow's own look until the user picks defaults.
    exportStyle: {},
  };
}

/** The settings model's merge (engine/api/export-spec.ts), under the name the stores use. */
export const mergeSettings = applySettingsPatch;

/** Where a store keeps its settings: a JSON file, electron-store, … */
export interface SettingsBacking {
  read(): unknown;
  write(settings: Settings): void;
}

/**
 * The one policy for stored settings, whatever holds them: keeps each stored field that is
 * valid on its own (mergeSettings decides), drops unknown keys and bad values, so a damaged
 * or hand-edited file falls back to the defaults field by field instead of reaching the engine.
 */
export function recoverSettings(defaults: Settings, stored: unknown): Settings {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return structuredClone(defaults);
  let value = structuredClone(defaults);
  const raw = stored as Record<string, unknown>;
  // The defaults name every setting: a key they do not have is not one.
  for (const key of Object.keys(defaults) as Array<keyof Settings>) {
    if (!(key in raw)) continue;
    if (key === 'pdf' && typeof raw.pdf === 'object' && raw.pdf !== null) {
      // Field by field, so one bad margin does not reset the page size.
      for (const [k, v] of Object.entries(raw.pdf as Record<string, unknown>)) {
        try {
          value = mergeSettings(value, { pdf: { ...value.pdf, [k]: v } } as Partial<Settings>);
        } catch {
          // keep the default for this field
        }
      }
      continue;
    }
    try {
      value = mergeSettings(value, { [key]: raw[key] } as Partial<Settings>);
    } catch {
      // keep the default for this field
    }
  }
  return value;
}

/**
 * A SettingsStore over any backing (the desktop app: electron-store, which can only load
 * inside Electron; the CLI and browser host: JsonSettingsStore). Reads go through
 * recoverSettings; an update is validated whole (INVALID_OPTIONS naming the field) before
 * it is written.
 *
 * @example
 * const store = new ElectronStore({ name: 'settings' });
 * const settings = new BackedSettingsStore({ read: () => store.store, write: (s) => (store.store = s) }, defaults);
 */
export class BackedSettingsStore implements SettingsStore {
  readonly #backing: SettingsBacking;
  #value: Settings;

  constructor(backing: SettingsBacking, defaults: Settings) {
    this.#backing = backing;
    let stored: unknown;
    try {
      stored = backing.read();
    } catch {
      stored = undefined; // missing or unreadable: the defaults; the next update rewrites it
    }
    this.#value = recoverSettings(defaults, stored);
  }

  get(): Settings {
    return structuredClone(this.#value);
  }

  update(patch: Partial<Settings>): Settings {
    const next = mergeSettings(this.#value, patch);
    this.#backing.write(structuredClone(next));
    this.#value = next;
    return this.get();
  }
}

/** Settings in one JSON file, written atomically (temp file, then rename). */
export class JsonSettingsStore extends BackedSettingsStore {
  constructor(file: string, defaults: Settings) {
    super(
      {
        read: () => JSON.parse(fs.readFileSync(file, 'utf8')) as unknown,
        write(settings) {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          const tmp = `${file}.${process.pid}.tmp`;
          fs.writeFileSync(tmp, JSON.stringify(settings, null, 2));
          fs.renameSync(tmp, file);
        },
      },
      defaults,
    );
  }
}
