/**
 * How a document's reference to a file is spelled, one way for everyone: the import that
 * stores a document's images, the export that embeds them, and the renderer that matches
 * dropped files and shows the preview. Pure TypeScript (the renderer imports it too).
 *
 * @example
 * normaliseAssetRef('./images/my%20chart.png?v=2'); // 'images/my chart.png'
 * normaliseAssetRef('https://example.com/a.png');   // null (remote: not an asset)
 */

/** The scheme of a URL, lower case ("https", "data", "javascript"), or null for a path; control characters and spaces are ignored as browsers do. */
export function urlScheme(url: string): string | null {
  const squeezed = url.replace(/[\u0000-\u0020\u007f]/g, '');
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(squeezed);
  return m ? m[1]!.toLowerCase() : null;
}

const WINDOWS_DRIVE = /^[a-zA-Z]:[\\/]/;

/** "a/./b/../c" → "a/c"; leading ".." of a relative path kept, ".." above the root of an absolute one dropped (POSIX normalize). */
function foldDots(ref: string): string {
  const absolute = ref.startsWith('/');
  const out: string[] = [];
  for (const part of ref.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(part);
  }
  return (absolute ? '/' : '') + out.join('/');
}

/**
 * A local reference in its one spelling ("/" separators, no "./", %-escapes decoded, no
 * ?query or #hash), or null when it is not a local file: remote (http:, https:, //host),
 * inline (data:), another scheme (javascript:, blob: …), or empty. `file:` URLs become paths.
 */
export function normaliseAssetRef(src: string | null | undefined): string | null {
  let ref = (src ?? '').trim();
  if (ref === '' || ref.startsWith('//')) return null;
  const scheme = urlScheme(ref);
  if (scheme === 'file') {
    // file:///x and file://localhost/x are this machine; file://host/x is another one.
    const m = /^file:\/\/(?:localhost)?(\/[^?#]*)/i.exec(ref);
    if (!m) return null;
    ref = /^\/[a-zA-Z]:[\\/]/.test(m[1]!) ? m[1]!.slice(1) : m[1]!;
  } else if (scheme !== null && !WINDOWS_DRIVE.test(ref)) {
    return null; // http, https, data, javascript, … (a Windows drive "C:\" is a path)
  }
  ref = ref.replace(/[?#][\s\S]*$/, '');
  try {
    ref = decodeURIComponent(ref);
  } catch {
    // a lone "%" is part of the file name
  }
  ref = ref.replace(/\\/g, '/');
  if (ref.endsWith('/')) return null;
  ref = foldDots(ref);
  return ref === '' || ref === '/' ? null : ref;
}
