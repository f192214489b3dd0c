/**
 * Export benchmark on the shared corpus: wall time per document and per step, through the
 * real engine (SQLite, Piscina workers, system Chromium), each run on a fresh data folder.
 *
 *   npx tsx bench/export-bench.ts                 # all cases, 3 runs each
 *   npx tsx bench/export-bench.ts --runs 1 sdp    # one case
 *
 * (`npm run bench` is the side-by-side comparison with the peers: bench/bench.ts.)
 * Prints a table and writes bench/results/export-steps.json. Figures are for orientation: the
 * machine and its load matter; compare runs made the same way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createEngine } from '../engine/engine.ts';
import { ChromiumPdfRenderer } from '../engine/pdf/chromium-pdf-renderer.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = process.env.QUIRE_CORPUS ?? path.resolve(ROOT, '..', 'shared', 'corpus');

interface Case {
  name: string;
  title: string;
  load(): { source: string; baseDir: string };
}

const CASES: Case[] = [
  {
    name: 'sdp',
    title: 'system-design-primer README (110 KB, 36 images)',
    load: () => ({ source: fs.readFileSync(path.join(CORPUS, 'system-design-primer/README.md'), 'utf8'), baseDir: path.join(CORPUS, 'system-design-primer') }),
  },
  {
    name: 'spec',
    title: 'CommonMark spec (200 KB)',
    load: () => ({ source: fs.readFileSync(path.join(CORPUS, 'commonmark-spec/spec.md'), 'utf8'), baseDir: path.join(CORPUS, 'commonmark-spec') }),
  },
  {
    name: 'rust-book',
    title: 'Rust book, all chapters as one document (2.4 MB)',
    load: () => {
      const dir = path.join(CORPUS, 'rust-book');
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.md')).sort();
      return { source: files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n\n'), baseDir: dir };
    },
  },
];

const args = process.argv.slice(2);
const runsIdx = args.indexOf('--runs');
const runs = runsIdx >= 0 ? Number(args[runsIdx + 1]) : 3;
const only = args.filter((a, i) => !a.startsWith('--') && (runsIdx < 0 || i !== runsIdx + 1));
const cases = CASES.filter((c) => only.length === 0 || only.includes(c.name));

/**
 * Each step's wall time, from the job's start and its checkpoints (each written when its step
 * ended; SQLite times in ms): prepare = first checkpoint − start, then the gaps between them.
 */
function stepTimes(dbPath: string, jobId: string, startedAt: number): Record<string, number> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare('select step, created_at as at from job_checkpoints where job_id = ? order by created_at').all(jobId) as Array<{ step: string; at: number }>;
    const out: Record<string, number> = {};
    let prev = startedAt;
    for (const r of rows) {
      out[r.step] = r.at - prev;
      prev = r.at;
    }
    return out;
  } finally {
    db.close();
  }
}

const pdf = new ChromiumPdfRenderer();
const results: Array<Record<string, unknown>> = [];

for (const c of cases) {
  const { source, baseDir } = c.load();
  for (let run = 1; run <= runs; run++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-bench-'));
    const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: path.join(dir, 'out'), pdfRenderer: pdf });
    const doc = await engine.createDocument({ title: c.name, source, format: 'md', baseDir });
    const t0 = performance.now();
    const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export' });
    const [job] = await engine.waitForJobs([jobId]);
    const total = performance.now() - t0;
    const steps = stepTimes(engine.dbPath, jobId, job!.startedAt ?? 0);
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (job!.status !== 'completed') throw new Error(`${c.name}: ${job!.status} ${job!.error?.message}`);
    const row = {
      case: c.name,
      run,
      totalMs: Math.round(total),
      steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Math.round(v)])),
      pages: job!.outputs.find((o) => o.format === 'pdf')?.pages,
      outputs: Object.fromEntries(job!.outputs.map((o) => [o.format, o.bytes])),
      rssMB: Math.round(process.memoryUsage().rss / 1024 / 1024),
    };
    results.push(row);
    console.log(
      `${c.name.padEnd(10)} run ${run}: ${(total / 1000).toFixed(2)} s  ` +
        `(prepare ${row.steps.prepare ?? '-'} ms, html ${row.steps.html ?? '-'} ms, md ${row.steps.md ?? '-'} ms, pdf ${row.steps.pdf ?? '-'} ms)  ` +
        `${row.pages} pages, engine RSS ${row.rssMB} MB`,
    );
  }
}
await pdf.close();

const summary = cases.map((c) => {
  const totals = results.filter((r) => r.case === c.name).map((r) => r.totalMs as number).sort((a, b) => a - b);
  return { case: c.name, title: c.title, medianMs: totals[Math.floor(totals.length / 2)], minMs: totals[0], maxMs: totals.at(-1), runs: totals.length };
});
console.log('\nmedian wall time, all three formats (pdf + html + md):');
for (const s of summary) console.log(`  ${s.title.padEnd(52)} ${(s.medianMs! / 1000).toFixed(2)} s  (min ${(s.minMs! / 1000).toFixed(2)}, max ${(s.maxMs! / 1000).toFixed(2)}, ${s.runs} runs)`);
fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
fs.writeFileSync(
  path.join(ROOT, 'bench/results/export-steps.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, summary, results }, null, 2),
);
