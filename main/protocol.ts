/** quire://app serves the built renderer (see engine/host/app-protocol.ts for the rules). */
import { readFile } from 'node:fs/promises';
import { protocol, session, type CustomScheme } from 'electron';
import { APP_SCHEME, appResponseHeaders, devCsp, originOf, resolveAppFile } from '../engine/host/app-protocol.ts';

/** Must be registered before the app is ready. */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

export function registerAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
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
