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
 */
import { readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeAttr, escapeText } from './html-tokenizer.ts';
import { urlScheme, type ImageRequest } from './sanitize.ts';

/** Image types Quire embeds, by file extension. */
export const IMAGE_MIME_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
};

export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;

const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp|svg\+xml|avif|bmp)[;,]/i;

export interface ImageInlinerOptions {
  /** Largest file embedded, in bytes (default 10 MB); larger ones become a placeholder. */
  maxImageBytes?: number;
}

type Embedded = { ok: true; dataUri: string } | { ok: false; warning: string };

/** The MIME type the bytes say they are, when it is one of ours; the extension can lie. */
function sniffMime(bytes: Buffer): string | null {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && bytes.toString('latin1', 0, 4) === 'GIF8') return 'image/gif';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

export class ImageInliner {
  readonly #baseDir: string | null;
  readonly #maxBytes: number;
  readonly #cache = new Map<string, Embedded>();
  readonly #warnings = new Set<string>();

  constructor(baseDir: string | null, options: ImageInlinerOptions = {}) {
    this.#baseDir = baseDir;
    this.#maxBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  }

  /** Distinct warnings, in the order they arose. */
  get warnings(): string[] {
    return [...this.#warnings];
  }

  /** The markup that replaces one <img> (see sanitize.ts ImageRequest). */
  render(img: ImageRequest): string {
    const src = img.src?.trim() ?? '';
    if (src === '') return `<img${img.attrs}>`;
    if (src.startsWith('data:')) {
      if (DATA_IMAGE.test(src)) return `<img src="${escapeAttr(src)}"${img.attrs}>`;
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

    const result = this.#embed(path, src);
    if (!result.ok) return this.#placeholder(img, result.warning);
    return `<img src="${result.dataUri}" data-src="${escapeAttr(src)}"${img.attrs}>`;
  }

  #embed(path: string, src: string): Embedded {
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

    let firstFull: string | null = null;
    for (const candidate of candidates) {
      if (!isAbsolute(candidate) && this.#baseDir === null) {
        return { ok: false, warning: `image ${src} not found (the document has no folder to resolve relative paths against)` };
      }
      const full = isAbsolute(candidate) ? candidate : resolve(this.#baseDir!, candidate);
      firstFull ??= full;
      const cached = this.#cache.get(full);
      if (cached) return cached;
      let size: number;
      try {
        const st = statSync(full);
        if (!st.isFile()) continue;
        size = st.size;
      } catch {
        continue;
      }
      const result = this.#read(full, size, src);
      this.#cache.set(full, result);
      return result;
    }
    const ext = extname(firstFull ?? bare).toLowerCase();
    if (!(ext in IMAGE_MIME_TYPES)) return { ok: false, warning: unsupported(src) };
    return { ok: false, warning: `image ${src} not found` };
  }

  #read(full: string, bytes: number, src: string): Embedded {
    const ext = extname(full).toLowerCase();
    const byExtension = IMAGE_MIME_TYPES[ext];
    if (!byExtension) return { ok: false, warning: unsupported(src) };
    if (bytes > this.#maxBytes) {
      return { ok: false, warning: `image ${src} is ${formatSize(bytes)}, larger than the ${formatSize(this.#maxBytes)} limit, and was not embedded` };
    }
    let data: Buffer;
    try {
      data = readFileSync(full);
    } catch (e) {
      return { ok: false, warning: `image ${src} could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const mime = byExtension === 'image/svg+xml' ? byExtension : (sniffMime(data) ?? byExtension);
    return { ok: true, dataUri: `data:${mime};base64,${data.toString('base64')}` };
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

function unsupported(src: string): string {
  return `image ${src} is not a supported image type (Quire embeds png, jpg, jpeg, gif, svg and webp)`;
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
