/**
 * The runner's `md` step for a Markdown source: the author's text (markdown-output.ts) with its
 * images made to work from the output folder.
 *
 * - Output folder = the document's own folder: references stay as written (they already work).
 * - Elsewhere: each image the job holds (spec.assets, by hash in the asset store) is copied to
 *   `<outDir>/<base>.assets/<name>` and its references rewritten to that relative path. The
 *   folder is named after the job's output base, which the claims keep unique per document in
 *   a folder, so two documents exported to one folder never share or mix image files (a plain
 *   `assets/` would); "notes.md" + "notes.assets/" also reads as one pair, as a browser's
 *   "Save page" does. Each copy is claimed and recorded like an output (publishFileAt): never
 *   over a source, a user's file or another document's output (it takes "name (2).png"
 *   instead), written to a temp file and renamed, so a crash leaves no half file and a resumed
 *   step writes the same files again.
 * - Images missing at import keep pointing at where the author had them, relative to the
 *   output folder, when the document's folder is known.
 *
 * @example
 * const { markdown, warnings } = await exportMarkdownSource({ db, jobId, documentId, outDir, outputBase: 'notes', spec, source, assetPath, signal });
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Errors } from '../api/errors.ts';
import type { ExportSpec } from '../api/export-spec.ts';
import { nthName, safeBaseName, MAX_NAME_NUMBER } from '../api/output-names.ts';
import { markdownExport, type MarkdownExportInput, type MarkdownExportResult } from '../pipeline/markdown-output.ts';
import { removeJobTempFiles, sha256Of } from './atomic-files.ts';
import { publishFileAt } from './output-claims.ts';
import { foldKey } from './output-keys.ts';
import type { Database } from '../store/schema.ts';

export interface MarkdownSourceExportInput {
  db: Kysely<Database>;
  jobId: string;
  documentId: string;
  outDir: string;
  /** The job's reserved output base ("notes", "notes (2)"): names the images folder. */
  outputBase: string;
  spec: Pick<ExportSpec, 'title' | 'metadata' | 'assets' | 'unavailableAssets'>;
  /** The job's source snapshot. */
  source: string;
  /** Where the asset store keeps the file with this hash. */
  assetPath: (sha256: string) => string;
  signal: AbortSignal;
  /** The runner's claim token: copies are refused once the job was taken over (output-claims.ts). */
  claimToken?: string;
  /**
   * Runs markdownExport (the runner passes the worker pool's: it lexes the whole document, which
   * must not block the main thread); default: here.
   */
  convert?: (input: MarkdownExportInput, signal: AbortSignal) => Promise<MarkdownExportResult>;
}

/** The folder beside `<base>.md` that holds its images. */
export function assetsFolderName(outputBase: string): string {
  return `${outputBase}.assets`;
}

async function realDir(dir: string): Promise<string> {
  try {
    return foldKey(await fsp.realpath(dir));
  } catch {
    return foldKey(path.resolve(dir));
  }
}

const toPosix = (p: string) => p.split(path.sep).join('/');

/** A file name for the image from its ref's own name, safe on every OS ("../x/my chart.PNG" → "my chart.PNG"). */
function imageFileName(ref: string): { stem: string; ext: string } {
  const name = ref.split('/').pop() ?? '';
  const rawExt = path.extname(name);
  const ext = /^\.[A-Za-z0-9]{1,10}$/.test(rawExt) ? rawExt : '';
  return { stem: safeBaseName(name.slice(0, name.length - rawExt.length) || 'image'), ext };
}

/** Is `dir` a real folder (not a symlink, not a file)? Creates it when nothing is there. */
async function ensureOwnFolder(dir: string): Promise<string | null> {
  try {
    const st = await fsp.lstat(dir);
    return st.isDirectory() ? null : `"${path.basename(dir)}" exists and is not a plain folder`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `"${path.basename(dir)}" cannot be read (${(e as NodeJS.ErrnoException).code})`;
  }
  try {
    await fsp.mkdir(dir);
    return null;
  } catch (e) {
    return `the folder "${path.basename(dir)}" could not be made (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
}

export async function exportMarkdownSource(input: MarkdownSourceExportInput): Promise<{ markdown: string; warnings: string[] }> {
  const { spec } = input;
  const warnings: string[] = [];
  const imageRefs = new Map<string, string>();
  const doc = await input.db.selectFrom('documents').select('base_dir').where('id', '=', input.documentId).executeTakeFirst();
  const baseDir = doc?.base_dir ?? null;
  const inOwnFolder = baseDir !== null && (await realDir(baseDir)) === (await realDir(input.outDir));

  if (!inOwnFolder && spec.assets.length > 0) {
    const folderName = assetsFolderName(input.outputBase);
    const folder = path.join(input.outDir, folderName);
    const problem = await ensureOwnFolder(folder);
    if (problem) {
      warnings.push(`The images of ${input.outputBase}.md were not copied: ${problem} in ${input.outDir}. Its image references point at the original files.`);
    } else {
      // What a killed attempt left half-copied goes first; the copies below are then redone whole.
      await removeJobTempFiles([folder], input.jobId);
      const taken = new Set<string>();
      for (const asset of spec.assets) {
        if (input.signal.aborted) throw Errors.jobCancelled();
        let data: Buffer;
        try {
          data = await fsp.readFile(input.assetPath(asset.sha256));
        } catch {
          data = Buffer.alloc(0);
        }
        if (data.byteLength !== asset.bytes || sha256Of(data) !== asset.sha256) {
          warnings.push(`image ${asset.ref} was not copied beside ${input.outputBase}.md: Quire's stored copy is missing or damaged (import the document again).`);
          continue;
        }
        const { stem, ext } = imageFileName(asset.ref);
        for (let n = 1; n <= MAX_NAME_NUMBER; n++) {
          const name = `${nthName(stem, n)}${ext}`;
          if (taken.has(foldKey(name))) continue;
          const written = await publishFileAt(input.db, { documentId: input.documentId, jobId: input.jobId, file: path.join(folder, name), data, claimToken: input.claimToken });
          if (!written) continue; // a file that is not this document's: left alone, next name
          taken.add(foldKey(name));
          imageRefs.set(asset.ref, `${folderName}/${name}`);
          break;
        }
      }
    }
  }
  if (!inOwnFolder && baseDir !== null) {
    // Not copied (missing at import, or refused above): the reference still finds the original place.
    for (const ref of [...spec.unavailableAssets.map((a) => a.ref), ...spec.assets.map((a) => a.ref)]) {
      if (imageRefs.has(ref) || path.isAbsolute(ref) || /^[a-zA-Z]:\//.test(ref)) continue;
      imageRefs.set(ref, toPosix(path.relative(input.outDir, path.resolve(baseDir, ref))));
    }
  }
  const convert = input.convert ?? (async (i: MarkdownExportInput) => markdownExport(i));
  const out = await convert({ source: input.source, title: spec.title, metadata: spec.metadata, imageRefs }, input.signal);
  return { markdown: out.markdown, warnings: [...warnings, ...out.warnings] };
}
