/**
 * Helpers for the Electron E2E suite (Playwright `_electron`). Finding the Electron binary
 * must never trigger its download: `require('electron')` would (its index.js downloads a
 * missing binary), so the path is read from node_modules/electron/path.txt and checked.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QuireApi } from '../../engine/api/contract.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

/** QUIRE_ELECTRON_BINARY, else the binary electron's install step downloaded into node_modules/electron/dist. */
export function findElectronBinary(root = ROOT): ElectronBinary {
  const override = process.env.QUIRE_ELECTRON_BINARY;
  if (override) {
    return fs.existsSync(override) ? { ok: true, path: override } : { ok: false, reason: `QUIRE_ELECTRON_BINARY=${override} does not exist` };
  }
  const dir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathFile)) {
    return {
      ok: false,
      reason:
        'no Electron binary: node_modules/electron/path.txt is missing (Electron\'s install step could not download it on this machine). ' +
        'Run "npx install-electron" where the network allows, or set QUIRE_ELECTRON_BINARY.',
    };
  }
  const exe = path.join(dir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(exe) ? { ok: true, path: exe } : { ok: false, reason: `no Electron binary at ${exe}` };
}

/** Chromium refuses to start as root without this (CI containers). */
export function chromiumArgs(): string[] {
  return process.getuid?.() === 0 ? ['--no-sandbox'] : [];
}

/** A fresh data folder whose settings send exports to a folder of its own. */
export function freshProfile(): { dataDir: string; outDir: string } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-electron-e2e-'));
  const outDir = path.join(dataDir, 'exports');
  fs.mkdirSync(outDir);
  fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ outputDir: outDir, concurrency: 1 }));
  return { dataDir, outDir };
}

export function pdfPages(file: string): number {
  const r = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)/m.exec(r.stdout)?.[1] ?? NaN);
}

/** What page.evaluate sees (the root tsconfig has no DOM lib). */
export interface PageGlobals {
  quire: QuireApi;
  location: { href: string };
  open(url: string): unknown;
  fetch(url: string): Promise<{ headers: { get(name: string): string | null } }>;
  require?: unknown;
  process?: unknown;
  __jobs?: Array<{ id: string; status: string; progress: number; attempt: number }>;
}
