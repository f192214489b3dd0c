/**
 * A SettingsStore over any key-value backing (the desktop app: electron-store, which can
 * only load inside Electron). Whatever the backing holds is validated with the contract's
 * settingsSchema (mergeSettings): a damaged or hand-edited file falls back to the defaults
 * field by field instead of reaching the engine.
 *
 * @example
 * const store = new ElectronStore({ name: 'settings' });
 * const settings = new BackedSettingsStore({ read: () => store.store, write: (s) => (store.store = s) }, defaults);
 */
import type { Settings } from '../api/contract.ts';
import { mergeSettings, type SettingsStore } from './settings.ts';

export interface SettingsBacking {
  read(): unknown;
  write(settings: Settings): void;
}

const KEYS: ReadonlyArray<keyof Settings> = ['outputDir', 'defaultFormats', 'pdf', 'theme', 'concurrency', 'openFolderWhenDone', 'overwriteOutputs'];

/** Keeps each stored field that is valid on its own; drops unknown keys and bad values. */
export function recoverSettings(defaults: Settings, stored: unknown): Settings {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return structuredClone(defaults);
  let value = structuredClone(defaults);
  const raw = stored as Record<string, unknown>;
  for (const key of KEYS) {
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

export class BackedSettingsStore implements SettingsStore {
  readonly #backing: SettingsBacking;
  #value: Settings;

  constructor(backing: SettingsBacking, defaults: Settings) {
    this.#backing = backing;
    let stored: unknown;
    try {
      stored = backing.read();
    } catch {
      stored = undefined;
    }
    this.#value = recoverSettings(defaults, stored);
  }

  get(): Settings {
    return structuredClone(this.#value);
  }

  /** Validates the merged result (INVALID_OPTIONS naming the field), then writes it. */
  update(patch: Partial<Settings>): Settings {
    const next = mergeSettings(this.#value, patch);
    this.#backing.write(structuredClone(next));
    this.#value = next;
    return this.get();
  }
}
