/**
 * A document's assets: one row per local image its source refers to (asset-refs.ts gives the
 * refs), each stored by content in the AssetStore, missing, or refused with the reason. The
 * rows are re-derived whenever the source changes: refs no longer used are dropped, new ones
 * are read from the document's folder when it has one, else missing until the user adds them.
 *
 * @example
 * const refs = scanAssetRefs(source, 'md');
 * const found = await readFolderAssets(store, '/docs/primer', refs);  // before the transaction
 * await reconcileDocumentAssets(trx, docId, { refs, found });         // inside it
 * await listDocumentAssets(db, docId); // [{ ref: 'images/a.png', status: 'stored', sha256: '…', … }]
 */
import type { Kysely } from 'kysely';
import { Errors } from '../api/errors.ts';
import type { AssetFile, DocumentAsset, QuireDocument } from '../api/types.ts';
import { normaliseAssetRef } from '../pipeline/asset-refs.ts';
import { ImageInliner, checkImage } from '../pipeline/images.ts';
import type { AssetStore } from './asset-store.ts';
import { immediate } from './db.ts';
import type { Database } from './schema.ts';

/** What an import learnt about the refs, and what a ref nobody has a file for is told. */
export interface AssetScan {
  /** Every local ref of the source, normalised (scanAssetRefs). */
  refs: string[];
  /** Refs read from the document's folder: stored, missing or refused there. */
  found?: ReadonlyMap<string, DocumentAsset>;
}

/**
 * The problem of a ref that arrived without its file (an import from the UI, an edit), said as
 * the end of "image <ref> …": the export's warning is made from it.
 */
export const NOT_IMPORTED = 'not found: it was not imported with the document (add it in the Write stage)';

export async function listDocumentAssets(db: Kysely<Database>, documentId: string): Promise<DocumentAsset[]> {
  const rows = await db.selectFrom('document_assets').selectAll().where('document_id', '=', documentId).orderBy('ref').execute();
  return rows.map((r) => ({ ref: r.ref, status: r.status, sha256: r.sha256, bytes: r.bytes, mediaType: r.media_type, problem: r.problem }));
}

/** A stored file's row for `ref` (its bytes already put in the store). */
export function storedAsset(ref: string, file: { sha256: string; bytes: number }, mediaType: string): DocumentAsset {
  return { ref, status: 'stored', sha256: file.sha256, bytes: file.bytes, mediaType, problem: null };
}

function lacking(ref: string, status: 'missing' | 'refused', problem: string): DocumentAsset {
  return { ref, status, sha256: null, bytes: null, mediaType: null, problem };
}

/**
 * Reads each ref from the document's folder with the export's rules (inside the folder after
 * symlinks, a real image by its bytes, within the size limit) and stores the good ones.
 * Written before the rows that name them: removeUnused spares young files for that reason.
 */
export async function readFolderAssets(store: AssetStore, baseDir: string, refs: string[]): Promise<Map<string, DocumentAsset>> {
  const folder = new ImageInliner(baseDir);
  const found = new Map<string, DocumentAsset>();
  for (const ref of refs) {
    const image = folder.load(ref);
    if (image.ok) {
      found.set(ref, storedAsset(ref, await store.put(image.data), image.mime));
    } else if (image.missing) {
      // Said as the end of "image <ref> …": the export's warning is made from it.
      found.set(ref, lacking(ref, 'missing', `not found in ${baseDir} when the document was imported (put it there and export again, or add it in the Write stage)`));
    } else {
      found.set(ref, lacking(ref, 'refused', image.warning));
    }
  }
  return found;
}

/**
 * A file the user sent for `ref` (addDocumentAssets), checked like one read from a folder and
 * stored when it passes; a refused row says why.
 */
export async function assetFromBytes(store: AssetStore, ref: string, data: Buffer): Promise<DocumentAsset> {
  const image = checkImage(data, ref);
  if (!image.ok) return lacking(ref, 'refused', image.warning);
  return storedAsset(ref, await store.put(data), image.mime);
}

/**
 * Stores the files that match one of the document's refs (by normalised path), checked like
 * a file read from a folder; returns how many rows changed. Files no ref names are ignored.
 */
export async function addAssetFiles(db: Kysely<Database>, store: AssetStore, doc: QuireDocument, files: AssetFile[]): Promise<number> {
  const refs = new Set(doc.assets.map((a) => a.ref));
  const rows: DocumentAsset[] = [];
  for (const file of files) {
    const ref = normaliseAssetRef(file.path);
    if (ref !== null && refs.has(ref)) rows.push(await assetFromBytes(store, ref, Buffer.from(file.data, 'base64')));
  }
  if (rows.length === 0) return 0;
  return immediate(db, async (trx) => {
    // Only refs the document still has: an edit may have dropped one meanwhile.
    const current = new Set((await trx.selectFrom('document_assets').select('ref').where('document_id', '=', doc.id).execute()).map((r) => r.ref));
    const kept = rows.filter((row) => current.has(row.ref));
    for (const row of kept) await putAssetRow(trx, doc.id, row);
    return kept.length;
  });
}

/** A stored file some document refers to, checked against its hash; else ASSET_NOT_FOUND. */
export async function readStoredAsset(db: Kysely<Database>, store: AssetStore, sha256: string): Promise<{ data: Buffer; mediaType: string }> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw Errors.assetNotFound(sha256);
  const row = await db.selectFrom('document_assets').select('media_type').where('sha256', '=', sha256).where('status', '=', 'stored').executeTakeFirst();
  const data = row ? await store.read(sha256) : null;
  if (!row || !data) throw Errors.assetNotFound(sha256);
  return { data, mediaType: row.media_type ?? 'application/octet-stream' };
}

/**
 * Brings the rows in line with the source's refs (call inside the transaction that writes the
 * source): rows of refs no longer used go; what the folder had wins, except that a file
 * missing there does not drop one already stored; a new ref without a file is missing.
 */
export async function reconcileDocumentAssets(db: Kysely<Database>, documentId: string, scan: AssetScan): Promise<void> {
  const existing = new Map((await listDocumentAssets(db, documentId)).map((a) => [a.ref, a]));
  const keep = new Set(scan.refs);
  const gone = [...existing.keys()].filter((ref) => !keep.has(ref));
  if (gone.length) await db.deleteFrom('document_assets').where('document_id', '=', documentId).where('ref', 'in', gone).execute();
  for (const ref of scan.refs) {
    const found = scan.found?.get(ref);
    const old = existing.get(ref);
    let next: DocumentAsset;
    if (found && (found.status !== 'missing' || old?.status !== 'stored')) next = found;
    else if (old) continue;
    else next = lacking(ref, 'missing', NOT_IMPORTED);
    await putAssetRow(db, documentId, next);
  }
}

/** Writes one row (insert or replace by document and ref). */
export async function putAssetRow(db: Kysely<Database>, documentId: string, asset: DocumentAsset): Promise<void> {
  const values = {
    status: asset.status,
    sha256: asset.sha256,
    bytes: asset.bytes,
    media_type: asset.mediaType,
    problem: asset.problem,
    updated_at: Date.now(),
  };
  await db
    .insertInto('document_assets')
    .values({ document_id: documentId, ref: asset.ref, ...values })
    .onConflict((oc) => oc.columns(['document_id', 'ref']).doUpdateSet(values))
    .execute();
}

/**
 * Every hash something still needs: a document's row, or the spec of a queued or running job
 * (a job exports the images it was started with, even after the document moved on).
 */
export async function assetHashesInUse(db: Kysely<Database>): Promise<Set<string>> {
  const inUse = new Set<string>();
  for (const r of await db.selectFrom('document_assets').select('sha256').where('sha256', 'is not', null).distinct().execute()) inUse.add(r.sha256!);
  for (const job of await db.selectFrom('jobs').select('spec').where('status', 'in', ['queued', 'running']).execute()) {
    try {
      for (const a of (JSON.parse(job.spec) as { assets?: Array<{ sha256?: unknown }> }).assets ?? []) {
        if (typeof a.sha256 === 'string') inUse.add(a.sha256);
      }
    } catch {
      // a damaged spec ends its job in error; it needs no files
    }
  }
  return inUse;
}
