/** quire://app serves the built renderer (see engine/host/app-protocol.ts for the rules). */
import { readFile } from 'node:fs/promises';
import { protocol, session, type CustomScheme } from 'electron';
import { APP_SCHEME, appAssetShaOf, appResponseHeaders, assetResponseHeaders, devCsp, originOf, resolveAppFile } from '../engine/host/app-protocol.ts';

/** Must be registered before the app is ready. */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

/** `readAsset`: a document's stored file by sha256 (engine.readAsset), served at quire://app/document-assets/<sha256>. */
export function registerAppProtocol(rendererDir: string, readAsset: (sha256: string) => Promise<{ data: Buffer; mediaType: string }>): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
    const sha = appAssetShaOf(request.url);
    if (sha) {
      try {
        const { data, mediaType } = await readAsset(sha);
        return new Response(new Uint8Array(data), { headers: assetResponseHeaders(mediaType) });
      } catch {
        return new Response('Not found', { status: 404 });
      }
    }
    const hit = resolveAppFile(rendererDir, request.url);
    if (!hit) return new Response('Not found', { status: 404 });
    try {
      return new Response(await readFile(hit.file), { headers: appResponseHeaders(hit.mime) });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

/** `electron-vite dev` only: the dev server's pages get a CSP that allows Vite's HMR. */
export function applyDevCsp(devServerUrl: string): void {
  const origin = originOf(devServerUrl);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (originOf(details.url) !== origin) return callback({});
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [devCsp(devServerUrl)] } });
  });
}
