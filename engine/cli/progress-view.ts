/** Terminal rendering for the CLI: live bars on a TTY, one-line summaries, the --json shape. */
import path from 'node:path';
import { formatBytes, type JobSnapshot } from '../api/types.ts';

/** "1 page", "2 pages", "0 jobs": a count with its noun in the right number. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

export function jobJson(job: JobSnapshot) {
  return {
    jobId: job.id,
    documentId: job.documentId,
    status: job.status,
    outputs: job.outputs.map((o) => ({ format: o.format, path: o.path, bytes: o.bytes, ...(o.pages ? { pages: o.pages } : {}) })),
    ...(job.error ? { error: job.error } : {}),
    ...(job.warnings.length ? { warnings: job.warnings } : {}),
    // What the job ran: formats, pdf layout, title, metadata, the document revision and the source's hash.
    spec: job.spec,
  };
}

/** One line per job; `name` is the document's file name or title (`quire jobs`), else left out. */
export function formatJobLine(job: JobSnapshot, name?: string): string {
  const head = `${job.id}  ${job.status.padEnd(9)} ${String(job.progress).padStart(3)}%  attempt ${job.attempt}`;
  const label = name ? `  ${name}` : '';
  if (job.status === 'error') return `${head}${label}  error ${job.error?.code}: ${job.error?.message}`;
  const outs = job.outputs.map((o) => `${path.basename(o.path)} (${formatBytes(o.bytes)}${o.pages ? `, ${plural(o.pages, 'page')}` : ''})`).join(', ');
  if (job.status === 'completed') return `${head}${label}  → ${outs}  in ${path.dirname(job.outputs[0]?.path ?? '.')}`;
  return `${head}${label}  ${job.step}: ${job.message}${outs ? `  [done: ${outs}]` : ''}`;
}

const BAR = 24;

/** Redraws one line per job in place (ANSI cursor-up), at most as often as the engine emits. */
export class ProgressView {
  readonly #out: { write(s: string): unknown; columns?: number };
  readonly #names: Map<string, string>;
  readonly #jobs = new Map<string, JobSnapshot>();
  #drawn = 0;

  constructor(out: { write(s: string): unknown }, names: Map<string, string>) {
    this.#out = out;
    this.#names = names;
  }

  update(job: JobSnapshot): void {
    this.#jobs.set(job.id, job);
    this.#draw();
  }

  finish(finals: JobSnapshot[]): void {
    for (const j of finals) this.#jobs.set(j.id, j);
    this.#draw();
  }

  #draw(): void {
    const width = (this.#out as { columns?: number }).columns ?? 100;
    const lines = [...this.#jobs.values()].map((j) => {
      const filled = Math.round((j.progress / 100) * BAR);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
      const name = (this.#names.get(j.id) ?? j.id.slice(0, 8)).slice(0, 28).padEnd(28);
      const tail = j.status === 'running' || j.status === 'queued' ? j.message : j.status === 'error' ? `error: ${j.error?.message}` : j.status;
      return `${name} ${bar} ${String(j.progress).padStart(3)}%  ${tail}`.slice(0, Math.max(20, width - 1));
    });
    let s = this.#drawn ? `\x1b[${this.#drawn}A` : '';
    for (const l of lines) s += `\x1b[2K${l}\n`;
    this.#drawn = lines.length;
    this.#out.write(s);
  }
}
