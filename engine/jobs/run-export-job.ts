/**
 * One attempt at one export job: load → prepare (export HTML, worker) → diagrams (Mermaid
 * drawn in the PDF renderer's browser, when the document has any) → html → md (worker)
 * → pdf (main thread) → completed. Each finished step is checkpointed with its artifact's
 * size and hash; a later attempt skips every step whose artifact still verifies, so a crash
 * costs at most the step that was running.
 */
import { existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Errors, isQuireError, toJobError } from '../api/errors.ts';
import { parseStoredSpec, type ExportSpec } from '../api/export-spec.ts';
import type { ExportFormat, JobOutput } from '../api/types.ts';
import type { PdfMetadata } from '../pdf/pdf-metadata.ts';
import type { PdfRenderer, PrintAsset } from '../pdf/pdf-renderer.ts';
import { isPrintForm, printAssetsOf } from '../pipeline/print-assets.ts';
import { printFontFiles } from '../pipeline/fonts.ts';
import { DIAGRAM_MARK } from '../pipeline/diagram-slots.ts';
import type { MarkdownExportInput, MarkdownExportResult } from '../pipeline/markdown-output.ts';
import type { ExportAssets, ExportHtmlInput, ExportHtmlResult } from '../pipeline/types.ts';
import type { AssetStore } from '../store/asset-store.ts';
import type { Database } from '../store/schema.ts';
import { toSnapshot, type Checkpoint, type JobRow, type JobStore } from '../store/job-store.ts';
import { readSnapshot } from '../store/source-snapshots.ts';
import { removeJobTempFiles, verifyFile, writeFileAtomic } from './atomic-files.ts';
import { explainStoreFailure } from '../store/store-health.ts';
import { drawDiagrams } from './diagrams-step.ts';
import { publishOutput } from './output-claims.ts';
import { assetsFolderName, exportMarkdownSource } from './markdown-source-export.ts';
import { progressOf, stepsFor, type RunStep } from './progress.ts';
import { SHUTDOWN } from './scheduler.ts';

/** What the runner needs of the worker pool (engine/pipeline/pool.ts provides it). */
export interface PipelineRunner {
  exportHtml(input: ExportHtmlInput, signal?: AbortSignal): Promise<ExportHtmlResult>;
  markdown(html: string, signal?: AbortSignal): Promise<string>;
  /** A Markdown source's own export, off the main thread (pool.ts); absent: run here. */
  markdownSource?(input: MarkdownExportInput, signal?: AbortSignal): Promise<MarkdownExportResult>;
  /** The PDF with the spec's metadata written into it; `pdf` may be moved (emptied). */
  pdfMetadata(pdf: Uint8Array, meta: PdfMetadata, signal?: AbortSignal, htmlPath?: string): Promise<Uint8Array>;
  /** `html` with its diagram figures' code replaced by `svgs`, sanitized (null keeps the code). */
  inlineDiagrams(html: string, svgs: Array<string | null>, signal?: AbortSignal): Promise<string>;
  /** The standalone HTML of a print form (embed-images.ts); absent: prepare writes the standalone HTML itself. */
  embedImages?(html: string, files: Record<string, string>, signal?: AbortSignal): Promise<string>;
}

export interface RunContext {
  jobs: JobStore;
  /** The store's database: outputs are claimed and recorded in output_files (output-claims.ts). */
  db: Kysely<Database>;
  pipeline: PipelineRunner;
  pdf: () => PdfRenderer;
  /** Folder for intermediate artifacts: <workDir>/<jobId>/. */
  workDir: string;
  /** The documents' stored images: the job embeds the ones its spec lists, by hash. */
  assets: AssetStore;
  /** Every row a write returns goes here (events). */
  publish: (row: JobRow) => void;
  /** Test hook: pause this long at the start of each step, so a crash test can land in it. */
  stepDelayMs?: number;
}

const EXT: Record<ExportFormat, string> = { pdf: 'pdf', html: 'html', md: 'md' };

export function outputPathsFor(outDir: string, base: string): Record<ExportFormat, string> {
  return {
    pdf: path.join(outDir, `${base}.${EXT.pdf}`),
    html: path.join(outDir, `${base}.${EXT.html}`),
    md: path.join(outDir, `${base}.${EXT.md}`),
  };
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(Errors.jobCancelled());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(Errors.jobCancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Says so when outputs did not get their plain names (notes.pdf …), and which files made
 * them move: the user looks for notes.pdf and should learn why it is notes (2).pdf.
 */
export function renamedOutputsWarning(outDir: string, plainBase: string, outputs: JobOutput[]): string[] {
  const moved = outputs.filter((o) => path.basename(o.path) !== `${plainBase}.${EXT[o.format]}`);
  if (moved.length === 0) return [];
  const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
  const plainNames = outputs.map((o) => `${plainBase}.${EXT[o.format]}`);
  const there = plainNames.filter((n) => existsSync(path.join(outDir, n)));
  const why = there.length
    ? `${quoted(there)} already ${there.length > 1 ? 'exist' : 'exists'} and ${there.length > 1 ? 'are' : 'is'} not Quire's output for this document (or another export is writing ${there.length > 1 ? 'them' : 'it'}), so ${there.length > 1 ? 'they were' : 'it was'} left untouched`
    : `another export is writing ${quoted(plainNames)}`;
  return [`Saved as ${quoted(moved.map((o) => path.basename(o.path)))}: ${why}.`];
}

/**
 * The images the job may embed: exactly the spec's, from the asset store (the worker checks
 * each file's hash). Refs missing or refused at import keep their reason as the warning.
 */
function exportAssets(ctx: RunContext, spec: ExportSpec): ExportAssets {
  const files: ExportAssets['files'] = {};
  for (const a of spec.assets) files[a.ref] = { path: ctx.assets.pathOf(a.sha256), sha256: a.sha256 };
  const problems: ExportAssets['problems'] = {};
  for (const a of spec.unavailableAssets) problems[a.ref] = a.warning;
  return { files, problems };
}

/** Whether the PDF renderer serves the print form's images (none here: the pdf step reports that, not prepare). */
function servesAssets(ctx: RunContext): boolean {
  try {
    return ctx.pdf().servesAssets === true;
  } catch {
    return false;
  }
}

/** The stored file of each of the spec's images, by sha256: what embedImages may inline. */
function assetFiles(ctx: RunContext, spec: ExportSpec): Record<string, string> {
  return Object.fromEntries(spec.assets.map((a) => [a.sha256, ctx.assets.pathOf(a.sha256)]));
}

/**
 * What the print page may load: the images prepare linked (listed in the HTML), as the spec
 * stores them, and the bundled fonts it linked, from Quire's own packages (fonts.ts).
 */
function printAssets(ctx: RunContext, spec: ExportSpec, html: string): Record<string, PrintAsset> {
  const linked = printAssetsOf(html);
  const out: Record<string, PrintAsset> = {};
  for (const a of spec.assets) {
    const mime = linked[a.sha256];
    if (mime) out[a.sha256] = { path: ctx.assets.pathOf(a.sha256), mime, bytes: a.bytes };
  }
  for (const [sha, file] of Object.entries(printFontFiles(html))) out[sha] = { path: file, mime: 'font/woff2' };
  return out;
}

/**
 * Runs the job to a final state (completed, error or cancelled), unless its claim is lost,
 * in which case it stops without writing: the new owner finishes it.
 */
export async function runExportJob(ctx: RunContext, claimed: JobRow, token: string, signal: AbortSignal): Promise<void> {
  const { jobs } = ctx;
  const job = toSnapshot(claimed);
  // The spec resolved when the job was created is all the runner reads: a resume, a retry and
  // the UI see the same thing. A damaged one ends the job with an error naming it.
  let spec;
  try {
    spec = parseStoredSpec(job.id, claimed.spec);
  } catch (e) {
    ctx.publish(await jobs.finish(job.id, token, { status: 'error', outputs: [], error: toJobError(e), message: (e as Error).message }).catch(() => claimed));
    return;
  }
  const outDir = spec.outDir;
  const finalPaths = outputPathsFor(outDir, claimed.output_base);
  const jobWork = path.join(ctx.workDir, job.id);
  const preparedPath = path.join(jobWork, 'export.html');
  // A file of its own, not export.html rewritten: prepare's checkpoint must still verify on a resume.
  const diagramsPath = path.join(jobWork, 'export-diagrams.html');
  const steps = stepsFor(spec.formats, { diagrams: spec.style.diagrams });
  // The browser starts while the document is prepared, not after.
  try {
    if (steps.includes('pdf')) ctx.pdf().warmUp?.();
  } catch {
    // No renderer here: the pdf step says so.
  }
  const done = new Set<RunStep>();
  const checkpoints = new Map<string, Checkpoint>();

  const write = async (patch: Parameters<JobStore['update']>[2]) => ctx.publish(await jobs.update(job.id, token, patch));

  const outputsSoFar = (): JobOutput[] =>
    spec.formats
      .filter((f) => done.has(f))
      .map((f) => {
        const cp = checkpoints.get(f)!;
        return { format: f, path: cp.artifactPath, bytes: cp.bytes, sha256: cp.sha256, ...(cp.pages ? { pages: cp.pages } : {}) };
      });

  try {
    // What a killed attempt left half-written never survives into this one.
    await removeJobTempFiles([outDir, jobWork, path.join(outDir, assetsFolderName(claimed.output_base))], job.id);
    for (const cp of await jobs.getCheckpoints(job.id)) {
      if (steps.includes(cp.step as RunStep) && (await verifyFile(cp.artifactPath, cp.bytes, cp.sha256))) {
        done.add(cp.step as RunStep);
        checkpoints.set(cp.step, cp);
      } else {
        await jobs.deleteCheckpoint(job.id, cp.step);
      }
    }
    const resumed = done.size > 0;
    await write({
      progress: progressOf(steps, done),
      message: resumed ? `Resuming after ${[...done].join(', ')}` : 'Loading document',
    });

    // The HTML the outputs are made of: with the drawn diagrams once that step is done.
    let exportHtml: string | undefined;
    const html = async () => (exportHtml ??= await fsp.readFile(checkpoints.get('diagrams')?.artifactPath ?? preparedPath, 'utf8'));
    // Markdown is made from the HTML as prepared: a diagram stays a mermaid code block there.
    const preparedHtml = async () => (checkpoints.has('diagrams') ? await fsp.readFile(preparedPath, 'utf8') : await html());

    // The HTML with every image inlined: what prepare's print form stands for (unchanged if it is standalone already).
    const standalone = async (h: string) => {
      if (!isPrintForm(h)) return h;
      if (!ctx.pipeline.embedImages) throw Errors.internal('The prepared HTML links its images, and this pipeline cannot embed them.');
      return ctx.pipeline.embedImages(h, assetFiles(ctx, spec), signal);
    };

    const checkpoint = async (step: RunStep, file: { path: string; bytes: number; sha256: string }, pages: number | null = null) => {
      const cp: Checkpoint = { step, artifactPath: file.path, bytes: file.bytes, sha256: file.sha256, pages, attempt: claimed.attempt };
      await jobs.putCheckpoint(job.id, token, cp);
      checkpoints.set(step, cp);
      done.add(step);
      await write({ progress: progressOf(steps, done), outputs: outputsSoFar() });
    };

    // Warnings already on the job (from an earlier attempt's prepare) are kept; new ones join them.
    const warnings: string[] = job.warnings;
    const warn = async (list: string[]) => {
      const fresh = list.filter((w) => !warnings.includes(w));
      if (fresh.length === 0) return;
      warnings.push(...fresh);
      await write({ warnings: [...warnings] });
    };

    // Final outputs never land on a source or a file Quire did not write for this document:
    // checked again at the moment of writing, with the next free name if one appeared.
    const publish = (format: ExportFormat, data: Uint8Array | string) =>
      publishOutput(ctx.db, {
        documentId: job.documentId,
        jobId: job.id,
        overwrite: spec.overwrite,
        outDir,
        bases: { reserved: claimed.output_base, plain: spec.fileBase },
        format,
        data,
        claimToken: token,
      });

    for (const step of steps) {
      if (done.has(step)) continue;
      if (signal.aborted) throw Errors.jobCancelled();
      const name = (f: ExportFormat) => path.basename(finalPaths[f]);
      const startMessage: Record<RunStep, string> = {
        prepare: 'Preparing document',
        diagrams: 'Drawing diagrams',
        html: `Writing ${name('html')}`,
        md: 'Converting to Markdown',
        pdf: 'Rendering PDF',
      };
      // A document without diagrams skips their step unseen (no browser, no write).
      if (step === 'diagrams' && !(await html()).includes(DIAGRAM_MARK)) {
        done.add(step);
        continue;
      }
      await write({ step, message: startMessage[step], progress: progressOf(steps, done, step, 0) });
      if (ctx.stepDelayMs) await abortableDelay(ctx.stepDelayMs, signal);

      switch (step) {
        case 'prepare': {
          // The source the job was started with, not the document as it is now.
          const source = await readSnapshot(ctx.db, job.id, spec.source.sha256);
          const result = await ctx.pipeline.exportHtml(
            {
              title: spec.title,
              source,
              format: spec.source.format,
              baseDir: null,
              meta: spec.metadata,
              // Images linked, not inlined, when a PDF is made and its renderer serves them (print-assets.ts).
              assets: { ...exportAssets(ctx, spec), ...(steps.includes('pdf') && ctx.pipeline.embedImages && servesAssets(ctx) ? { print: true } : {}) },
              style: spec.style,
            },
            signal,
          );
          exportHtml = result.html;
          // Diagrams drawn from an earlier prepare's HTML are drawn again from this one.
          if (checkpoints.delete('diagrams')) {
            done.delete('diagrams');
            await jobs.deleteCheckpoint(job.id, 'diagrams');
          }
          // Kept on the job before the checkpoint, so a resume after this step still has them.
          await warn(result.warnings);
          // A runner whose job was taken over meanwhile must not rewrite the new owner's work folder.
          await jobs.assertClaim(job.id, token);
          await fsp.mkdir(jobWork, { recursive: true });
          await checkpoint('prepare', await writeFileAtomic(preparedPath, result.html, job.id));
          break;
        }
        case 'diagrams': {
          const drawn = await drawDiagrams({
            html: await html(),
            renderer: ctx.pdf(),
            pipeline: ctx.pipeline,
            idPrefix: `qd-${job.id.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}`,
            signal,
            onProgress: (i, n) =>
              void write({ message: `Rendering diagram ${i + 1} of ${n}`, progress: progressOf(steps, done, 'diagrams', i / n) }).catch(() => undefined),
          });
          await warn(drawn.warnings);
          exportHtml = drawn.html;
          // Nothing drawn: the step's artifact is prepare's own file.
          const prepared = checkpoints.get('prepare')!;
          await jobs.assertClaim(job.id, token);
          const file = drawn.changed
            ? await writeFileAtomic(diagramsPath, drawn.html, job.id)
            : { path: prepared.artifactPath, bytes: prepared.bytes, sha256: prepared.sha256 };
          await checkpoint('diagrams', file);
          break;
        }
        case 'html': {
          await checkpoint('html', await publish('html', await standalone(await html())));
          break;
        }
        case 'md': {
          let md: string;
          if (spec.source.format === 'md') {
            // A Markdown source is exported as the author wrote it (front matter and image refs
            // updated, images copied beside it), not re-derived from the HTML.
            const out = await exportMarkdownSource({
              db: ctx.db,
              jobId: job.id,
              documentId: job.documentId,
              outDir,
              outputBase: claimed.output_base,
              spec,
              source: await readSnapshot(ctx.db, job.id, spec.source.sha256),
              assetPath: (sha) => ctx.assets.pathOf(sha),
              signal,
              claimToken: token,
              ...(ctx.pipeline.markdownSource ? { convert: (i: MarkdownExportInput, s: AbortSignal) => ctx.pipeline.markdownSource!(i, s) } : {}),
            });
            await warn(out.warnings);
            md = out.markdown;
          } else {
            md = await ctx.pipeline.markdown(await preparedHtml(), signal);
          }
          await write({ message: `Writing ${name('md')}`, progress: progressOf(steps, done, 'md', 0.9) });
          await checkpoint('md', await publish('md', md));
          break;
        }
        case 'pdf': {
          const source = await html();
          const renderer = ctx.pdf();
          // The print form's images are served to the page; a renderer that cannot is given them inlined.
          const page = renderer.servesAssets ? { html: source, assets: printAssets(ctx, spec, source) } : { html: await standalone(source) };
          await write({ progress: progressOf(steps, done, 'pdf', 0.1) });
          const rendered = await renderer.render({
            ...page,
            title: spec.title,
            options: spec.pdf,
            signal,
            onProgress: () => void write({ message: 'Printing pages', progress: progressOf(steps, done, 'pdf', 0.4) }).catch(() => undefined),
          });
          if (signal.aborted) throw Errors.jobCancelled();
          // Chromium sets only the title: the rest of the Info dictionary, XMP and /Lang (a worker: a rewrite can take seconds).
          const meta = spec.metadata;
          const pdf = await ctx.pipeline.pdfMetadata(
            rendered.pdf,
            { title: spec.title, author: meta.author, subject: meta.subject ?? meta.subtitle, keywords: meta.keywords, lang: meta.lang, date: meta.date },
            signal,
            checkpoints.get('diagrams')?.artifactPath ?? preparedPath,
          );
          await write({ message: `Writing ${name('pdf')}`, progress: progressOf(steps, done, 'pdf', 0.95) });
          await checkpoint('pdf', await publish('pdf', pdf), rendered.pages);
          break;
        }
      }
    }

    const outputs = outputsSoFar();
    await warn(renamedOutputsWarning(outDir, spec.fileBase, outputs));
    const summary = outputs.map((o) => path.basename(o.path)).join(', ');
    // The intermediate HTML goes before the final write: every output is already checkpointed.
    // Not if the job was taken over: the folder is the new owner's then.
    await jobs.assertClaim(job.id, token);
    await fsp.rm(jobWork, { recursive: true, force: true });
    ctx.publish(await jobs.finish(job.id, token, { status: 'completed', outputs, message: `Exported ${summary}` }));
  } catch (e) {
    if (isQuireError(e) && e.code === 'CLAIM_LOST') return; // someone else owns it now
    // Failed after losing the claim (its files changed under it?): the cleanup below is the new owner's to do.
    if (!(await jobs.holdsClaim(job.id, token).catch(() => true))) return;
    await removeJobTempFiles([outDir, jobWork, path.join(outDir, assetsFolderName(claimed.output_base))], job.id).catch(() => 0);
    if (signal.aborted && signal.reason === SHUTDOWN) {
      // The app is quitting: hand the job back to the queue; the next start resumes it.
      await jobs.release(job.id, token).then(ctx.publish, () => undefined);
      return;
    }
    const cancelled = signal.aborted || (isQuireError(e) && e.code === 'JOB_CANCELLED');
    try {
      if (cancelled) {
        await fsp.rm(jobWork, { recursive: true, force: true });
        ctx.publish(await jobs.finish(job.id, token, { status: 'cancelled', outputs: outputsSoFar(), message: 'Cancelled' }));
      } else {
        // A full disk under the work folder is the data folder's problem, not the output folder's.
        const error = toJobError(explainStoreFailure(e, path.join(path.dirname(ctx.workDir), 'quire.db')) ?? e);
        // A failed job is never resumed (a retry is a new job): its intermediate HTML, up to
        // hundreds of MB, goes before the final state is seen.
        await fsp.rm(jobWork, { recursive: true, force: true }).catch(() => undefined);
        ctx.publish(await jobs.finish(job.id, token, { status: 'error', outputs: outputsSoFar(), error, message: error.message }));
      }
    } catch (finishError) {
      if (!(isQuireError(finishError) && finishError.code === 'CLAIM_LOST')) throw finishError;
    }
  }
}
