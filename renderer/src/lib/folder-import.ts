/**
 * A dropped or picked folder, or a .zip, as one flat list of files by their "/"-separated
 * path inside it, and the rules that pair a document's image references with those files.
 * No engine calls here: store/asset-actions.ts sends what these functions pick.
 *
 * @example
 * const files = await filesFromInput(input.files);          // <input webkitdirectory>
 * const docs = files.filter((f) => isFolderDocument(f.path)); // README.md, guide/intro.html …
 * resolveRef('guide/intro.md', './img/a.png');               // 'guide/img/a.png'
 */
import { unzipSync } from 'fflate';

export interface FolderFile {
  /** Path inside the folder or archive, "/"-separated, no leading "/" ("images/a.png"). */
  path: string;
  size: number;
  read(): Promise<Uint8Array>;
}

/** Documents a folder import turns into documents (.txt is left out: LICENSE.txt is not one). */
const FOLDER_DOCUMENT = /\.(?:md|markdown|html?)$/i;

export function isFolderDocument(path: string): boolean {
  return FOLDER_DOCUMENT.test(path) && !path.split('/').some((p) => p.startsWith('.') || p === '__MACOSX' || p === 'node_modules');
}

export function isZip(file: { name: string }): boolean {
  return /\.zip$/i.test(file.name);
}

function fileEntry(path: string, file: File): FolderFile {
  return { path, size: file.size, read: async () => new Uint8Array(await file.arrayBuffer()) };
}

/**
 * Files from `<input type=file webkitdirectory>` (webkitRelativePath starts with the chosen
 * folder's name, which is dropped) or plain multiple files (their names).
 */
export function filesFromInput(list: Iterable<File>): FolderFile[] {
  return [...list].map((f) => {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
    const path = rel ? rel.split('/').slice(1).join('/') : f.name;
    return fileEntry(path || f.name, f);
  });
}

/** The FileSystemEntry API of a drop, as much of it as we use (not in every DOM typing). */
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: Entry[]) => void, fail: (e: unknown) => void): void };
}

async function walk(entry: Entry, prefix: string, out: FolderFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((ok, fail) => entry.file!(ok, fail));
    out.push(fileEntry(path, file));
  } else if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // readEntries returns a directory in pages (100 at a time in Chromium) until an empty one.
    for (;;) {
      const page = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
      if (!page.length) break;
      for (const child of page) await walk(child, path, out);
    }
  }
}

/**
 * What a drop holds: dropped folders are walked (paths inside them, without the folder's
 * own name when one folder was dropped); dropped files keep their names.
 */
export async function filesFromDrop(transfer: DataTransfer): Promise<{ files: FolderFile[]; hadFolder: boolean }> {
  const entries = [...(transfer.items ?? [])]
    .filter((i) => i.kind === 'file')
    .map((i) => (i as DataTransferItem & { webkitGetAsEntry?: () => Entry | null }).webkitGetAsEntry?.() ?? null);
  if (!entries.length || entries.some((e) => e === null) || !entries.some((e) => e!.isDirectory)) {
    return { files: filesFromInput(transfer.files), hadFolder: false };
  }
  const out: FolderFile[] = [];
  for (const e of entries as Entry[]) await walk(e, '', out);
  const single = entries.length === 1 ? `${entries[0]!.name}/` : null;
  return { files: single ? out.map((f) => ({ ...f, path: f.path.slice(single.length) })) : out, hadFolder: true };
}

/**
 * The files inside a .zip (fflate; synchronous: its worker-based unzip is not available
 * everywhere, and a folder of images inflates in well under a second). A single top-level
 * folder, as "Compress folder" makes, is dropped from the paths.
 */
export async function filesFromZip(zip: Blob): Promise<FolderFile[]> {
  const bytes = new Uint8Array(await zip.arrayBuffer());
  const entries = unzipSync(bytes);
  const files = Object.entries(entries)
    .filter(([name]) => !name.endsWith('/'))
    .map(([name, data]): FolderFile => ({ path: name.replace(/\\/g, '/').replace(/^\/+/, ''), size: data.byteLength, read: async () => data }));
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  const [top] = tops;
  if (tops.size === 1 && files.every((f) => f.path.includes('/'))) return files.map((f) => ({ ...f, path: f.path.slice(top!.length + 1) }));
  return files;
}

/** "a/./b/../c.png" → "a/c.png"; null when it climbs out of the folder. */
export function normalizePath(path: string): string | null {
  const out: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/** The folder path of a document's reference (relative to the document's own folder); null if outside. */
export function resolveRef(documentPath: string, ref: string): string | null {
  const dir = documentPath.includes('/') ? documentPath.slice(0, documentPath.lastIndexOf('/')) : '';
  return normalizePath(dir ? `${dir}/${ref}` : ref);
}

/**
 * Which chosen file answers each reference: the same relative path first (a picked folder),
 * else the same file name when exactly one chosen file has it. Unmatched refs are left out.
 */
export function matchFilesToRefs(refs: string[], files: FolderFile[]): Map<string, FolderFile> {
  const byPath = new Map(files.map((f) => [normalizePath(f.path) ?? f.path, f]));
  const byName = new Map<string, FolderFile[]>();
  for (const f of files) {
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    byName.set(name, [...(byName.get(name) ?? []), f]);
  }
  const found = new Map<string, FolderFile>();
  for (const ref of refs) {
    const exact = byPath.get(normalizePath(ref) ?? ref);
    if (exact) {
      found.set(ref, exact);
      continue;
    }
    const same = byName.get(ref.slice(ref.lastIndexOf('/') + 1)) ?? [];
    if (same.length === 1) found.set(ref, same[0]!);
  }
  return found;
}

/** Base64 of bytes, in slices (String.fromCharCode on megabytes at once overflows the stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** Groups items so each group's base64 stays under `maxBase64` and `maxCount` (one oversized item goes alone). */
export function batchBySize<T extends { size: number }>(items: T[], maxBase64: number, maxCount: number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    const n = base64Length(item.size);
    if (current.length && (total + n > maxBase64 || current.length >= maxCount)) {
      batches.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += n;
  }
  if (current.length) batches.push(current);
  return batches;
}
