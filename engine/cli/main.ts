/**
 * `quire` — the headless host of the engine.
 *
 *   quire export <file...> [--format pdf,html,md] [--out DIR] [--overwrite] [--theme NAME] [--css FILE]
 *                [--[no-]toc] [--no-math] [--no-diagrams] [--no-highlight] [--title T] [--author A] … [--json]
 *   quire themes [--json]
 *   quire jobs [--json]
 *   quire resume [--json]
 *   quire cancel <jobId>
 *   quire watch <jobId> [--json]
 *   quire serve [--port N] [--out DIR] [--token TOKEN]
 *   quire <command> --help, quire --version
 *
 * Every command takes --data-dir DIR (or QUIRE_DATA_DIR); what each one accepts is the table
 * in commands.ts. Errors are one line each, naming the file and the problem; no stack traces
 * unless QUIRE_DEBUG=1. Exit status: 0 done, 1 failed or input refused, 2 usage error.
 */
import os from 'node:os';
import path from 'node:path';
import { Errors, QuireError, isQuireError } from '../api/errors.ts';
import { THEMES, THEME_DESCRIPTIONS, checkCallOption } from '../api/export-spec.ts';
import { frontMatterLayer, parseFrontMatter } from '../api/front-matter.ts';
import { formatBytes, isActiveStatus, type ExportFormat, type JobSnapshot } from '../api/types.ts';
import { createEngine, type Engine } from '../engine.ts';
import { assertWritableDir } from '../jobs/output-dir.ts';
import { readUserCssFile } from '../jobs/user-css.ts';
import { DEFAULT_LEASE_MS } from '../jobs/scheduler.ts';
import { readDocumentFile, type ImportedFile } from '../store/import-file.ts';
import { exportStageOf } from '../store/workflows.ts';
import { UsageError, closest, parseCommandArgs, type ParsedArgs } from './args.ts';
import { COMMANDS, COMMAND_NAMES, commandHelp, isCommandName, readVersion, topLevelUsage, type CommandName } from './commands.ts';
import { engineOptions } from './engine-options.ts';
import { exportCallOptions } from './export-flags.ts';
import { exitOnStopSignals } from './stop-signals.ts';
import { ProgressView, formatJobLine, jobJson, plural } from './progress-view.ts';

const USAGE = topLevelUsage();

/** bin/quire asks each command's --help of the bundle it built, to answer --help without loading it. */
export { COMMAND_NAMES };

interface Io {
  out: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  err: { write(s: string): unknown };
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** One line per error; a usage error (exit 2) also says where the command's usage is. */
function fail(io: Io, e: unknown, command: CommandName | undefined): number {
  const helpHint = `Run "quire${command ? ` ${command}` : ''} --help" for usage.\n`;
  if (e instanceof UsageError) {
    io.err.write(`quire: ${e.message}\n${helpHint}`);
    return EXIT_USAGE;
  }
  if (isQuireError(e)) {
    io.err.write(`quire: ${e.message}\n`);
    // A bad option value (--format docx, --concurrency 0, --port x) is a usage error; a bad file or folder is not.
    if (e.code !== 'INVALID_INPUT' && e.code !== 'INVALID_OPTIONS') return EXIT_FAILED;
    io.err.write(helpHint);
    return EXIT_USAGE;
  }
  const msg = e instanceof Error ? e.message : String(e);
  io.err.write(`quire: unexpected error: ${msg.split('\n')[0]}\n`);
  if (process.env.QUIRE_DEBUG) io.err.write(`${(e as Error)?.stack ?? ''}\n`);
  return EXIT_FAILED;
}

/** --format "pdf,md" as the call's formats, checked by the one model (engine/api/export-spec.ts). */
export function parseFormats(list: string | undefined): ExportFormat[] | undefined {
  if (list === undefined) return undefined;
  const parts = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return checkCallOption('formats', parts as ExportFormat[], '--format');
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

/**
 * Whether a file exported with formats unsaid may print a PDF: unless its front matter's
 * `formats` leaves PDF out, the defaults print one. (A stage's saved formats, above the front
 * matter, are not read here: this only decides whether the browser starts early.)
 */
function mayPrint(file: ImportedFile): boolean {
  if (file.format !== 'md') return true;
  const formats = frontMatterLayer(parseFrontMatter(file.source).data).options.formats;
  return !Array.isArray(formats) || formats.some((f) => String(f).trim().toLowerCase() === 'pdf');
}

type Args<C extends CommandName> = Extract<ParsedArgs<(typeof COMMANDS)[C]['options']>, { help: false }>;

async function cmdExport({ values, positionals }: Args<'export'>, io: Io): Promise<number> {
  const formats = parseFormats(values.format);
  const style = exportCallOptions(values, process.cwd());
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
  try {
    // A CSS file that cannot be read is refused input like a missing document (exit 1).
    if (style.css) readUserCssFile(style.css, '--css');
  } catch (e) {
    if (!isQuireError(e)) throw e;
    problems.push(e);
  }
  if (problems.length) {
    for (const p of problems) io.err.write(`quire: ${p.message}\n`);
    io.err.write(`quire: nothing was exported (${plural(problems.length, 'problem')}).\n`);
    return EXIT_FAILED;
  }

  const engine = await createEngine(options);
  // The browser starts while the files are imported and queued.
  if (formats ? formats.includes('pdf') : files.some(mayPrint)) engine.warmUpPdf();
  try {
    const names = new Map<string, string>();
    const jobIds: string[] = [];
    let refused = 0;
    const requests = [];
    for (const f of files) {
      // The same file is the same document: a second export replaces its own earlier outputs.
      const doc = await engine.importFile(f);
      const stage = exportStageOf(doc.workflowId)!;
      requests.push({
        documentId: doc.id,
        stageId: stage.id,
        options: { ...style, ...(formats ? { formats } : {}), outDir, fileName: f.baseName, ...(values.overwrite ? { overwrite: true } : {}) },
      });
    }
    // One batch: its jobs share transactions (one fsync per batch of jobs, not one per file).
    const started = await engine.startExports(requests);
    const seen = new Set<string>();
    for (const [i, r] of started.entries()) {
      const f = files[i]!;
      if ('error' in r) {
        // What a document asks for itself (its front matter's css:, theme …) refuses that document
        // only: refused input (exit 1), not a mistake in the command; the other files go on.
        if (r.error.code !== 'INVALID_OPTIONS') throw r.error;
        io.err.write(`quire: ${path.basename(f.path)}: ${r.error.message}\n`);
        refused++;
        continue;
      }
      names.set(r.jobId, path.basename(f.path));
      if (!seen.has(r.jobId)) jobIds.push(r.jobId); // the same file named twice is one job
      seen.add(r.jobId);
    }
    const finals = jobIds.length ? await follow(engine, jobIds, io, !!values.json, names) : [];
    const code = report(io, finals, !!values.json, names);
    return refused ? EXIT_FAILED : code;
  } finally {
    await engine.close();
  }
}

/** The built-in themes, one a line: its name (for --theme) and what it looks like. */
function cmdThemes({ values }: Args<'themes'>, io: Io): number {
  for (const name of THEMES) {
    if (values.json) io.out.write(`${JSON.stringify({ name, description: THEME_DESCRIPTIONS[name] })}\n`);
    else io.out.write(`${name.padEnd(8)}  ${THEME_DESCRIPTIONS[name]}\n`);
  }
  if (!values.json) io.out.write('\nUse one with: quire export <file> --theme NAME (or "theme:" in the front matter).\n');
  return EXIT_OK;
}

/** Each job's document title, by job id; a job whose document is gone is named by the document's id. */
async function documentNames(engine: Engine, jobs: JobSnapshot[]): Promise<Map<string, string>> {
  const titles = new Map((await engine.listDocuments()).map((d) => [d.id, d.title]));
  return new Map(jobs.map((j) => [j.id, titles.get(j.documentId) ?? j.documentId]));
}

async function cmdJobs({ values }: Args<'jobs'>, io: Io): Promise<number> {
  const engine = await createEngine({ ...engineOptions(values), runJobs: false });
  try {
    // A page at a time (keyset on an index): 10,000 jobs print without holding them all.
    const titles = new Map((await engine.listDocuments()).map((d) => [d.id, d.title]));
    let page = await engine.listJobsPage({ limit: 500 });
    if (page.jobs.length === 0 && !values.json) io.out.write('No jobs yet. Start one with: quire export <file>\n');
    for (;;) {
      for (const j of page.jobs) {
        const document = titles.get(j.documentId) ?? j.documentId;
        if (values.json) {
          const line = { ...jobJson(j), document, progress: j.progress, step: j.step, attempt: j.attempt, message: j.message, createdAt: new Date(j.createdAt).toISOString() };
          io.out.write(`${JSON.stringify(line)}\n`);
        } else {
          io.out.write(`${formatJobLine(j, document)}\n`);
        }
      }
      if (!page.nextCursor) break;
      page = await engine.listJobsPage({ limit: 500, cursor: page.nextCursor });
    }
    return EXIT_OK;
  } finally {
    await engine.close();
  }
}

async function cmdResume({ values }: Args<'resume'>, io: Io): Promise<number> {
  const engine = await createEngine(engineOptions(values));
  const release = exitOnStopSignals(engine, io, '\nquire: interrupted; unfinished jobs stay queued. Run "quire resume" again to finish them.\n');
  try {
    await engine.runUntilIdle();
    // Report what this process ran; jobs run by another process on the same folder are theirs.
    const finals = await Promise.all(engine.jobsHandledHere.map((id) => engine.getJob(id)));
    if (finals.length === 0 && !values.json) io.out.write('Nothing to resume.\n');
    const stillRunning = (await engine.listJobs({ statuses: ['running'] })).length;
    if (stillRunning && !values.json) io.out.write(`${plural(stillRunning, 'job')} ${stillRunning === 1 ? 'is' : 'are'} running in another Quire process.\n`);
    const { folders, bytes } = engine.leftoversRemoved;
    if (folders && !values.json) io.out.write(`Removed ${plural(folders, 'leftover folder')} (${formatBytes(bytes)}) from earlier runs.\n`);
    return report(io, finals, !!values.json, await documentNames(engine, finals));
  } finally {
    release();
    await engine.close();
  }
}

async function cmdCancel({ values, positionals: [id] }: Args<'cancel'>, io: Io): Promise<number> {
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
    else io.out.write(`${formatJobLine(job, (await documentNames(engine, [job])).get(job.id))}\n`);
    return job.status === 'cancelled' || isActiveStatus(job.status) ? EXIT_OK : EXIT_FAILED;
  } finally {
    await engine.close();
  }
}

async function cmdWatch({ values, positionals: [id] }: Args<'watch'>, io: Io): Promise<number> {
  const options = engineOptions(values);
  const engine = await createEngine({ ...options, runJobs: false });
  // A watcher runs no jobs: if the process running this one has died, say what finishes it.
  let told = false;
  const orphanCheck = setInterval(() => {
    void engine
      .runnerOf(id, options.leaseMs ?? DEFAULT_LEASE_MS)
      .then((runner) => {
        if (told || !runner?.gone) return;
        told = true;
        const who = runner.pid ? ` (pid ${runner.pid}${runner.host && runner.host !== os.hostname() ? ` on ${runner.host}` : ''})` : '';
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
  if (command === undefined) {
    io.err.write(USAGE);
    return EXIT_USAGE;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    // "quire help export" is "quire export --help".
    const topic = rest[0];
    if (topic === undefined) io.out.write(USAGE);
    else if (isCommandName(topic)) io.out.write(commandHelp(COMMANDS[topic]));
    else return fail(io, unknownCommand(topic), undefined);
    return EXIT_OK;
  }
  if (command === '-v' || command === '--version') {
    io.out.write(`quire ${readVersion()}\n`);
    return EXIT_OK;
  }
  if (!isCommandName(command)) {
    if (command.startsWith('-')) return fail(io, new UsageError(`unknown option ${command}; options go after the command: quire <command> [options].`), undefined);
    // A near miss gets the name it was probably meant to be; anything else the whole usage.
    if (closest(command, COMMAND_NAMES)) return fail(io, unknownCommand(command), undefined);
    io.err.write(`quire: unknown command "${command}".\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    const parsed = parseCommandArgs(COMMANDS[command], rest);
    if (parsed.help) {
      io.out.write(commandHelp(COMMANDS[command]));
      return EXIT_OK;
    }
    switch (command) {
      case 'export':
        return await cmdExport(parsed as Args<'export'>, io);
      case 'themes':
        return cmdThemes(parsed as Args<'themes'>, io);
      case 'jobs':
        return await cmdJobs(parsed as Args<'jobs'>, io);
      case 'resume':
        return await cmdResume(parsed as Args<'resume'>, io);
      case 'cancel':
        return await cmdCancel(parsed as Args<'cancel'>, io);
      case 'watch':
        return await cmdWatch(parsed as Args<'watch'>, io);
      case 'serve':
        return await (await import('./serve.ts')).cmdServe(parsed as Args<'serve'>, io);
    }
  } catch (e) {
    return fail(io, e, command);
  }
}

function unknownCommand(typed: string): UsageError {
  const guess = closest(typed, COMMAND_NAMES);
  return new UsageError(`unknown command "${typed}".${guess ? ` Did you mean "quire ${guess}"?` : ''}`);
}
