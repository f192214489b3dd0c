/**
 * The desktop app's own URL scheme, as plain functions the Electron main process wires into
 * `protocol.handle` (no electron import here, so it is tested under Node).
 *
 * - `quire://app/…` serves the built renderer (out/renderer) with a strict CSP; nothing
 *   outside that folder is reachable (no `..`, no encoded separators, no other host).
 * - `quire://pdf/<token>` serves one document held in memory, only inside the PDF
 *   renderer's own session; that session cancels every other request except `data:`.
 *
 * @example
 * const hit = resolveAppFile('/opt/quire/out/renderer', 'quire://app/assets/index-3f2a.js');
 * // { file: '/opt/quire/out/renderer/assets/index-3f2a.js', mime: 'text/javascript; charset=utf-8' }
 */
import { resolveStaticFile } from './static-files.ts';

export const APP_SCHEME = 'quire';
const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
const PDF_HOST = 'pdf';
/**
 * Where a host serves a document's stored files by sha256 (HostInfo.assetBase): the browser
 * host over HTTP with its token, the desktop app as `quire://app/document-assets/<sha256>`.
 * Not /assets/: that is the built UI's own folder.
 */
export const ASSET_PATH = '/document-assets';

/**
 * The app window's policy. Scripts and styles only from our own files (Vite emits them as
 * files, and React sets `style` props through the CSSOM, which CSP does not restrict), so
 * neither needs 'unsafe-inline'; no eval, no plugins, no frames, no network beyond 'self'.
 */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The exported document printed to PDF: JavaScript is off in that window anyway; the
 * export HTML carries its theme in a <style> element and its images as data: URIs.
 */
export const PDF_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  'font-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** `electron-vite dev` serves the renderer over http with HMR (inline preamble, injected <style>, a websocket). */
export function devCsp(devServerUrl: string): string {
  const origin = originOf(devServerUrl) ?? "'none'";
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline' ${origin}`,
    `style-src 'self' 'unsafe-inline' ${origin}`,
    `img-src 'self' data: blob: ${origin}`,
    `font-src 'self' data: ${origin}`,
    `connect-src 'self' ${origin} ${ws}`,
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Headers sent with every app file. */
export function appResponseHeaders(mime: string): Record<string, string> {
  return {
    'content-type': mime,
    'content-security-policy': APP_CSP,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * `scheme://host[:port]` of a URL, for any scheme. WHATWG `URL#origin` is "null" for
 * schemes Node does not know (quire:), while Chromium treats our privileged standard
 * scheme as a real origin; this matches Chromium. Null when the URL does not parse or has no host.
 */
export function originOf(url: string): string | null {
  const u = parseUrl(url);
  if (!u) return null;
  if (!u.host) return null;
  return `${u.protocol}//${u.host}`.toLowerCase();
}

/**
 * The file under `rootDir` that `requestUrl` names, or null (→ 404) when the URL is not
 * ours or would leave the folder (static-files.ts decides, as for the browser host).
 */
export function resolveAppFile(rootDir: string, requestUrl: string): { file: string; mime: string } | null {
  const u = parseUrl(requestUrl);
  if (!u) return null;
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  return resolveStaticFile(rootDir, u.pathname);
}

/** The sha256 a `quire://app/document-assets/<sha256>` URL names, or null (not an asset URL). */
export function appAssetShaOf(requestUrl: string): string | null {
  const u = parseUrl(requestUrl);
  if (!u || u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.search || u.hash) return null;
  const m = new RegExp(`^${ASSET_PATH}/([0-9a-f]{64})$`).exec(u.pathname);
  return m ? m[1]! : null;
}

/**
 * A stored document file is only ever an image: its own type, never sniffed, and for an SVG
 * opened on its own no scripts and nothing loaded. Content-addressed, so cached for good.
 */
export function assetResponseHeaders(mediaType: string): Record<string, string> {
  return {
    'content-type': mediaType,
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'private, max-age=31536000, immutable',
  };
}

/** `quire://pdf/<token>` for a document handed to the PDF window. */
export function pdfDocumentUrl(token: string): string {
  return `${APP_SCHEME}://${PDF_HOST}/${encodeURIComponent(token)}`;
}

/** The token of a `quire://pdf/<token>` URL, or null. */
export function pdfTokenOf(url: string): string | null {
  const u = parseUrl(url);
  if (!u) return null;
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== PDF_HOST || u.search || u.hash) return null;
  const token = u.pathname.replace(/^\//, '');
  return /^[A-Za-z0-9-]{8,64}$/.test(token) ? token : null;
}

/** The PDF session lets through only its own documents and inline data. */
export function isAllowedPdfRequest(url: string): boolean {
  return url.startsWith('data:') || pdfTokenOf(url) !== null;
}

/**
 * A path inside app.asar as the unpacked copy electron-builder writes beside it
 * (`asarUnpack`): worker threads and native modules are loaded from there.
 */
export function unpackedPath(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}
