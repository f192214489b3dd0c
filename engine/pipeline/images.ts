/**
 * Embeds a document's local images as data: URIs so the exported HTML stands alone, and
 * replaces what cannot be embedded (remote, missing, too large, not an image) with a visible
 * placeholder plus a warning for the user.
 *
 * Every replacement keeps the original src in `data-src`, which markdown.ts turns back into
 * `![alt](images/x.png)` instead of megabytes of base64.
 *
 * @example
 * const images = new ImageInliner('/docs/primer');
 * images.render({ src: 'images/a.png', alt: 'A', attrs: ' alt="A"' });
 * // '<img src="data:image/png;base64,…" data-src="images/a.png" alt="A">'
 * images.warnings; // [] — or ['image images/a.png not found']
 *
 * Only the document's own files are read: a path must lead, after resolving symlinks, to a
 * file inside the document's folder (resolveInsideFolder), and its bytes must be an image of a
 * supported type (sniffImage: the signature decides, not the extension). Anything else is a
 * placeholder and a warning naming the reference, never embedded.
 */
import { closeSync, constants, openSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';
import { IMAGE_TYPE_NAMES, isDataImageUri, type ImageMediaType } from '../api/media-types.ts';
import { formatBytes } from '../api/types.ts';
import { sha256Of } from '../jobs/atomic-files.ts';
import { normaliseAssetRef } from './asset-refs.ts';
import { PRINT_ASSET_BASE } from './print-assets.ts';
import { escapeAttr, escapeText } from './html-escape.ts';
import { urlScheme } from '../api/asset-ref.ts';
import type { ImageRequest } from './sanitize.ts';
import type { ExportAssets } from './types.ts';

const EMPTY = Buffer.alloc(0);

/** Largest image embedded or stored with a document. */
export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export interface ImageInlinerOptions {
  /** Largest file embedded, in bytes (default 10 MB); larger ones become a placeholder. */
  maxImageBytes?: number;
}

/** An image's bytes and type, or why it cannot be used (`missing`: not found, as opposed to refused). */
export type LoadedImage = { ok: true; data: Buffer; mime: ImageMediaType } | { ok: false; warning: string; missing?: boolean };
type Embedded = LoadedImage;

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}

export type FolderResolution =
  | { ok: true; path: string; size: number }
  | { ok: false; reason: 'outside' | 'missing' | 'not-a-file'; code?: string };

/**
 * Where `ref` (a path, relative to `baseDir` or absolute) may be read from: the real path of
 * an existing file inside `baseDir`. Checked twice: as written, before touching the disk (a
 * path outside is not even looked at), then after resolving symlinks, so a link inside the
 * folder that points outside is refused too. The one rule for "a document's own files".
 *
 * @example
 * resolveInsideFolder('/docs/primer', 'images/a.png'); // { ok: true, path: '/docs/primer/images/a.png', size: 1234 }
 * resolveInsideFolder('/docs/primer', '../secret.png'); // { ok: false, reason: 'outside' }
 */
export function resolveInsideFolder(baseDir: string, ref: string, realBaseDir?: string): FolderResolution {
  const base = resolve(baseDir);
  const full = resolve(base, ref);
  let realBase: string;
  try {
    realBase = realBaseDir ?? realpathSync.native(base);
  } catch (e) {
    return { ok: false, reason: 'missing', code: (e as NodeJS.ErrnoException).code };
  }
  // As written: inside the folder by the name it was given or by its real name.
  if (!isInside(full, base) && !isInside(full, realBase)) return { ok: false, reason: 'outside' };
  let real: string;
  try {
    real = realpathSync.native(full);
  } catch (e) {
    return { ok: false, reason: 'missing', code: (e as NodeJS.ErrnoException).code };
  }
  if (!isInside(real, realBase)) return { ok: false, reason: 'outside' };
  try {
    const st = statSync(real);
    if (!st.isFile()) return { ok: false, reason: 'not-a-file' };
    return { ok: true, path: real, size: st.size };
  } catch (e) {
    return { ok: false, reason: 'missing', code: (e as NodeJS.ErrnoException).code };
  }
}

/** The ISO-BMFF brands of an ftyp box (AVIF files start with one). */
function ftypBrands(bytes: Buffer): string[] {
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') return [];
  const size = Math.min(bytes.readUInt32BE(0), bytes.length, 256);
  const brands = [bytes.toString('latin1', 8, 12)];
  for (let i = 16; i + 4 <= size; i += 4) brands.push(bytes.toString('latin1', i, i + 4));
  return brands;
}

/** The MIME type the bytes are, when it is an image type Quire embeds; null otherwise. */
export function sniffImage(bytes: Buffer): ImageMediaType | null {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return 'image/gif';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  const brands = ftypBrands(bytes);
  if (brands.includes('avif') || brands.includes('avis')) return 'image/avif';
  // "BM" alone starts too many text files: also ask for a known DIB header size.
  if (bytes.length >= 18 && bytes.toString('latin1', 0, 2) === 'BM' && [12, 40, 52, 56, 64, 108, 124].includes(bytes.readUInt32LE(14))) return 'image/bmp';
  if (isSvgDocument(bytes)) return 'image/svg+xml';
  return null;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** `<!ENTITY name "value">` declarations of a DOCTYPE's internal subset (general entities only). */
const ENTITY_DECL = /<!ENTITY\s+([A-Za-z_:][\w.:-]*)\s+(?:"([^"]*)"|'([^']*)')\s*>/g;

/**
 * True when the bytes are UTF-8 text that is a well-formed XML document whose root element
 * is <svg> (any prefix), checked with saxes, a conformant XML parser. Entities declared in the
 * DOCTYPE (Illustrator writes `<!ENTITY ns_svg "…">`) are known by name but never expanded
 * into each other, so an entity bomb stays small; anything else undefined is an error.
 */
export function isSvgDocument(bytes: Buffer): boolean {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return false;
  }
  const parser = new SaxesParser({ xmlns: false });
  let root: string | null = null;
  let failed = false;
  parser.on('error', () => {
    failed = true;
  });
  parser.on('doctype', (doctype) => {
    for (const m of doctype.matchAll(ENTITY_DECL)) parser.ENTITIES[m[1]!] = (m[2] ?? m[3] ?? '').replace(/[&<]/g, ' ');
  });
  parser.on('opentagstart', (tag) => {
    root ??= tag.name;
  });
  try {
    parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).close();
  } catch {
    return false;
  }
  return !failed && root !== null && (root === 'svg' || (root as string).endsWith(':svg'));
}

/** What a file that is not a supported image holds, in a few words for the warning. */
function describeContent(bytes: Buffer, ext: string): string {
  if (bytes.length === 0) return 'empty';
  if (bytes.toString('latin1', 0, 5) === '%PDF-') return 'a PDF document';
  if (bytes.toString('latin1', 0, 4) === 'PK\x03\x04') return 'a ZIP archive';
  let text: string | null = null;
  try {
    text = UTF8.decode(bytes.subarray(0, 4096));
  } catch {
    // a multi-byte character cut at 4096 still counts as text
    try {
      text = UTF8.decode(bytes.subarray(0, 4093));
    } catch {
      text = null;
    }
  }
  if (text === null || text.includes('\u0000')) return 'binary data of another kind';
  if (ext === '.svg' || /^\s*(<\?xml|<svg)/.test(text)) return 'text that is not a well-formed SVG document';
  return 'text';
}

/** "is 10.2 MB, larger than the 10.0 MB limit"; exact bytes when rounding would make them look equal. */
function sizeOverLimit(bytes: number, limit: number): string {
  const [size, max] = [formatBytes(bytes), formatBytes(limit)];
  return size === max ? `is ${bytes} bytes, larger than the ${limit}-byte limit` : `is ${size}, larger than the ${max} limit`;
}

/**
 * Whether `data` is an image Quire embeds and within the size limit; `src` names it in the
 * warning. The one check for a document's image, at import, when added later, and at export.
 */
export function checkImage(data: Buffer, src: string, maxBytes = DEFAULT_MAX_IMAGE_BYTES, fileName = src): LoadedImage {
  if (data.length > maxBytes) return { ok: false, warning: `image ${src} ${sizeOverLimit(data.length, maxBytes)}, and was not embedded` };
  // The bytes decide, never the extension: a text file named .png is not embedded.
  const mime = sniffImage(data);
  if (!mime) {
    const content = describeContent(data, extname(fileName.replace(/[?#].*$/s, '')).toLowerCase());
    return { ok: false, warning: `image ${src} is not a ${IMAGE_TYPE_NAMES} image (its content is ${content}) and was not embedded` };
  }
  return { ok: true, data, mime };
}

/**
 * Images come from the document's folder (`baseDir`, read with resolveInsideFolder's rules),
 * or, for a job, only from the document's stored assets (`ExportAssets`): never both.
 */
export class ImageInliner {
  readonly #baseDir: string | null;
  readonly #assets: ExportAssets | null;
  readonly #maxBytes: number;
  readonly #cache = new Map<string, Embedded>();
  readonly #warnings = new Set<string>();
  /** Print form: each validated image's hash (its bytes are not kept), and the list for the page's head. */
  readonly #printedSha = new WeakMap<Embedded, string>();
  readonly #printAssets = new Map<string, ImageMediaType>();
  #realBase: string | undefined;

  constructor(files: string | null | ExportAssets, options: ImageInlinerOptions = {}) {
    this.#baseDir = typeof files === 'string' ? files : null;
    this.#assets = typeof files === 'object' ? files : null;
    this.#maxBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  }

  /** Stored images linked in the print form, sha256 → type, in first-use order (empty unless `ExportAssets.print`). */
  get printAssets(): ReadonlyMap<string, ImageMediaType> {
    return this.#printAssets;
  }

  /** Distinct warnings, in the order they arose. */
  get warnings(): string[] {
    return [...this.#warnings];
  }

  /** The markup that replaces one <img> (see sanitize.ts ImageRequest). */
  render(img: ImageRequest): string {
    const src = img.src?.trim() ?? '';
    // An <img> needs alt to be valid HTML: none written means no text alternative, said as "".
    const attrs = /(?:^|\s)alt=/.test(img.attrs) ? img.attrs : `${img.attrs} alt=""`;
    if (src === '') return `<img${attrs}>`;
    if (src.startsWith('data:')) {
      if (isDataImageUri(src)) return `<img src="${escapeAttr(src)}"${attrs}>`;
      return this.#placeholder(img, `image ${short(src)} is not an image and was left out`, false);
    }
    const scheme = urlScheme(src);
    if (src.startsWith('//') || scheme === 'http' || scheme === 'https') {
      const url = src.startsWith('//') ? `https:${src}` : src;
      this.#warnings.add(`image ${src} is on the web and was not downloaded (Quire works offline); a link is shown instead`);
      return (
        `<span class="quire-image-placeholder quire-image-remote" data-src="${escapeAttr(src)}" data-alt="${escapeAttr(img.alt)}">` +
        `<span class="quire-image-alt">${escapeText(img.alt || 'Image')}</span> ` +
        `<a href="${escapeAttr(url)}">${escapeText(url)}</a></span>`
      );
    }

    let path: string;
    if (scheme === 'file') {
      try {
        path = fileURLToPath(src);
      } catch {
        return this.#placeholder(img, `image ${src} not found`);
      }
    } else if (scheme !== null && !/^[a-zA-Z]:[\\/]/.test(src)) {
      // Anything but a path or a Windows drive path: javascript:, blob:, ftp:, …
      return this.#placeholder(img, `image ${short(src)} uses an unsupported address and was left out`, false);
    } else {
      path = src;
    }

    const linked = this.#assets?.imageUrl ? this.#linkAsset(this.#assets, this.#assets.imageUrl, src) : null;
    if (linked) return `<img src="${escapeAttr(linked)}" data-src="${escapeAttr(src)}"${attrs}>`;
    const result = this.#assets ? this.#fromAssets(this.#assets, src) : this.load(path, src);
    if (!result.ok) return this.#placeholder(img, result.warning);
    // The print form: validated like an embedded image, but linked by its hash (print-assets.ts).
    const printed = this.#assets?.print ? this.#printedSha.get(result) : undefined;
    if (printed) return `<img src="${PRINT_ASSET_BASE}${printed}" data-src="${escapeAttr(src)}"${attrs}>`;
    return `<img src="data:${result.mime};base64,${result.data.toString('base64')}" data-src="${escapeAttr(src)}"${attrs}>`;
  }

  /**
   * The preview's address of a stored asset (its bytes stay with the host, which serves them);
   * null when the ref has no stored file, which then gets the export's placeholder and warning.
   */
  #linkAsset(assets: ExportAssets, imageUrl: string, src: string): string | null {
    const ref = normaliseAssetRef(src);
    const file = ref === null ? undefined : assets.files[ref];
    return file && /^[0-9a-f]{64}$/.test(file.sha256) ? imageUrl.replace('{sha256}', file.sha256) : null;
  }

  /** A stored asset by its normalised ref, its bytes checked against the hash the job was started with. */
  #fromAssets(assets: ExportAssets, src: string): Embedded {
    const ref = normaliseAssetRef(src);
    const file = ref === null ? undefined : assets.files[ref];
    if (!file) {
      const problem = ref === null ? undefined : assets.problems[ref];
      return { ok: false, warning: problem ?? `image ${src} not found: it was not imported with the document (add it in the Write stage)` };
    }
    const cached = this.#cache.get(file.sha256);
    if (cached) return cached;
    let result: Embedded;
    try {
      const data = readFileSync(file.path);
      result =
        sha256Of(data) === file.sha256
          ? checkImage(data, src, this.#maxBytes)
          : { ok: false, warning: `image ${src}: its copy in the data folder was changed since the export started; add it again in the Write stage` };
    } catch {
      result = { ok: false, warning: `image ${src}: its copy in the data folder is missing; add it again in the Write stage` };
    }
    if (assets.print && result.ok) {
      // Checked as for embedding; only the type is kept, so memory does not grow with the images.
      result = { ok: true, data: EMPTY, mime: result.mime };
      this.#printedSha.set(result, file.sha256);
      this.#printAssets.set(file.sha256, result.mime);
    }
    this.#cache.set(file.sha256, result);
    return result;
  }

  /**
   * The image `path` leads to inside the document's folder (`src` names it in warnings):
   * import records a document's images with this, so what is stored is what an export embeds.
   */
  load(path: string, src = path): Embedded {
    // Markdown writes "my image.png" as "my%20image.png"; "?v=2" or "#part" is rarely part of a
    // file name, so try without them first, then the path exactly as written.
    const candidates = new Set<string>();
    const bare = path.replace(/[?#].*$/s, '');
    for (const p of [bare, path]) {
      try {
        candidates.add(decodeURIComponent(p));
      } catch {
        /* not percent-encoded */
      }
      candidates.add(p);
    }

    if (this.#baseDir === null) {
      if ([...candidates].some((c) => !isAbsolute(c))) {
        return { ok: false, missing: true, warning: `image ${src} not found (the document has no folder to resolve relative paths against)` };
      }
      return { ok: false, warning: `image ${src} was not embedded: Quire embeds only images from the document's own folder, and this document has none (it was not imported from a file)` };
    }

    let outside = false;
    for (const candidate of candidates) {
      const found = resolveInsideFolder(this.#baseDir, candidate, this.#realBaseDir());
      if (!found.ok) {
        outside ||= found.reason === 'outside';
        continue;
      }
      const cached = this.#cache.get(found.path);
      if (cached) return cached;
      const result = this.#read(found.path, found.size, src);
      this.#cache.set(found.path, result);
      return result;
    }
    if (outside) return { ok: false, warning: `image ${src} is outside the document's folder and was not embedded` };
    return { ok: false, missing: true, warning: `image ${src} not found` };
  }

  /** The document folder's real path, resolved once (undefined if it does not exist). */
  #realBaseDir(): string | undefined {
    if (this.#realBase === undefined && this.#baseDir !== null) {
      try {
        this.#realBase = realpathSync.native(resolve(this.#baseDir));
      } catch {
        // resolveInsideFolder reports the folder as missing
      }
    }
    return this.#realBase;
  }

  #read(full: string, bytes: number, src: string): Embedded {
    // Checked before reading too: a huge file is never loaded.
    if (bytes > this.#maxBytes) {
      return { ok: false, warning: `image ${src} ${sizeOverLimit(bytes, this.#maxBytes)}, and was not embedded` };
    }
    let data: Buffer;
    try {
      // The real path was checked; O_NOFOLLOW refuses a symlink swapped in since (POSIX).
      const fd = openSync(full, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      try {
        data = readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      return { ok: false, warning: `image ${src} could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    return checkImage(data, src, this.#maxBytes, full);
  }

  /** `keepSrc` false: the src is not worth keeping for the Markdown output (javascript:, data:text/html, …). */
  #placeholder(img: ImageRequest, warning: string, keepSrc = true): string {
    this.#warnings.add(warning);
    const src = keepSrc ? (img.src?.trim() ?? '') : '';
    return (
      `<span class="quire-image-placeholder quire-image-missing" data-src="${escapeAttr(src)}" data-alt="${escapeAttr(img.alt)}">` +
      `<span class="quire-image-alt">${escapeText(img.alt || src || 'Image')}</span></span>`
    );
  }
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
