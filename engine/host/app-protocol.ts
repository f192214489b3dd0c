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
import path from 'node:path';

export const APP_SCHEME = 'quire';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
export const PDF_HOST = 'pdf';

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

/**
 * `scheme://host[:port]` of a URL, for any scheme. WHATWG `URL#origin` is "null" for
 * schemes Node does not know (quire:), while Chromium treats our privileged standard
 * scheme as a real origin; this matches Chromium. Null when the URL does not parse or has no host.
 */
export function originOf(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!u.host) return null;
  return `${u.protocol}//${u.host}`.toLowerCase();
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeFor(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `rootDir` that `requestUrl` names, or null (→ 404) when the URL is not
 * ours or would leave the folder. A path without an extension is a client-side route and
 * gets index.html.
 */
export function resolveAppFile(rootDir: string, requestUrl: string): { file: string; mime: string } | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  // A NUL, a backslash or a `..` segment (however encoded) can only be an attempt to escape the folder.
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  if (!path.posix.extname(rel)) rel = '/index.html';
  const root = path.resolve(rootDir);
  const file = path.resolve(root, `.${path.posix.normalize(rel)}`);
  const inside = path.relative(root, file);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return null;
  return { file, mime: mimeFor(file) };
}

/** `quire://pdf/<token>` for a document handed to the PDF window. */
export function pdfDocumentUrl(token: string): string {
  return `${APP_SCHEME}://${PDF_HOST}/${encodeURIComponent(token)}`;
}

/** The token of a `quire://pdf/<token>` URL, or null. */
export function pdfTokenOf(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
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
