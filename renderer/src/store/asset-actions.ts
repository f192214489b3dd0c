/**
 * A document's images: importing a folder or a .zip with them, adding the ones a document
 * is missing, and the address the preview loads a stored one from.
 */
import { MAX_ASSET_CALL_BASE64 } from '../../../engine/api/schemas.ts';
import type { DocumentAsset, QuireDocument } from '../../../engine/api/types.ts';
import {
  base64Length,
  batchBySize,
  filesFromZip,
  isFolderDocument,
  isZip,
  matchFilesToRefs,
  resolveRef,
  toBase64,
  type FolderFile,
} from '../lib/folder-import.ts';
import { MAX_IMPORT_BYTES, importFiles } from './documents-actions.ts';
import { errorMessage, quire, store } from './quire-client.ts';

/** Base64 per addDocumentAssets call: well under the engine's limit, so a call stays quick. */
const BATCH_BASE64 = 16 * 1024 * 1024;
const BATCH_FILES = 64;
/** The largest single file one call can carry, in MB (the engine refuses images over 10 MB anyway). */
const MAX_FILE_MB = Math.floor((MAX_ASSET_CALL_BASE64 / 4) * 3 / 1024 / 1024);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `${assetBase}/${sha256}` with the session's token (browser host), or null where there is none. */
export function assetUrl(sha256: string): string | null {
  const { hostInfo, downloadToken } = store();
  if (!hostInfo?.assetBase || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  const query = downloadToken ? `?token=${encodeURIComponent(downloadToken)}` : '';
  return `${hostInfo.assetBase}/${sha256}${query}`;
}

/**
 * Where the engine's preview points a stored image (previewDocument's `imageUrl`): the host's
 * address with `{sha256}` for the file's hash. Undefined where the host serves no files: the
 * preview then shows the export's placeholders.
 */
export function previewImageUrl(): string | undefined {
  const { hostInfo, downloadToken } = store();
  if (!hostInfo?.assetBase) return undefined;
  const query = downloadToken ? `?token=${encodeURIComponent(downloadToken)}` : '';
  return `${hostInfo.assetBase}/{sha256}${query}`;
}

export function unresolvedAssets(doc: QuireDocument | undefined): DocumentAsset[] {
  return (doc?.assets ?? []).filter((a) => a.status !== 'stored');
}

interface SendResult {
  doc: QuireDocument | null;
  /** Refs not sent because a single file is larger than one call may carry. */
  tooLarge: string[];
}

/** Sends `ref → file` pairs in batches; the document as the engine returns it after the last one. */
async function sendAssets(documentId: string, pairs: Array<{ ref: string; file: FolderFile }>): Promise<SendResult> {
  const tooLarge = pairs.filter((p) => base64Length(p.file.size) > MAX_ASSET_CALL_BASE64).map((p) => p.ref);
  const sendable = pairs.filter((p) => base64Length(p.file.size) <= MAX_ASSET_CALL_BASE64).map((p) => ({ ...p, size: p.file.size }));
  let doc: QuireDocument | null = null;
  for (const batch of batchBySize(sendable, BATCH_BASE64, BATCH_FILES)) {
    const files = await Promise.all(batch.map(async (p) => ({ path: p.ref, data: toBase64(await p.file.read()) })));
    doc = await quire().addDocumentAssets(documentId, files);
  }
  if (doc) store().patchDocument(documentId, { assets: doc.assets });
  return { doc, tooLarge };
}

function storedCount(doc: QuireDocument): number {
  return doc.assets.filter((a) => a.status === 'stored').length;
}

/** "README.md with 35 images (1 still missing: a.png)". */
function importSummary(path: string, doc: QuireDocument): string {
  const stored = storedCount(doc);
  const open = unresolvedAssets(doc);
  const missing = open.length ? ` (${open.length} not found: ${open.slice(0, 3).map((a) => a.ref).join(', ')}${open.length > 3 ? ', …' : ''})` : '';
  return `${path}${stored ? ` with ${plural(stored, 'image')}` : ''}${missing}`;
}

/**
 * Imports each Markdown/HTML document of a folder (or the folders inside .zip files) and
 * sends the files each one refers to from the same folder. Other files are ignored.
 */
export async function importFolder(files: FolderFile[]): Promise<string[]> {
  const docs = files.filter((f) => isFolderDocument(f.path));
  if (!docs.length) {
    store().pushNotice('error', 'That folder has no Markdown (.md) or HTML (.html) document to import.');
    return [];
  }
  const byPath = new Map(files.map((f) => [f.path, f]));
  const ids: string[] = [];
  const imported: string[] = [];
  for (const entry of docs) {
    if (entry.size > MAX_IMPORT_BYTES) {
      store().pushNotice('error', `${entry.path}: is larger than 10 MB; split it into smaller documents.`);
      continue;
    }
    try {
      const content = new TextDecoder().decode(await entry.read());
      const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      let doc = await quire().importDocument({ fileName: name, content });
      store().setDocument(doc);
      ids.push(doc.id);
      const pairs = unresolvedAssets(doc).flatMap((a) => {
        // The engine's refs are already decoded and normalised; only the document's folder is added.
        const at = resolveRef(entry.path, a.ref);
        const file = at === null ? undefined : byPath.get(at);
        return file ? [{ ref: a.ref, file }] : [];
      });
      const sent = pairs.length ? await sendAssets(doc.id, pairs) : { doc: null, tooLarge: [] };
      doc = sent.doc ?? doc;
      imported.push(importSummary(entry.path, doc));
      if (sent.tooLarge.length) store().pushNotice('error', `${entry.path}: ${sent.tooLarge.join(', ')} not added: larger than ${MAX_FILE_MB} MB.`);
    } catch (e) {
      const msg = errorMessage(e);
      store().pushNotice('error', msg.includes(entry.path) ? msg : `${entry.path}: ${msg}`);
    }
  }
  if (imported.length) store().pushNotice('info', `Imported ${imported.join('; ')}.`);
  return ids;
}

/** A drop or pick of plain files: .zip archives are opened as folders, the rest imported as before. */
export async function importChosenFiles(files: File[]): Promise<string[]> {
  const ids: string[] = [];
  const plain = files.filter((f) => !isZip(f));
  if (plain.length) {
    const imported = await importFiles(plain);
    ids.push(...imported);
    // A file alone cannot bring its images: say so where the user is looking now.
    for (const id of imported) {
      const doc = store().docs[id];
      const open = unresolvedAssets(doc).length;
      if (doc && open) store().pushNotice('info', `“${doc.title}” refers to ${plural(open, 'image')} Quire does not have: open it to add them, or import its folder or a .zip instead.`);
    }
  }
  for (const zip of files.filter(isZip)) {
    let entries: FolderFile[];
    try {
      entries = await filesFromZip(zip);
    } catch (e) {
      store().pushNotice('error', `${zip.name}: could not be opened as a .zip archive (${errorMessage(e)}).`);
      continue;
    }
    ids.push(...(await importFolder(entries)));
  }
  return ids;
}

/**
 * The user's chosen files for a document's missing images: each matched by path, else by a
 * unique file name; the notice says what was added and what still is not.
 */
export async function addImages(documentId: string, chosen: FolderFile[]): Promise<void> {
  const doc = store().docs[documentId];
  const open = unresolvedAssets(doc).map((a) => a.ref);
  const matched = matchFilesToRefs(open, chosen);
  if (!matched.size) {
    store().pushNotice('error', `None of the chosen files is one of the missing images (${open.join(', ')}). Choose files with those names.`);
    return;
  }
  try {
    const { doc: after, tooLarge } = await sendAssets(
      documentId,
      [...matched].map(([ref, file]) => ({ ref, file })),
    );
    if (tooLarge.length) store().pushNotice('error', `${tooLarge.join(', ')} not added: larger than ${MAX_FILE_MB} MB.`);
    if (!after) return;
    // Only what this pick changed: the list below the editor shows what is still missing.
    const byRef = new Map(after.assets.map((a) => [a.ref, a]));
    const added = [...matched.keys()].filter((ref) => byRef.get(ref)?.status === 'stored');
    const refused = [...matched.keys()].map((ref) => byRef.get(ref)).filter((a) => a && a.status !== 'stored');
    const left = unresolvedAssets(after).length;
    if (added.length) store().pushNotice('info', `Added ${added.join(', ')}.${left ? ` ${plural(left, 'image')} still missing.` : ''}`);
    if (refused.length) store().pushNotice('error', `Not added: ${refused.map((a) => `${a!.ref} (${a!.problem ?? 'refused'})`).join(', ')}.`);
  } catch (e) {
    store().pushNotice('error', `Could not add the images: ${errorMessage(e)}`);
  }
}
