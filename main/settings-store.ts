/**
 * Settings in electron-store (settings.json in userData), validated by BackedSettingsStore
 * with the contract's schema. electron-store imports electron, so it lives in main only.
 */
import ElectronStore from 'electron-store';
import type { Settings } from '../engine/api/contract.ts';
import { BackedSettingsStore } from '../engine/host/settings.ts';

export function createSettingsStore(defaults: Settings): BackedSettingsStore {
  // A syntactically broken file is reset instead of failing the start; field-level damage
  // is repaired by BackedSettingsStore.
  const store = new ElectronStore<Settings>({ name: 'settings', clearInvalidConfig: true });
  return new BackedSettingsStore(
    {
      read: () => store.store,
      write: (settings) => {
        store.store = settings;
      },
    },
    defaults,
  );
}
