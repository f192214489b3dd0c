/**
 * `quire` — the headless host of the engine.
 *
 *   quire export <file...> [--format pdf,html,md] [--out DIR] [--overwrite] [--json]
 *   quire jobs [--json]
 *   quire resume [--json]
 *   quire cancel <jobId>
 *   quire watch <jobId> [--json]
 *
 * Every command takes --data-dir DIR (or QUIRE_DATA_DIR). Errors are one line each, naming
 * the file and the problem; no stack traces unless QUIRE_DEBUG=1.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Errors, QuireError, isQuireError } from '../api/errors.ts';
import { EXPORT_FORMATS, formatBytes, isActiveStatus, type ExportFormat, type JobSnapshot } from '../api/types.ts';
import { createEngine, type Engine } from '../engine.ts';
import { assertWritableDir } from '../jobs/atomic-files.ts';
import { DEFAULT_LEASE_MS, runnerIsGone } from '../jobs/scheduler.ts';
import { readDocumentFile, type ImportedFile } from '../store/import-file.ts';
import { exportStageOf } from '../store/workflows.ts';
import { engineOptions } from './engine-options.ts';
import { exitOnStopSignals } from './stop-signals.ts';
import { ProgressView, formatJobLine, jobJson } from './progress-view.ts';

const USAGE = `Usage: quire <command> [options]

Commands:
  export <file...>   Import each file and export it (one durable job per file)
      --format LIST    Comma-separated: pdf,html,md (default: all three)
      --out DIR        Output folder (default: the current folder)
      --overwrite      Replace files already at the output names that Quire did not
                       write for this file (never the source); default: use "name (2)"
      --json           Print one JSON line per job when done
  jobs               List every job with status, progress, step, attempt, outputs, error
  resume             Run every queued or interrupted job to completion
  cancel <jobId>     Cancel a queued or running job
  watch <jobId>      Stream a job's progress until it ends
  serve              Serve the app to a browser on 127.0.0.1 [--port N] [--out DIR]; prints its URL

Options for every command:
  --data-dir DIR     Data folder (default: QUIRE_DATA_DIR or the app's per-user folder)
  --concurrency N    Jobs run at once (export, resume)
  --json             Machine-readable output
  -h, --help         Show this help
`;

interface Io {
  out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  err: { write(s: string): unknown };
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function fail(io: Io, e: unknown): number {
  if (isQuireError(e)) {
    io.err.write(`quire: ${e.message}\n`);
    return e.code === 'INVALID_INPUT' || e.code === 'UNKNOWN_FORMAT' ? EXIT_USAGE : EXIT_FAILED;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.err.write(`quire: unexpected error: ${msg.split('\n')[0]}\n`);
  if (process.env.QUIRE_DEBUG) io.err.write(`${(e as Error)?.stack ?? ''}\n`);
  return EXIT_FAILED;
}

export function parseFormats(list: string | undefined): ExportFormat[] {
  if (list === undefined) return [...EXPORT_FORMATS];
  const parts = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 0) throw Errors.invalidInput('--format needs at least one of: pdf, html, md.');
  for (const p of parts) if (!EXPORT_FORMATS.includes(p as ExportFormat)) throw Errors.unknownFormat(p);
  return EXPORT_FORMATS.filter((f) => parts.includes(f));
}

/** Runs until the given jobs end, drawing progress on a TTY. Ctrl-C leaves them queued for `quire resume`. */
async function follow(engine: Engine, jobIds: string[], io: Io, json: boolean, names: Map<string, string>): Promise<JobSnapshot[]> {
  const view = !json && io.out.isTTY ? new ProgressView(io.out, names) : null;
  const off = view ? engine.onDidChangeJob((job) => jobIds.includes(job.id) && view.update(job)) : () => undefined;
  const release = exitOnStopSignals(engine, io, '\nquire: interrupted; the jobs stay queued. Run "quire resume" to finish them.\n');
  try {
    if (view) for (const j of await Promise.all(jobIds.map((id) => engine.getJob(id)))) view.update(j);
    const finals = await engine.waitForJobs(jobIds);
    view?.finish(finals);
    return finals;
  } finally {
    off();
    release();
  }
}

function report(io: Io, finals: JobSnapshot[], json: boolean, names: Map<string, string>): number {
  for (const job of finals) {
    if (json) io.out.write(`${JSON.stringify(jobJson(job))}\n`);
    else io.out.write(`${formatJobLine(job, names.get(job.id))}\n`);
    // Warnings go to stderr either way: stdout stays one JSON object per job.
    const name = names.get(job.id) ?? job.id;
    for (const w of job.warnings) io.err.write(`quire: ${name}: warning: ${w}\n`);
  }
  return finals.every((j) => j.status === 'completed') ? EXIT_OK : EXIT_FAILED;
}

async function cmdExport(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      'data-dir': { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw Errors.invalidInput('export needs at least one file: quire export <file...>');
  const formats = parseFormats(values.format);
  const outDir = path.resolve(values.out ?? '.');
  const options = engineOptions(values);

  // Every check passes before anything is written: no document, no job, no output.
  const files: ImportedFile[] = [];
  const problems: QuireError[] = [];
  for (const file of positionals) {
    try {
      files.push(readDocumentFile(file));
    } catch (e) {
      if (!isQuireError(e)) throw e;
      problems.push(e);
    }
  }
  try {
    assertWritableDir(outDir);
  } catch (e) {
    if (!isQuireError(e)) throw e;
    problems.push(e);
  }
  if (problems.length) {
    for (const p of problems) io.err.write(`quire: ${p.message}\n`);
    io.err.write(`quire: nothing was exported (${problems.length} problem${problems.length > 1 ? 's' : ''}).\n`);
    return EXIT_FAILED;
  }

  const engine = await createEngine(options);
  try {
    const names = new Map<string, string>();
    const jobIds: string[] = [];
    for (const f of files) {
      // The same file is the same document: a second export replaces its own earlier outputs.
      const doc = await engine.importFile(f);
      const stage = exportStageOf(doc.workflowId)!;
      const { jobId } = await engine.startExport({
        documentId: doc.id,
        stageId: stage.id,
        options: { formats, outDir, fileName: f.baseName, ...(values.overwrite ? { overwrite: true } : {}) },
      });
      names.set(jobId, path.basename(f.path));
      if (!jobIds.includes(jobId)) jobIds.push(jobId); // the same file named twice is one job
    }
    const finals = await follow(engine, jobIds, io, !!values.json, names);
    return report(io, finals, !!values.json, names);
  } finally {
    await engine.close();
  }
}

async function cmdJobs(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  const engine = await createEngine({ ...engineOptions(values), runJobs: false });
  try {
    const jobs = await engine.listJobs();
    if (values.json) {
      for (const j of jobs) io.out.write(`${JSON.stringify({ ...jobJson(j), progress: j.progress, step: j.step, attempt: j.attempt, message: j.message, createdAt: new Date(j.createdAt).toISOString() })}\n`);
    } else if (jobs.length === 0) {
      io.out.write('No jobs yet. Start one with: quire export <file>\n');
    } else {
      for (const j of jobs) io.out.write(`${formatJobLine(j)}\n`);
    }
    return EXIT_OK;
  } finally {
    await engine.close();
  }
}

async function cmdResume(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' }, concurrency: { type: 'string' } } });
  const engine = await createEngine(engineOptions(values));
  const release = exitOnStopSignals(engine, io, '\nquire: interrupted; unfinished jobs stay queued. Run "quire resume" again to finish them.\n');
  try {
    await engine.runUntilIdle();
    // Report what this process ran; jobs run by another process on the same folder are theirs.
    const finals = await Promise.all(engine.jobsHandledHere.map((id) => engine.getJob(id)));
    if (finals.length === 0 && !values.json) io.out.write('Nothing to resume.\n');
    const stillRunning = (await engine.listJobs({ statuses: ['running'] })).length;
    if (stillRunning && !values.json) io.out.write(`${stillRunning} job(s) are running in another Quire process.\n`);
    const { folders, bytes } = engine.leftoversRemoved;
    if (folders && !values.json) io.out.write(`Removed ${folders} leftover folder${folders > 1 ? 's' : ''} (${formatBytes(bytes)}) from earlier runs.\n`);
    return report(io, finals, !!values.json, new Map());
  } finally {
    release();
    await engine.close();
  }
}

async function cmdCancel(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  const id = positionals[0];
  if (!id) throw Errors.invalidInput('cancel needs a job id: quire cancel <jobId> (see "quire jobs").');
  const engine = await createEngine({ ...engineOptions(values), runJobs: false });
  try {
    let job = await engine.cancelExport(id);
    if (job.status === 'running') {
      // Another process runs it; it notices within a heartbeat. Wait for the final state.
      const deadline = Date.now() + 30_000;
      while (isActiveStatus(job.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        job = await engine.getJob(id);
      }
    }
    if (values.json) io.out.write(`${JSON.stringify(jobJson(job))}\n`);
    else if (isActiveStatus(job.status)) io.out.write(`Cancel requested for ${id}; it stops when its runner next checks (or at the next "quire resume").\n`);
    else io.out.write(`${formatJobLine(job)}\n`);
    return job.status === 'cancelled' || isActiveStatus(job.status) ? EXIT_OK : EXIT_FAILED;
  } finally {
    await engine.close();
  }
}

async function cmdWatch(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  const id = positionals[0];
  if (!id) throw Errors.invalidInput('watch needs a job id: quire watch <jobId> (see "quire jobs").');
  const options = engineOptions(values);
  const engine = await createEngine({ ...options, runJobs: false });
  // A watcher runs no jobs: if the process running this one has died, say what finishes it.
  let told = false;
  const orphanCheck = setInterval(() => {
    void engine.jobs
      .getRow(id)
      .then((row) => {
        if (told || row.status !== 'running' || !runnerIsGone(row, os.hostname(), options.leaseMs ?? DEFAULT_LEASE_MS)) return;
        told = true;
        const who = row.owner_pid ? ` (pid ${row.owner_pid}${row.owner_host && row.owner_host !== os.hostname() ? ` on ${row.owner_host}` : ''})` : '';
        io.err.write(`quire: the process running this job${who} has stopped. Run "quire resume" (or start Quire) to finish it; still watching.\n`);
      })
      .catch(() => undefined);
  }, 1_000);
  try {
    const final = await new Promise<JobSnapshot>((resolve, reject) => {
      const off = engine.subscribe(
        id,
        (job) => {
          if (values.json) io.out.write(`${JSON.stringify({ jobId: job.id, seq: job.seq, status: job.status, progress: job.progress, step: job.step, message: job.message })}\n`);
          else io.out.write(`${String(job.progress).padStart(3)}%  ${job.status.padEnd(9)} ${job.message}\n`);
          if (!isActiveStatus(job.status)) {
            off();
            resolve(job);
          }
        },
        (e) => {
          off();
          reject(e);
        },
      );
    });
    return final.status === 'completed' ? EXIT_OK : EXIT_FAILED;
  } finally {
    clearInterval(orphanCheck);
    await engine.close();
  }
}

export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'export':
        return await cmdExport(rest, io);
      case 'jobs':
        return await cmdJobs(rest, io);
      case 'resume':
        return await cmdResume(rest, io);
      case 'cancel':
        return await cmdCancel(rest, io);
      case 'watch':
        return await cmdWatch(rest, io);
      case 'serve':
        return await (await import('./serve.ts')).cmdServe(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out.write(USAGE);
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      default:
        io.err.write(`quire: unknown command "${command}".\n\n${USAGE}`);
        return EXIT_USAGE;
    }
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      io.err.write(`quire: ${(e as Error).message}\n\nRun "quire --help" for usage.\n`);
      return EXIT_USAGE;
    }
    return fail(io, e);
  }
}
