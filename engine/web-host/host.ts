/**
 * What the browser host adds around the engine: its HostInfo (no opening files or folders,
 * downloads instead) and the connection token, kept in the data folder so a restarted host
 * accepts the pages that were open (they reconnect with the token in their address).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HostInfo, QuireApi } from '../api/contract.ts';
import type { Engine } from '../engine.ts';
import { createQuireApi } from '../host/create-api.ts';
import type { SettingsStore } from '../host/settings.ts';
import { ASSET_PATH } from '../host/app-protocol.ts';
import { DOWNLOAD_PATH } from './server.ts';

export const TOKEN_FILE = 'web-host.token';

function browserHostInfo(version: string): HostInfo {
  return {
    kind: 'browser',
    // A page cannot ask the OS to open a file: the UI offers a download instead.
    canOpenPath: false,
    canShowInFolder: false,
    downloadBase: DOWNLOAD_PATH,
    // Same token as a download (the page adds ?token=).
    assetBase: ASSET_PATH,
    platform: process.platform,
    version,
  };
}

/** What the browser host serves at ASSET_PATH: the engine's content-addressed store. */
export function webHostAssetReader(engine: Engine): (sha256: string) => Promise<{ data: Buffer; mediaType: string } | null> {
  return async (sha256) => engine.readAsset(sha256);
}

export function createWebHostApi(engine: Engine, settings: SettingsStore, version: string): QuireApi {
  return createQuireApi(engine, { info: browserHostInfo(version), settings });
}

/** The token in <dataDir>/web-host.token (mode 600), created with 32 random bytes the first time. */
export function loadOrCreateToken(dataDir: string): string {
  const file = path.join(dataDir, TOKEN_FILE);
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(existing)) return existing;
  } catch {
    // missing: make one below
  }
  const token = randomBytes(32).toString('base64url');
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return token;
}
