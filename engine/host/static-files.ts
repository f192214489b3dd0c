/**
 * The one rule for serving the built renderer from a folder, shared by the desktop app's
 * `quire://app/` scheme (app-protocol.ts) and the browser host's HTTP server
 * (web-host/server.ts): which file a URL path names, and its type. Nothing outside the
 * folder is reachable, however the path is encoded.
 *
 * @example
 * resolveStaticFile('/opt/quire/out/web', '/assets/index-3f2a.js');
 * // { file: '/opt/quire/out/web/assets/index-3f2a.js', mime: 'text/javascript; charset=utf-8' }
 */
import path from 'node:path';

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
 * The file under `rootDir` that a URL's `pathname` (still percent-encoded) names, or null
 * (→ 404) when it is malformed or would leave the folder. `/` and a path without an
 * extension (a client-side route) get index.html. Whether the file exists is the caller's
 * question.
 */
export function resolveStaticFile(rootDir: string, pathname: string): { file: string; mime: string } | null {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  // A NUL, a backslash or a `..` segment (however encoded) can only be an attempt to escape the folder.
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return null;
  if (!path.posix.extname(rel)) rel = '/index.html';
  const root = path.resolve(rootDir);
  const file = path.resolve(root, `.${path.posix.normalize(`/${rel}`)}`);
  const inside = path.relative(root, file);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return null;
  return { file, mime: mimeFor(file) };
}
