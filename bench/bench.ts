/**
 * Side-by-side benchmark of issue #10: Quire against its peers, in one run, on this machine.
 *
 *   npm run bench                          # every case, 1 warm-up + 3 measured runs each
 *   npm run bench -- --runs 5              # N measured runs (default 3)
 *   npm run bench -- --warmup 0            # warm-up runs per variant (default 1)
 *   npm run bench -- --only scale,start    # some cases: batch-pdf, scale, html, start, latency, store
 *   npm run bench -- --no-write            # do not touch BENCHMARKS.md / bench/results
 *   npm run bench -- --files 5 --sizes 1   # a quick trial: 5 chapters, the 1x README only
 *
 * Cases:
 *   batch-pdf  100 Rust book chapters -> PDF: `quire export` (one call, its defaults; then one
 *              run each at --concurrency 1, 2, cores) vs the raw-Chromium floor printing
 *              Quire's own export HTML with Quire's page.pdf() options (bench/floor-html.mjs;
 *              once as written, once with its fonts served by interception as Quire serves them)
 *              vs the older floor of marked + plain CSS (bench/floor.mjs --quire-options:
 *              tagged, outline, header/footer, A4) vs md-to-pdf 5.2.5 (installed into a temp
 *              folder, system Chromium, 10 files per call). Valid PDFs counted with pdfinfo.
 *              Also Quire's PDF renderer alone (bench/renderer-only.ts) printing the print forms
 *              Quire's prepare step makes, made beforehand: Quire's printing without the job.
 *   scale      system-design-primer README at 1x, 4x, 16x -> PDF: Quire vs both floors; time and
 *              peak PSS of the whole process tree (Chromium included).
 *   latency    first job queued after start, progress latency, resume (bench/cases/latency.ts).
 *   store      job store with 10,000 jobs: enqueue, page, list (bench/cases/job-store.ts), each
 *              run in a fresh process, the median of --runs.
 *   html       100 chapters Markdown -> HTML: Quire's pipeline (generateExportHtml, in this
 *              process), `quire export --format html`, Pandoc (one process per file).
 *   start      `bin/quire --help` vs `node -e 0`.
 *
 * Every child process gets QUIRE_BENCH_TAG=<unique> in its environment and its own TMPDIR; the
 * process tree of a run is every process carrying that tag plus their descendants (so Chromium
 * is found even if it were orphaned). Its RSS is read every 100 ms, its PSS (smaps_rollup,
 * costly) as the RSS peaks. Each run has a timeout; whatever of it is still alive afterwards is
 * killed and reported, and what it left in its TMPDIR counted. Temp folders live under $TMPDIR
 * and are removed at the end, also on Ctrl-C. Case 5 of the issue (event-loop delay) rides along
 * case batch-pdf through bench/event-loop-probe.mjs.
 *
 * Writes bench/results/<timestamp>.json, bench/results/latest.json and BENCHMARKS.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_PDF_OPTIONS } from '../engine/api/export-spec.ts';
import { defaultConcurrency } from '../engine/jobs/scheduler.ts';
import { pdfOptions } from '../engine/pdf/chromium-pdf-renderer.ts';
import { printedHtml } from '../engine/pdf/page-layout.ts';
import { generateExportHtml } from '../engine/pipeline/export-html.ts';
import { scanAssetRefs } from '../engine/pipeline/asset-refs.ts';
import { printFontFiles } from '../engine/pipeline/fonts.ts';
import { printAssetsOf } from '../engine/pipeline/print-assets.ts';
import { readDocumentFile } from '../engine/store/import-file.ts';
import type { PrintAsset } from '../engine/pdf/pdf-renderer.ts';
import { createHash } from 'node:crypto';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = process.env.QUIRE_CORPUS ?? path.resolve(ROOT, '..', 'shared', 'corpus');
const CHROMIUM = process.env.QUIRE_BENCH_CHROMIUM ?? '/usr/bin/chromium';
const QUIRE = path.join(ROOT, 'bin', 'quire');
const FLOOR = path.join(ROOT, 'bench', 'floor.mjs');
const FLOOR_HTML = path.join(ROOT, 'bench', 'floor-html.mjs');
const RENDERER_ONLY = path.join(ROOT, 'bench', 'renderer-only.ts');
const EVENT_LOOP_PROBE = path.join(ROOT, 'bench', 'event-loop-probe.mjs');
const MD_TO_PDF_VERSION = '5.2.5';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
function option(name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}
const RUNS = Math.max(1, Number(option('--runs', process.env.BENCH_RUNS ?? '3')));
const WARMUP = Math.max(0, Number(option('--warmup', process.env.BENCH_WARMUP ?? '1')));
const START_RUNS = Math.max(1, Number(option('--start-runs', '20')));
const ONLY = option('--only', 'batch-pdf,scale,html,start,latency,store').split(',');
const WRITE = !argv.includes('--no-write');
/** For quick trials: fewer chapters (cases batch-pdf and html), fewer sizes (case scale). */
const FILES = Math.max(1, Number(option('--files', '100')));
const SIZES = option('--sizes', '1,4,16').split(',').map(Number);

const MIN = 60_000;
const TIMEOUT = {
  batchQuire: 10 * MIN, // one call, 100 documents
  batchFloor: 5 * MIN,
  mdToPdfCall: 3 * MIN, // one call of 10 files
  scaleRun: 5 * MIN, // one document, any size, either tool
  htmlCli: 5 * MIN,
  pandocFile: MIN,
  start: MIN,
  install: 5 * MIN,
};
/** Wall-clock budget of a whole case: once spent, the remaining runs are skipped (and said so). */
const CASE_BUDGET = { 'batch-pdf': 45 * MIN, scale: 30 * MIN, html: 15 * MIN, start: 5 * MIN };

// ---------------------------------------------------------------------------------------------
// Running a command: wall time, peak PSS of its process tree, timeout, no leftovers

interface RunResult {
  ms: number;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  peakPssMB: number;
  /** Of peakPssMB, the command's own process (the Node process, all its threads); the rest is its children's (Chromium). */
  peakPssNodeMB: number;
  /** Highest summed RSS of the tree, sampled every 100 ms. */
  peakRssMB: number;
  /** Most processes seen at once in the run's tree. */
  maxProcs: number;
  /** CPU time the bench spent sampling memory during the run (it shares the CPU with what it measures). */
  samplerMs: number;
  /** CPU time of the run's processes (user + system, ms; see RunCpu). */
  cpu: RunCpu;
  /** How many times PSS was read. */
  pssReads: number;
  /** Entries left in the run's own TMPDIR (e.g. a browser profile), removed by the bench. */
  tempLeft: number;
  /** Processes of the run still alive after the command exited (killed by the bench). */
  leftovers: number;
  stdout: string;
  stderr: string;
}

let tagSeq = 0;
const allTrees: ProcessTree[] = [];
const PAGE_KB = Number(spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).stdout.trim() || 4096) / 1024;
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/**
 * CPU time of a run, ms (user + system), from each process's /proc/<pid>/stat as last read (the
 * tree is read every 100 ms, and once more after the command exits): a process's last up to
 * 100 ms is missed, so each figure is a lower bound. `treeMs`: every process of the tree;
 * `nodeMs`: the command's own process (all its threads), `nodeMainMs` its main thread alone;
 * `othersMs` = treeMs − nodeMs, Chromium's processes for the runs here. (The kernel's count of
 * the bench's waited-for children, cutime, missed a third of Chromium's: its renderers are
 * not all waited for along the chain.)
 */
interface RunCpu {
  treeMs: number;
  nodeMs: number;
  nodeMainMs: number;
  othersMs: number;
}

/**
 * The processes of one run: those whose environment carries the tag (the command, and whatever
 * keeps its environment, such as Chromium's browser and crashpad handlers, even once orphaned),
 * all their descendants (Chromium's zygotes start with a cleaned environment, so their
 * renderers are found through their parents), and any process seen as a member before that is
 * still alive (an orphaned renderer).
 */
class ProcessTree {
  /** "pid:starttime" -> carries the tag (each environment is read once). */
  private tagged = new Map<string, boolean>();
  /** "pid:starttime" of every member seen so far. */
  private seen = new Set<string>();
  /** "pid:starttime" of each member -> its CPU ticks (utime + stime) when last read. */
  private ticks = new Map<string, number>();
  /** The root's main thread's CPU ticks when last read. */
  private rootMainTicks = 0;
  constructor(
    private tag: string,
    private rootPid?: number,
  ) {}

  members(): Array<{ pid: number; zombie: boolean }> {
    const needle = `QUIRE_BENCH_TAG=${this.tag}\0`;
    const procs: Array<{ pid: number; ppid: number; key: string; zombie: boolean; ticks: number }> = [];
    for (const name of fs.readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] = field 3 (state)
        procs.push({ pid, ppid: Number(f[1]), key: `${pid}:${f[19]}`, zombie: f[0] === 'Z', ticks: Number(f[11]) + Number(f[12]) });
      } catch {
        // gone
      }
    }
    const inTree = new Set<number>();
    for (const p of procs) {
      let t = this.tagged.get(p.key);
      if (t === undefined) {
        try {
          const env = fs.readFileSync(`/proc/${p.pid}/environ`, 'latin1');
          // The root is ours even if read between fork and exec (it then has the bench's environment).
          t = p.pid === this.rootPid || env.startsWith(needle) || env.includes(`\0${needle}`);
        } catch {
          t = p.pid === this.rootPid;
        }
        this.tagged.set(p.key, t);
      }
      if (t || this.seen.has(p.key)) inTree.add(p.pid);
    }
    // Descendants, until nothing new is added.
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of procs) {
        if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
          inTree.add(p.pid);
          grew = true;
        }
      }
    }
    const out = procs.filter((p) => inTree.has(p.pid));
    for (const p of out) {
      this.seen.add(p.key);
      this.ticks.set(p.key, p.ticks);
    }
    if (this.rootPid !== undefined && out.some((p) => p.pid === this.rootPid)) {
      try {
        const stat = fs.readFileSync(`/proc/${this.rootPid}/task/${this.rootPid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        this.rootMainTicks = Number(f[11]) + Number(f[12]);
      } catch {
        // exited meanwhile
      }
    }
    return out.map(({ pid, zombie }) => ({ pid, zombie }));
  }

  /** CPU ms of the tree's processes as last read (RunCpu); `root`: the command's process, and its main thread alone. */
  sampledCpu(): { allMs: number; rootMs: number; rootMainMs: number } {
    let all = 0;
    let root = 0;
    for (const [key, t] of this.ticks) {
      all += t;
      if (key.startsWith(`${this.rootPid}:`)) root = t;
    }
    return { allMs: all * TICK_MS, rootMs: root * TICK_MS, rootMainMs: this.rootMainTicks * TICK_MS };
  }

  /** Live processes of the tree and their summed RSS (kB), from /proc/<pid>/statm: cheap counters. */
  rss(): { kB: number; pids: number[] } {
    let sum = 0;
    const pids: number[] = [];
    for (const { pid, zombie } of this.members()) {
      if (zombie) continue;
      pids.push(pid);
      try {
        sum += (Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_KB) | 0;
      } catch {
        // exited meanwhile
      }
    }
    return { kB: sum, pids };
  }

  /** Summed PSS (kB) of the given processes, and of the root among them, from smaps_rollup: walks their page tables, so costly. */
  pss(pids: number[]): { kB: number; rootKB: number } {
    let sum = 0;
    let root = 0;
    for (const pid of pids) {
      try {
        const m = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
        if (m) sum += Number(m[1]);
        if (m && pid === this.rootPid) root = Number(m[1]);
      } catch {
        // exited meanwhile
      }
    }
    return { kB: sum, rootKB: root };
  }

  /** Kills what is left (zombies excluded); returns how many. */
  killAll(): number {
    let n = 0;
    for (const { pid, zombie } of this.members()) {
      if (zombie) continue;
      try {
        process.kill(pid, 'SIGKILL');
        n++;
      } catch {
        // already gone
      }
    }
    return n;
  }
}

/**
 * Runs a command to its end (or its timeout), sampling its tree's memory (see below). After it
 * exits, waits settleMs (default 300: a browser's helpers exit just after it), then kills and
 * counts whatever of its tree is still alive.
 */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs: number; settleMs?: number }): Promise<RunResult> {
  const tag = `${process.pid}x${++tagSeq}`;
  return new Promise((resolve) => {
    // Each run gets its own TMPDIR inside the bench's temp folder: what it leaves there is counted and removed.
    const tmpdir = path.join(TMP, `t${tagSeq}`);
    fs.mkdirSync(tmpdir, { recursive: true });
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, TMPDIR: tmpdir, ...opts.env, QUIRE_BENCH_TAG: tag },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tree = new ProcessTree(tag, child.pid);
    allTrees.push(tree);
    let stdout = '';
    let stderr = '';
    const keep = (s: string, d: Buffer) => (s + d.toString()).slice(-200_000);
    child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr, d)));
    // Every 100 ms: the tree and its RSS (cheap counters). PSS (smaps_rollup walks page tables:
    // tens to hundreds of ms per read on Chromium, taken from the CPU being measured) at most every
    // 2 s, and only when the RSS has grown by 5 % since the last PSS read: read as the RSS peaks.
    let peakPssKB = 0;
    let peakPssNodeKB = 0;
    let peakRssKB = 0;
    let rssAtLastPss = 0;
    let lastPssAt = -Infinity;
    let pssReads = 0;
    let maxProcs = 0;
    let samplerMs = 0;
    let sampler: NodeJS.Timeout | undefined;
    const sample = () => {
      const s0 = performance.now();
      const c0 = process.cpuUsage();
      const { kB, pids } = tree.rss();
      peakRssKB = Math.max(peakRssKB, kB);
      maxProcs = Math.max(maxProcs, pids.length);
      if (kB > rssAtLastPss * 1.05 && s0 - lastPssAt >= 2000) {
        const pss = tree.pss(pids);
        if (pss.kB > peakPssKB) {
          peakPssKB = pss.kB;
          peakPssNodeKB = pss.rootKB;
        }
        rssAtLastPss = kB;
        lastPssAt = s0;
        pssReads++;
      }
      const c = process.cpuUsage(c0);
      samplerMs += (c.user + c.system) / 1000;
      sampler = setTimeout(sample, 100);
    };
    sampler = setTimeout(sample, 100);
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      tree.killAll();
    }, opts.timeoutMs);
    const finish = (code: number | null, signal: string | null) => {
      const ms = performance.now() - t0;
      clearTimeout(sampler);
      clearTimeout(killer);
      setTimeout(() => {
        tree.members(); // a last read of each process's CPU
        const sampled = tree.sampledCpu();
        const treeMs = Math.round(sampled.allMs);
        const nodeMs = Math.round(sampled.rootMs);
        const cpu: RunCpu = { treeMs, nodeMs, nodeMainMs: Math.round(sampled.rootMainMs), othersMs: treeMs - nodeMs };
        const leftovers = tree.killAll();
        let tempLeft = 0;
        try {
          tempLeft = fs.readdirSync(tmpdir).length;
          fs.rmSync(tmpdir, { recursive: true, force: true });
        } catch {
          // nothing there
        }
        resolve({ ms, code, signal, timedOut, peakPssMB: Math.round(peakPssKB / 1024), peakPssNodeMB: Math.round(peakPssNodeKB / 1024), peakRssMB: Math.round(peakRssKB / 1024), maxProcs, samplerMs: Math.round(samplerMs), cpu, pssReads, leftovers, tempLeft, stdout, stderr });
      }, opts.settleMs ?? 300);
    };
    child.on('error', (e) => {
      stderr += String(e);
      finish(null, null);
    });
    // 'exit', not 'close': an orphaned grandchild holding our pipes must not stall the timing.
    child.on('exit', finish);
  });
}

/** Kills every process any run of this bench started that is still alive. */
function killEverything(): number {
  return allTrees.reduce((n, tree) => n + tree.killAll(), 0);
}

// ---------------------------------------------------------------------------------------------
// Helpers

// Short names: Quire's Chromium fails to start when TMPDIR is long (about 50 characters here).
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'qb-'));
function cleanup() {
  killEverything();
  fs.rmSync(TMP, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    cleanup();
    process.exit(130);
  });
}

let dirSeq = 0;
function freshDir(label: string): string {
  const d = path.join(TMP, `${label}-${++dirSeq}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** Pages of a PDF per pdfinfo, or 0 when pdfinfo does not accept it. */
function pdfPages(file: string): number {
  const r = spawnSync('pdfinfo', [file], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) return 0;
  return Number(/^Pages:\s+(\d+)/m.exec(r.stdout)?.[1] ?? 0);
}

function validPdfs(dir: string): { valid: number; pages: number } {
  let valid = 0;
  let pages = 0;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.pdf'))) {
    const p = pdfPages(path.join(dir, f));
    if (p > 0) {
      valid++;
      pages += p;
    }
  }
  return { valid, pages };
}

/** What a sample records about a run's process tree. */
function treeDetail(r: RunResult) {
  return { peakPssNodeMB: r.peakPssNodeMB, peakRssMB: r.peakRssMB, procs: r.maxProcs, samplerMs: r.samplerMs, cpu: r.cpu, pssReads: r.pssReads, leftovers: r.leftovers, tempLeft: r.tempLeft };
}

function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join(' | ').slice(0, 400);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

function copyDir(from: string, to: string) {
  fs.cpSync(from, to, { recursive: true });
}

function versionOf(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? (r.stdout.trim().split('\n')[0] ?? null) : null;
}

// ---------------------------------------------------------------------------------------------
// Results

interface Sample {
  ms: number;
  ok: boolean;
  peakPssMB?: number;
  detail?: Record<string, unknown>;
}
interface Variant {
  id: string;
  label: string;
  samples: Sample[];
  /** Set when the variant failed or could not run: why, in words. */
  failure?: string;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
  medianPssMB?: number;
  maxPssMB?: number;
  /** Of the PSS at each run's peak, the Node process's (the command's own), median over the runs. */
  medianPssNodeMB?: number;
}
interface CaseResult {
  id: string;
  title: string;
  variants: Variant[];
  /** `unit` set: a plain value in that unit (a target of the case that is not a ratio). */
  /** `rounds`: the same ratio in each round of variants measured in turns (roundRatio), lowest and highest. */
  ratios: Array<{ what: string; ratio: number | null; unit?: string; target?: string; met?: boolean; rounds?: [number, number] }>;
  notes: string[];
  /** Measurements that are not a timed command (bench/cases/*.ts): one value each, with its unit and target. */
  rows?: CaseRow[];
  /** Case 5 (during case 1): Quire's main-thread event-loop delay beyond the 10 ms sampling interval, ms, medians over runs. */
  eventLoop?: { runs: number; all: Record<string, number>; afterStartup: Record<string, number> };
  /** CPU time of chosen variants, medians over their runs (RunCpu), with the machine's core count. */
  cpu?: { cores: number; documents: number; variants: Array<{ label: string; runs: number } & RunCpu> };
}
type CaseRow = { what: string; value: number; unit: string; target?: string; met?: boolean };
type EventLoopStats = { samples: number; p50: number; p99: number; max: number };
type EventLoop = { all: EventLoopStats; afterStartup: EventLoopStats };

function summarize(v: Variant): Variant {
  const ok = v.samples.filter((s) => s.ok);
  if (ok.length) {
    const ms = ok.map((s) => s.ms);
    v.medianMs = Math.round(median(ms));
    v.minMs = Math.round(Math.min(...ms));
    v.maxMs = Math.round(Math.max(...ms));
    const pss = ok.map((s) => s.peakPssMB).filter((x): x is number => typeof x === 'number');
    if (pss.length) {
      v.medianPssMB = Math.round(median(pss));
      v.maxPssMB = Math.max(...pss);
      const node = ok.map((s) => s.detail?.peakPssNodeMB).filter((x): x is number => typeof x === 'number' && x > 0);
      if (node.length) v.medianPssNodeMB = Math.round(median(node));
    }
  }
  return v;
}

/** A variant's CPU (RunCpu), each figure the median over its successful runs; none without. */
function cpuMedians(v: Variant): Array<{ label: string; runs: number } & RunCpu> {
  const cpus = v.samples.filter((s) => s.ok).map((s) => s.detail?.cpu as RunCpu | undefined).filter((c): c is RunCpu => !!c);
  if (!cpus.length) return [];
  const med = (k: keyof RunCpu) => Math.round(median(cpus.map((c) => c[k])));
  return [{ label: v.label, runs: cpus.length, treeMs: med('treeMs'), nodeMs: med('nodeMs'), nodeMainMs: med('nodeMainMs'), othersMs: med('othersMs') }];
}

function ratio(a: Variant | undefined, b: Variant | undefined, what: string, target?: number): CaseResult['ratios'][number] {
  const r = a?.medianMs && b?.medianMs ? a.medianMs / b.medianMs : null;
  return {
    what,
    ratio: r === null ? null : Math.round(r * 100) / 100,
    ...(target !== undefined ? { target: `≤ ${target}`, met: r !== null && r <= target } : {}),
  };
}

/** A ratio row's value as the table and the console show it: "1.07×", "815 MB" or "n/a". */
function ratioValue(r: CaseResult['ratios'][number]): string {
  return r.ratio === null ? 'n/a' : r.unit ? `${r.ratio} ${r.unit}` : `${r.ratio.toFixed(2)}×`;
}

/**
 * `ratio` of two variants measured in turns (measureInTurns), with its lowest and highest value
 * over the rounds: run i of one against run i of the other, taken minutes apart at most. How far
 * they spread says how much of a difference between medians the machine's drift can make.
 */
function roundRatio(a: Variant, b: Variant, what: string, target?: number): CaseResult['ratios'][number] {
  const r = ratio(a, b, what, target);
  const okA = a.samples.filter((s) => s.ok);
  const okB = b.samples.filter((s) => s.ok);
  // Pairs only when every run of both succeeded: a failure stops a variant, and rounds then no longer line up.
  if (okA.length < 2 || okA.length !== a.samples.length || okB.length !== b.samples.length || okA.length !== okB.length) return r;
  const each = okA.map((s, i) => s.ms / okB[i]!.ms);
  return { ...r, rounds: [Math.round(Math.min(...each) * 100) / 100, Math.round(Math.max(...each) * 100) / 100] };
}

type Once = (i: number) => Promise<Sample>;

/**
 * Measures one variant: warm-up runs, then RUNS measured ones. `once` returns a sample; a failed
 * first run is recorded and the variant is not repeated (a refusal or a crash does not get
 * faster). Stops when the case's budget is spent.
 */
async function measure(v: Variant, once: Once, deadline: number, runs = RUNS, warmup = WARMUP): Promise<Variant> {
  return (await measureInTurns([[v, once]], deadline, runs, warmup))[0]!;
}

/**
 * Measures variants that are compared with each other in turns: A B C, A B C, … (warm-ups
 * first, in turns too). The speed of this shared machine drifts by 15–30 % over minutes; all of
 * A's runs then all of B's put that drift into the ratio of their medians, and in turns it
 * weighs on each alike. Each variant stops on its first failure, as measure() does.
 */
async function measureInTurns(entries: ReadonlyArray<readonly [Variant, Once]>, deadline: number, runs = RUNS, warmup = WARMUP): Promise<Variant[]> {
  const stopped = new Set<Variant>();
  for (let i = -warmup; i < runs; i++) {
    for (const [v, once] of entries) {
      if (stopped.has(v)) continue;
      if (Date.now() > deadline) {
        v.failure ??= `case time budget spent after ${v.samples.length} measured run(s)`;
        stopped.add(v);
        continue;
      }
      const s = await once(i);
      const tag = i < 0 ? 'warm-up' : `run ${i + 1}/${runs}`;
      console.log(`  ${v.label.padEnd(44)} ${tag.padEnd(9)} ${(s.ms / 1000).toFixed(2).padStart(7)} s${s.peakPssMB !== undefined ? `  PSS ${s.peakPssMB} MB` : ''}${s.ok ? '' : '  FAILED'}${s.detail ? `  ${JSON.stringify(s.detail)}` : ''}`);
      if (!s.ok) {
        v.samples.push(s);
        v.failure ??= String(s.detail?.error ?? 'failed');
        stopped.add(v);
        continue;
      }
      if (i >= 0) v.samples.push(s);
    }
  }
  return entries.map(([v]) => summarize(v));
}

// ---------------------------------------------------------------------------------------------
// Cases

/** An export HTML's <title> as text (what Quire's header prints). */
function htmlTitle(file: string): string {
  const raw = /<title>([^<]*)<\/title>/.exec(fs.readFileSync(file, 'utf8'))?.[1] ?? path.basename(file, '.html');
  return raw.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * The export HTML made as the page Quire prints it (its header and footer rules added, as the
 * renderer adds them), so the floor prints what Quire's Chromium prints with the same options.
 */
function asQuirePrintsIt(file: string): void {
  fs.writeFileSync(file, printedHtml({ html: fs.readFileSync(file, 'utf8'), options: DEFAULT_PDF_OPTIONS, title: htmlTitle(file) }));
}

function rustChapters(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^ch\d.*\.md$/.test(f))
    .sort()
    .slice(0, FILES)
    .map((f) => path.join(dir, f));
}

/** Installs md-to-pdf into the temp folder, never downloading a browser. Returns its CLI or why not. */
async function installMdToPdf(): Promise<{ cli: string; puppeteer: string } | { error: string }> {
  const prefix = path.join(TMP, 'md-to-pdf');
  const r = await run('npm', ['install', '--prefix', prefix, `md-to-pdf@${MD_TO_PDF_VERSION}`, '--no-audit', '--no-fund', '--no-save'], {
    env: { PUPPETEER_SKIP_DOWNLOAD: '1', PUPPETEER_SKIP_CHROMIUM_DOWNLOAD: '1' },
    timeoutMs: TIMEOUT.install,
  });
  const cli = path.join(prefix, 'node_modules', 'md-to-pdf', 'dist', 'cli.js');
  if (r.code !== 0 || !fs.existsSync(cli)) {
    return { error: `npm install md-to-pdf@${MD_TO_PDF_VERSION} failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}): ${lastLines(r.stderr)}` };
  }
  let puppeteer = '?';
  try {
    puppeteer = JSON.parse(fs.readFileSync(path.join(prefix, 'node_modules', 'puppeteer', 'package.json'), 'utf8')).version;
  } catch {
    // reported as '?'
  }
  return { cli, puppeteer };
}

const machine: Record<string, unknown> = {};

/** One run of a floor script over the batch, writing its PDFs into a fresh folder: time, PSS, valid PDFs. */
async function floorBatch(name: string, args: (outDir: string) => string[]): Promise<Sample> {
  const d = freshDir(name);
  const r = await run('node', args(d), { timeoutMs: TIMEOUT.batchFloor });
  const pdfs = validPdfs(d);
  fs.rmSync(d, { recursive: true, force: true });
  const ok = r.code === 0 && !r.timedOut;
  return { ms: r.ms, ok, peakPssMB: r.peakPssMB, detail: { validPdfs: pdfs.valid, pages: pdfs.pages, ...treeDetail(r), ...(ok ? {} : { error: r.timedOut ? 'timed out' : `exit ${r.code}: ${lastLines(r.stderr)}` }) } };
}

/**
 * For "Quire's renderer alone": the print form of each file as Quire's prepare step makes it for
 * a PDF job (images from the file's folder and the bundled fonts linked, not inlined), written
 * into `dir` with the assets the renderer may serve, and renderer-only.ts bundled (esbuild, as
 * bin/quire bundles the CLI) so the timed run compiles no TypeScript. Untimed. The script's path,
 * or why it cannot run.
 */
async function prepareRendererOnly(files: string[], dir: string): Promise<{ script: string; index: string } | { error: string }> {
  try {
    const items = files.map((file) => {
      const doc = readDocumentFile(file);
      const imageFiles: Record<string, { path: string; sha256: string }> = {};
      for (const ref of scanAssetRefs(doc.source, 'md')) {
        const at = path.join(path.dirname(file), ref);
        if (fs.existsSync(at)) imageFiles[ref] = { path: at, sha256: createHash('sha256').update(fs.readFileSync(at)).digest('hex') };
      }
      const { html } = generateExportHtml({ title: doc.title, source: doc.source, format: 'md', baseDir: null, meta: {}, assets: { files: imageFiles, problems: {}, print: true } });
      const bySha = new Map(Object.values(imageFiles).map((f) => [f.sha256, f.path]));
      const assets: Record<string, PrintAsset> = {};
      for (const [sha, mime] of Object.entries(printAssetsOf(html))) {
        const image = bySha.get(sha);
        if (image) assets[sha] = { path: image, mime };
      }
      // The fonts as a PDF job finds them (run-export-job.ts's printAssets).
      for (const [sha, font] of Object.entries(printFontFiles(html))) assets[sha] = { path: font, mime: 'font/woff2' };
      const base = path.basename(file, path.extname(file));
      const htmlFile = path.join(dir, `${base}.html`);
      fs.writeFileSync(htmlFile, html);
      return { html: htmlFile, pdf: `${base}.pdf`, title: doc.title, assets };
    });
    const index = path.join(dir, 'index.json');
    fs.writeFileSync(index, JSON.stringify(items));
    // Beside the CLI's bundles (out/, not in git), so playwright-core resolves from node_modules.
    const script = path.join(ROOT, 'out', 'bench', 'renderer-only.mjs');
    const esbuild = await import('esbuild');
    await esbuild.build({ absWorkingDir: ROOT, entryPoints: [RENDERER_ONLY], bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', outfile: script, logLevel: 'silent' });
    await esbuild.stop();
    return { script, index };
  } catch (e) {
    return { error: `could not prepare the print forms for the renderer alone: ${(e as Error).message}` };
  }
}

async function caseBatchPdf(): Promise<CaseResult> {
  const deadline = Date.now() + CASE_BUDGET['batch-pdf'];
  // A writable copy: md-to-pdf writes each PDF beside its Markdown file.
  const src = path.join(TMP, 'rust-book');
  copyDir(path.join(CORPUS, 'rust-book'), src);
  const files = rustChapters(src);
  const res: CaseResult = { id: 'batch-pdf', title: `${files.length} Rust book chapters → PDF`, variants: [], ratios: [], notes: [] };
  res.notes.push(`${files.length} chapter files (${path.join(CORPUS, 'rust-book')}/ch*.md).`);
  res.notes.push("Quire, the floors and the marked floor run in turns (one run of each, then the next round), so a drift of the machine's speed weighs on each alike.");
  res.notes.push(
    "Quire's print form links its images and its bundled fonts and serves them to the print page by request interception (engine/pipeline/print-assets.ts); its standalone HTML, which 'floor' prints, has the fonts inlined as data: URIs (about 160 KB of base64 a page, 15.8 MB of the 20.6 MB of HTML here). 'floor --serve-fonts' links and serves those same fonts as Quire does, so Quire's gain from that is not counted against the floor.",
  );

  const quireRun = (concurrency?: number, only = files) => async (): Promise<Sample> => {
    const d = freshDir('batch-quire');
    // Case 5 of the issue rides along: the CLI's main-thread event-loop delay, via a preloaded probe.
    const eldFile = path.join(d, 'event-loop.json');
    const args = [QUIRE, 'export', ...only, '--format', 'pdf', '--out', path.join(d, 'out'), '--data-dir', path.join(d, 'data')];
    if (concurrency) args.push('--concurrency', String(concurrency));
    const r = await run('node', args, {
      env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(EVENT_LOOP_PROBE).href}`.trim(), QUIRE_BENCH_ELD_OUT: eldFile },
      timeoutMs: TIMEOUT.batchQuire,
    });
    const pdfs = fs.existsSync(path.join(d, 'out')) ? validPdfs(path.join(d, 'out')) : { valid: 0, pages: 0 };
    const eventLoop = fs.existsSync(eldFile) ? JSON.parse(fs.readFileSync(eldFile, 'utf8')) : undefined;
    fs.rmSync(d, { recursive: true, force: true });
    const ok = r.code === 0 && !r.timedOut;
    return { ms: r.ms, ok, peakPssMB: r.peakPssMB, detail: { validPdfs: pdfs.valid, pages: pdfs.pages, ...treeDetail(r), eventLoop, ...(ok ? {} : { error: r.timedOut ? 'timed out' : `exit ${r.code}: ${lastLines(r.stderr)}` }) } };
  };
  // The floor prints Quire's own export HTML (made here, untimed) with exactly Quire's page.pdf()
  // options, one warm browser, 2 pages: what raw Chromium costs for the same output.
  const htmlDir = freshDir('batch-html');
  const made = await run('node', [QUIRE, 'export', ...files, '--format', 'html', '--out', htmlDir, '--data-dir', path.join(htmlDir, '.data')], { timeoutMs: TIMEOUT.htmlCli });
  const optionsFile = path.join(TMP, 'floor-options.json');
  const htmlFiles = fs.readdirSync(htmlDir).filter((f) => f.endsWith('.html')).map((f) => path.join(htmlDir, f));
  for (const f of htmlFiles) asQuirePrintsIt(f);
  fs.writeFileSync(optionsFile, JSON.stringify(Object.fromEntries(htmlFiles.map((f) => [f, pdfOptions(DEFAULT_PDF_OPTIONS, htmlTitle(f))]))));
  const quire: Variant = { id: 'quire', label: 'Quire: quire export --format pdf (one call, defaults)', samples: [] };
  const floor: Variant = { id: 'floor', label: "floor: floor-html.mjs, Quire's export HTML (setContent) and page.pdf() options (2 pages)", samples: [] };
  // Quire's print form links its bundled fonts and serves them by interception (print-assets.ts):
  // this floor does the same with the fonts of the same HTML, so that gain is shown apart.
  const fontsFloor: Variant = { id: 'floor-fonts', label: 'floor: floor-html.mjs --serve-fonts, the same, its data: fonts served by interception (2 pages)', samples: [] };
  // The floor of the earlier runs, kept for comparison: marked's HTML with a small stylesheet and
  // system fonts (no highlighting, no bundled fonts), same page.pdf() features.
  const plainFloor: Variant = { id: 'floor-marked', label: 'floor: floor.mjs --quire-options, marked + plain CSS (2 pages)', samples: [] };
  // Quire's own printing without the rest of a job: its renderer given the print forms its
  // prepare step makes (made here, untimed). Against the floor: what Quire's printing costs;
  // against Quire: what Markdown, the job store and the worker threads cost beside it.
  const rendererOnly: Variant = { id: 'quire-renderer', label: "Quire's PDF renderer alone: renderer-only.ts, the print forms made beforehand (no job store, no pipeline)", samples: [] };
  const turns: Array<[Variant, Once]> = [[quire, quireRun()]];
  const prepared = await prepareRendererOnly(files, freshDir('batch-print-forms'));
  if ('error' in prepared) rendererOnly.failure = prepared.error;
  else turns.push([rendererOnly, () => floorBatch('batch-renderer-only', (d) => [prepared.script, prepared.index, d])]);
  if (made.code !== 0 || htmlFiles.length !== files.length) {
    floor.failure = `could not make the export HTML for the floor (exit ${made.code}, ${htmlFiles.length} files): ${lastLines(made.stderr)}`;
  } else {
    turns.push([floor, () => floorBatch('batch-floor', (d) => [FLOOR_HTML, '--options', optionsFile, '--out', d])]);
    turns.push([fontsFloor, () => floorBatch('batch-floor-fonts', (d) => [FLOOR_HTML, '--options', optionsFile, '--serve-fonts', '--out', d])]);
  }
  turns.push([plainFloor, () => floorBatch('batch-floor-marked', (d) => [FLOOR, '--quire-options', '--out', d, ...files])]);
  await measureInTurns(turns, deadline);
  res.variants.push(quire, rendererOnly, floor, fontsFloor, plainFloor);

  // Which concurrency wins here: one measured run each of 1 and of the core count.
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  for (const n of [...new Set([1, 2, cores])]) {
    res.variants.push(await measure({ id: `quire-c${n}`, label: `Quire --concurrency ${n} (1 run)`, samples: [] }, quireRun(n), deadline, 1, 0));
  }
  res.notes.push(
    `The concurrency rows are one run each, to choose the default (the scheduler's defaultConcurrency: ${defaultConcurrency()} on this machine).`,
  );
  // How time and memory grow with the number of files: the first 25 and 50 of them, one run each.
  for (const n of [25, 50].filter((k) => k < files.length)) {
    res.variants.push(await measure({ id: `quire-files-${n}`, label: `Quire, the first ${n} files (1 run)`, samples: [] }, quireRun(undefined, files.slice(0, n)), deadline, 1, 0));
  }

  const m2p: Variant = { id: 'md-to-pdf', label: `md-to-pdf ${MD_TO_PDF_VERSION} (10 files per call)`, samples: [] };
  const installed = await installMdToPdf();
  if ('error' in installed) {
    m2p.failure = installed.error;
    console.log(`  md-to-pdf: ${installed.error}`);
  } else {
    machine.mdToPdf = MD_TO_PDF_VERSION;
    machine.puppeteer = installed.puppeteer;
    const launch = JSON.stringify({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    await measure(m2p, async () => {
      for (const f of fs.readdirSync(src)) if (f.endsWith('.pdf')) fs.rmSync(path.join(src, f));
      let ms = 0;
      let peak = 0;
      const errors: string[] = [];
      let leftovers = 0;
      let tempLeft = 0;
      for (const group of chunk(files, 10)) {
        const r = await run('node', [installed.cli, ...group, '--launch-options', launch], {
          cwd: src,
          env: { PUPPETEER_SKIP_DOWNLOAD: '1', PUPPETEER_EXECUTABLE_PATH: CHROMIUM },
          timeoutMs: TIMEOUT.mdToPdfCall,
        });
        ms += r.ms;
        peak = Math.max(peak, r.peakPssMB);
        leftovers += r.leftovers;
        tempLeft += r.tempLeft;
        if (r.code !== 0 || r.timedOut) errors.push(r.timedOut ? 'a call timed out' : `a call exited ${r.code}: ${lastLines(r.stderr, 2)}`);
      }
      const pdfs = validPdfs(src);
      const ok = pdfs.valid > 0;
      return { ms, ok, peakPssMB: peak, detail: { validPdfs: pdfs.valid, pages: pdfs.pages, leftovers, tempLeft, ...(errors.length ? { errors: errors.slice(0, 3) } : {}), ...(ok ? {} : { error: errors[0] ?? 'no valid PDF' }) } };
    }, deadline);
  }
  res.variants.push(m2p);
  res.notes.push('md-to-pdf runs with its own defaults and styles; one call with all 100 files is not measured (it timed out on this 2-core machine before, see STACK.md). Its time is the sum of its calls (10 files each, one after the other); its PSS the highest of any call.');
  res.ratios.push(
    roundRatio(quire, floor, 'Quire / floor (same HTML, same options)', 1.1),
    roundRatio(quire, fontsFloor, 'Quire / floor (same HTML and options, fonts served as Quire serves them)'),
    roundRatio(rendererOnly, floor, "Quire's renderer alone / floor (same HTML, same options)"),
    roundRatio(rendererOnly, fontsFloor, "Quire's renderer alone / floor (fonts served as Quire serves them)"),
    roundRatio(quire, rendererOnly, "Quire / Quire's renderer alone (the rest of a job: Markdown, job store, threads)"),
    ratio(quire, m2p, 'Quire / md-to-pdf (10 per call)', 0.35),
    ratio(floor, m2p, 'floor / md-to-pdf'),
    ratio(plainFloor, m2p, 'floor (marked + plain CSS) / md-to-pdf'),
    roundRatio(quire, plainFloor, 'Quire / floor (marked + plain CSS)'),
  );
  // Not ratios, but targets of the same case: memory of the whole tree, and every PDF valid.
  const peak = quire.samples.length ? Math.max(...quire.samples.map((x) => x.peakPssMB ?? 0)) : null;
  res.ratios.push({ what: 'Quire peak PSS, highest of the runs', ratio: peak, unit: 'MB', target: '≤ 1024', met: peak !== null && peak > 0 && peak <= 1024 });
  const valid = quire.samples.map((x) => Number(x.detail?.validPdfs ?? 0));
  res.ratios.push({ what: `Quire valid PDFs (fewest of the runs, of ${files.length})`, ratio: valid.length ? Math.min(...valid) : null, unit: 'PDFs', target: `≥ ${files.length}`, met: valid.length > 0 && Math.min(...valid) >= files.length });
  res.cpu = { cores, documents: files.length, variants: [quire, rendererOnly, floor, fontsFloor, plainFloor].flatMap(cpuMedians) };
  const [qCpu] = cpuMedians(quire);
  const [fCpu] = cpuMedians(floor);
  if (qCpu && fCpu) {
    const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    res.notes.push(
      `Where Quire's extra time goes (CPU table above): its whole process tree used ${sec(qCpu.treeMs)} of CPU against the floor's ${sec(fCpu.treeMs)} (${(qCpu.treeMs / fCpu.treeMs).toFixed(2)}×), so on ${cores} cores at least ${sec(qCpu.treeMs / cores)} and ${sec(fCpu.treeMs / cores)} of wall time. ` +
        `Chromium's share is ${sec(qCpu.othersMs)} against ${sec(fCpu.othersMs)}; the difference is Quire's own Node process, ${sec(qCpu.nodeMs)} against ${sec(fCpu.nodeMs)}, ${Math.round((qCpu.nodeMs - fCpu.nodeMs) / files.length)} ms more per document: ` +
        "the work the floor, handed finished HTML, does not do: Markdown → HTML (highlighting, sanitizing, picking font slices, checking images) in the pipeline worker, the durable job store and output claims on the main thread (SQLite, fsync), the PDF's metadata step, and V8 compiling the code of three threads. docs/performance.md has the profile.",
    );
  }
  const loops = quire.samples.map((s) => s.detail?.eventLoop as EventLoop | undefined).filter((e): e is EventLoop => !!e);
  if (loops.length) {
    const med = (k: 'p50' | 'p99' | 'max', w: 'all' | 'afterStartup') => Math.round(median(loops.map((e) => Math.max(0, e[w][k] - 10))) * 10) / 10;
    res.eventLoop = {
      runs: loops.length,
      all: { p50: med('p50', 'all'), p99: med('p99', 'all'), max: med('max', 'all') },
      afterStartup: { p50: med('p50', 'afterStartup'), p99: med('p99', 'afterStartup'), max: med('max', 'afterStartup') },
    };
  }
  return res;
}

async function caseScale(): Promise<CaseResult> {
  const deadline = Date.now() + CASE_BUDGET.scale;
  const res: CaseResult = { id: 'scale', title: 'system-design-primer README at 1×, 4×, 16× → PDF (one document)', variants: [], ratios: [], notes: [] };
  const dir = path.join(TMP, 'sdp');
  copyDir(path.join(CORPUS, 'system-design-primer'), dir);
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  for (const n of SIZES) {
    const file = path.join(dir, `README-x${n}.md`);
    fs.writeFileSync(file, Array.from({ length: n }, () => readme).join('\n\n'));
    const kb = Math.round(fs.statSync(file).size / 1024);
    // Quire's own standalone HTML (images inlined), made first (untimed), for the floor that
    // prints it with Quire's options.
    const htmlOut = freshDir(`scale-html-${n}`);
    const made = await run('node', [QUIRE, 'export', file, '--format', 'html', '--out', htmlOut, '--data-dir', path.join(htmlOut, '.data')], { timeoutMs: TIMEOUT.scaleRun });
    const html = path.join(htmlOut, `README-x${n}.html`);
    /** One run of a floor script printing README-x<n>.pdf into a fresh folder `name`. */
    const floorRun = (name: string, args: (dir: string) => string[]): Once => async () => {
      const d = freshDir(name);
      const r = await run('node', args(d), { timeoutMs: TIMEOUT.scaleRun });
      const out = path.join(d, `README-x${n}.pdf`);
      const pages = fs.existsSync(out) ? pdfPages(out) : 0;
      fs.rmSync(d, { recursive: true, force: true });
      const ok = r.code === 0 && !r.timedOut && pages > 0;
      return { ms: r.ms, ok, peakPssMB: r.peakPssMB, detail: { pages, ...treeDetail(r), ...(ok ? {} : { error: r.timedOut ? 'timed out' : `exit ${r.code}: ${lastLines(r.stderr)}` }) } };
    };
    const quire: Variant = { id: `quire-x${n}`, label: `Quire ${n}× (${kb} KB)`, samples: [] };
    const floor: Variant = { id: `floor-x${n}`, label: `floor ${n}× (${kb} KB)`, samples: [] };
    const floorHtml: Variant = { id: `floor-html-x${n}`, label: `floor, Quire's HTML ${n}×`, samples: [] };
    const turns: Array<[Variant, Once]> = [
      [
        quire,
        async () => {
          const d = freshDir(`scale-quire-${n}`);
          const r = await run('node', [QUIRE, 'export', file, '--format', 'pdf', '--out', path.join(d, 'out'), '--data-dir', path.join(d, 'data'), '--json'], { timeoutMs: TIMEOUT.scaleRun });
          const out = path.join(d, 'out', `README-x${n}.pdf`);
          const pages = fs.existsSync(out) ? pdfPages(out) : 0;
          fs.rmSync(d, { recursive: true, force: true });
          const ok = r.code === 0 && !r.timedOut && pages > 0;
          let error: string | undefined;
          if (!ok) {
            // The job's error, from its JSON line if there is one.
            const line = r.stdout.split('\n').find((l) => l.includes('"error"'));
            let fromJson: string | undefined;
            try {
              const e = line ? JSON.parse(line).error : undefined;
              if (e) fromJson = `${e.code}: ${e.message}`;
            } catch {
              // not JSON
            }
            error = r.timedOut ? `timed out after ${TIMEOUT.scaleRun / 1000} s` : `exit ${r.code}; ${fromJson ?? lastLines(r.stderr + r.stdout)}`;
          }
          return { ms: r.ms, ok, peakPssMB: r.peakPssMB, detail: { pages, ...treeDetail(r), ...(error ? { error } : {}) } };
        },
      ],
      [floor, floorRun(`scale-floor-${n}`, (d) => [FLOOR, '--quire-options', '--out', d, file])],
    ];
    if (made.code !== 0 || !fs.existsSync(html)) {
      floorHtml.failure = `could not make the export HTML (exit ${made.code}): ${lastLines(made.stderr)}`;
    } else {
      const optionsFile = path.join(htmlOut, 'options.json');
      asQuirePrintsIt(html);
      fs.writeFileSync(optionsFile, JSON.stringify({ [html]: pdfOptions(DEFAULT_PDF_OPTIONS, htmlTitle(html)) }));
      turns.push([floorHtml, floorRun(`scale-floor-html-${n}`, (d) => [FLOOR_HTML, '--options', optionsFile, '--out', d])]);
    }
    await measureInTurns(turns, deadline);
    fs.rmSync(htmlOut, { recursive: true, force: true });
    res.variants.push(quire, floor, floorHtml);
    // The target is against the floor printing the same HTML with the same options, as in case 1;
    // the marked floor has no highlighting, bundled fonts (CJK included) or math to lay out.
    res.ratios.push(roundRatio(quire, floorHtml, `Quire / floor (same HTML, same options), time, ${n}×`, 1.1), roundRatio(quire, floor, `Quire / floor (marked + plain CSS), time, ${n}×`));
    const pss = (a: Variant, b: Variant) => (a.medianPssMB && b.medianPssMB ? Math.round((a.medianPssMB / b.medianPssMB) * 100) / 100 : null);
    res.ratios.push({ what: `Quire / floor (same HTML), peak PSS, ${n}×`, ratio: pss(quire, floorHtml) }, { what: `Quire / floor (marked + plain CSS), peak PSS, ${n}×`, ratio: pss(quire, floor) });
  }
  // How memory grows from the smallest to the largest size, split into the Node process and Chromium.
  const sizes = [SIZES[0]!, SIZES.at(-1)!];
  const at = (prefix: string, n: number) => res.variants.find((v) => v.id === `${prefix}-x${n}`);
  if (sizes[0] !== sizes[1]) {
    const growth = (prefix: string) => {
      const [a, b] = sizes.map((n) => at(prefix, n));
      if (!a?.medianPssMB || !b?.medianPssMB || a.medianPssNodeMB === undefined || b.medianPssNodeMB === undefined) return null;
      const node = b.medianPssNodeMB - a.medianPssNodeMB;
      const all = b.medianPssMB - a.medianPssMB;
      return { all, node, chromium: all - node };
    };
    const mb = (x: number) => `${x >= 0 ? '+' : ''}${x} MB`;
    const said = (g: NonNullable<ReturnType<typeof growth>>) => `${mb(g.all)} (Node ${mb(g.node)}, Chromium ${mb(g.chromium)})`;
    const q = growth('quire');
    const f = growth('floor-html');
    const m = growth('floor');
    if (q && f) {
      res.notes.push(`Peak PSS from ${sizes[0]}× to ${sizes[1]}× (medians): Quire ${said(q)}; the floor printing Quire's HTML ${said(f)}${m ? `; the marked floor ${said(m)}` : ''}.`);
      // The issue's target: PSS growing no faster than the floor's (the one printing the same HTML).
      const met = q.all <= f.all;
      res.ratios.push({ what: `Quire's peak PSS growth ${sizes[0]}× → ${sizes[1]}× / the floor's (same HTML)`, ratio: f.all > 0 ? Math.round((q.all / f.all) * 100) / 100 : null, target: '≤ 1', met });
      if (!met) {
        res.notes.push(
          `The growth target is not met: Quire grew by ${q.all - f.all} MB more than the floor. Its Chromium grew by ${mb(q.chromium)} against the floor's ${mb(f.chromium)}; its own Node process by ${mb(q.node)}, while the floor's changed by ${mb(f.node)}. ` +
            (f.node < 0
              ? `The floor's Node process holds less at ${sizes[1]}× than at ${sizes[0]}×: it holds its HTML (images inlined, several copies) to write it into the page while that fits one DevTools message (64 MB), and navigates to the file above that. `
              : '') +
            "Quire's page stays a few MB at every size (images served by hash); its three threads keep the heap a large document made them grow into. docs/performance.md has the measurements, and what lowering Chromium's own share would cost.",
        );
      }
    }
  }
  res.notes.push("All print with tagged PDF, outline, header/footer, A4. The floor (floor.mjs, marked + plain CSS) loads the images from the document folder by file URL; Quire serves them to its print page from its asset store by request interception. 'floor, Quire's HTML' writes Quire's standalone HTML export (images inlined as data: URIs) into a page with setContent (or, over 64 MB, too big for one DevTools message, as at 16×, navigates to its file: URL) and prints it with Quire's page.pdf() options: the same output as Quire's, which the target compares against. Memory grows no faster than the floor's when the PSS ratios stay level from 1× to 16×. At each size the three run in turns, as in case 1.");
  return res;
}

async function ensurePandoc(notes: string[]): Promise<string | null> {
  const have = () => spawnSync('sh', ['-c', 'command -v pandoc'], { encoding: 'utf8' }).stdout.trim() || null;
  let pandoc = have();
  if (pandoc) return pandoc;
  if (process.getuid?.() === 0 && !process.env.CI) {
    console.log('  pandoc not found: apt-get install -y pandoc');
    const r = await run('apt-get', ['install', '-y', 'pandoc'], { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: TIMEOUT.install });
    pandoc = have();
    if (!pandoc) notes.push(`Pandoc not measured: not installed, and \`apt-get install -y pandoc\` failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}: ${lastLines(r.stderr, 2)}).`);
    else notes.push('Pandoc was installed by the bench with `apt-get install -y pandoc`.');
    return pandoc;
  }
  notes.push(`Pandoc not measured: \`pandoc\` is not installed and the bench installs it only as root with CI unset (${process.getuid?.() === 0 ? 'CI is set' : 'not root'}). Install it with \`apt-get install pandoc\`.`);
  return null;
}

async function caseHtml(): Promise<CaseResult> {
  const deadline = Date.now() + CASE_BUDGET.html;
  const dir = path.join(CORPUS, 'rust-book');
  const files = rustChapters(dir);
  const res: CaseResult = { id: 'html', title: `${files.length} Rust book chapters, Markdown → HTML only`, variants: [], ratios: [], notes: [] };

  const pipeline = await measure({ id: 'quire-pipeline', label: `Quire pipeline: generateExportHtml ×${files.length}`, samples: [] }, async () => {
    const sources = files.map((f) => fs.readFileSync(f, 'utf8'));
    const t0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < files.length; i++) {
      bytes += generateExportHtml({ title: path.basename(files[i]!, '.md'), source: sources[i]!, format: 'md', baseDir: dir, meta: {} }).html.length;
    }
    return { ms: performance.now() - t0, ok: true, detail: { htmlMB: Math.round(bytes / 1e5) / 10 } };
  }, deadline);

  const cli = await measure({ id: 'quire-cli', label: 'Quire CLI: quire export --format html', samples: [] }, async () => {
    const d = freshDir('html-quire');
    const r = await run('node', [QUIRE, 'export', ...files, '--format', 'html', '--out', path.join(d, 'out'), '--data-dir', path.join(d, 'data')], { timeoutMs: TIMEOUT.htmlCli });
    const count = fs.existsSync(path.join(d, 'out')) ? fs.readdirSync(path.join(d, 'out')).filter((f) => f.endsWith('.html')).length : 0;
    fs.rmSync(d, { recursive: true, force: true });
    const ok = r.code === 0 && !r.timedOut;
    return { ms: r.ms, ok, peakPssMB: r.peakPssMB, detail: { htmlFiles: count, ...(ok ? {} : { error: r.timedOut ? 'timed out' : `exit ${r.code}: ${lastLines(r.stderr)}` }) } };
  }, deadline);

  const pandocVariant: Variant = { id: 'pandoc', label: 'Pandoc: pandoc -f gfm -t html5 -s, per file', samples: [] };
  const pandoc = await ensurePandoc(res.notes);
  if (!pandoc) {
    pandocVariant.failure = res.notes.at(-1);
  } else {
    machine.pandoc = versionOf(pandoc, ['--version']);
    await measure(pandocVariant, async () => {
      const d = freshDir('html-pandoc');
      let ms = 0;
      let failed = 0;
      let firstError = '';
      for (const f of files) {
        const name = path.basename(f, '.md');
        const r = await run(pandoc, ['-f', 'gfm', '-t', 'html5', '-s', '--metadata', `title=${name}`, '-o', path.join(d, `${name}.html`), f], { cwd: dir, timeoutMs: TIMEOUT.pandocFile, settleMs: 0 });
        ms += r.ms;
        if (r.code !== 0 || r.timedOut) {
          failed++;
          firstError ||= lastLines(r.stderr, 2);
        }
      }
      fs.rmSync(d, { recursive: true, force: true });
      return { ms, ok: failed === 0, detail: { failed, ...(failed ? { error: `${failed} file(s) failed: ${firstError}` } : {}) } };
    }, deadline);
  }
  res.variants.push(pipeline, cli, pandocVariant);
  res.ratios.push(ratio(pipeline, pandocVariant, 'Quire pipeline / Pandoc'), ratio(cli, pandocVariant, 'Quire CLI / Pandoc'));
  res.notes.push(
    "The pipeline is timed inside this process (no process start; sanitizing, mdBook listings, theme CSS and images inlined as data: URIs included). The CLI row adds Node's start, the job store and the worker threads. Pandoc writes standalone HTML without embedding images, one process per file, one at a time.",
  );
  return res;
}

async function caseStart(): Promise<CaseResult> {
  const deadline = Date.now() + CASE_BUDGET.start;
  const res: CaseResult = { id: 'start', title: 'CLI start', variants: [], ratios: [], notes: [] };
  const timed = (args: string[]) => async (): Promise<Sample> => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('node', args, { cwd: ROOT, stdio: 'ignore', timeout: TIMEOUT.start });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ms, ok: r.status === 0, ...(r.status === 0 ? {} : { detail: { error: `exit ${r.status}` } }) };
  };
  const quiet = async (v: Variant, args: string[]) => {
    // Same as measure() but without a line per run.
    const once = timed(args);
    for (let i = 0; i < 2; i++) await once();
    for (let i = 0; i < START_RUNS && Date.now() < deadline; i++) {
      const s = await once();
      v.samples.push(s);
      if (!s.ok) {
        v.failure = String(s.detail?.error);
        break;
      }
    }
    summarize(v);
    console.log(`  ${v.label.padEnd(44)} median ${v.medianMs} ms (min ${v.minMs}, max ${v.maxMs}, ${v.samples.length} runs)`);
    return v;
  };
  const help = await quiet({ id: 'quire-help', label: 'bin/quire --help', samples: [] }, [QUIRE, '--help']);
  const bare = await quiet({ id: 'node', label: 'node -e 0', samples: [] }, ['-e', '0']);
  res.variants.push(help, bare);
  res.ratios.push(ratio(help, bare, 'quire --help / node -e 0', 3));
  res.notes.push(`${START_RUNS} runs each after 2 warm-ups, timed around spawnSync with process.hrtime. "First job queued" is not measured here.`);
  return res;
}

// ---------------------------------------------------------------------------------------------
// Report

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function markdown(report: Record<string, unknown>, cases: CaseResult[]): string {
  const m = report.machine as Record<string, unknown>;
  const lines: string[] = [
    '# Benchmarks',
    '',
    'Quire against its peers, side by side, from one run of `npm run bench` (bench/bench.ts).',
    'This file and bench/results/*.json are written by that run; edit bench/bench.ts, not this file.',
    '',
    `- Command: \`${report.command}\` — ${report.warmup} warm-up + ${report.runs} measured run(s) per variant; median, min–max over the measured runs.`,
    `- Date: ${report.date}; wall time of the whole bench: ${fmtMs(report.totalMs as number)}`,
    `- Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memGB} GB RAM, ${m.os}`,
    `- Node ${m.node}; ${m.chromium ?? 'Chromium: not found'}; Quire ${m.quire}${m.mdToPdf ? `; md-to-pdf ${m.mdToPdf} (puppeteer ${m.puppeteer})` : ''}${m.pandoc ? `; ${m.pandoc}` : ''}`,
    '- Time is wall time from spawn to exit (process start and browser launch included) unless a row says otherwise.',
    "  Peak PSS: the highest sum of PSS (smaps_rollup) over the run's whole process tree, Chromium included. The tree and its RSS are",
    '  read every 100 ms; PSS, which costs tens of ms per read on Chromium, at most every 2 s, when the RSS has grown by 5 % since the last PSS read (CPU spent sampling: samplerMs in the JSON).',
    "  'Node' in that column: the command's own process at that peak (all its threads); the rest is its children's, Chromium's.",
    '',
  ];
  for (const c of cases) {
    const hasPss = c.variants.some((v) => v.medianPssMB !== undefined);
    lines.push(`## ${c.title}`, '');
    if (c.variants.length) {
    lines.push(`| variant | median | min–max | ${hasPss ? 'peak PSS (median, max; of it the Node process, median) | ' : ''}runs | result |`);
    lines.push(`|---|---|---|${hasPss ? '---|' : ''}---|---|`);
    for (const v of c.variants) {
      const last = v.samples.at(-1)?.detail ?? {};
      const result: string[] = [];
      if (last.validPdfs !== undefined) result.push(`${last.validPdfs} valid PDFs, ${last.pages} pages`);
      else if (last.pages) result.push(`${last.pages} pages`);
      if (last.htmlFiles !== undefined) result.push(`${last.htmlFiles} HTML files`);
      const leftovers = v.samples.reduce((n, s) => n + Number(s.detail?.leftovers ?? 0), 0);
      if (leftovers) result.push(`${leftovers} process(es) left running, killed by the bench`);
      const tempLeft = v.samples.reduce((n, s) => n + Number(s.detail?.tempLeft ?? 0), 0);
      if (tempLeft) result.push(`${tempLeft} entr${tempLeft === 1 ? 'y' : 'ies'} left in its TMPDIR over ${v.samples.length} run(s)`);
      if (v.failure) result.push(`**${v.samples.some((s) => s.ok) ? 'partly: ' : 'fails: '}${v.failure.replace(/\|/g, '\\|')}**`);
      const okRuns = v.samples.filter((s) => s.ok).length;
      const range = v.minMs !== undefined ? `${fmtMs(v.minMs)} – ${fmtMs(v.maxMs)}` : '—';
      const failedMs = !okRuns && v.samples.length ? ` (failed after ${fmtMs(v.samples[0]!.ms)})` : '';
      const pss = hasPss ? `${v.medianPssMB !== undefined ? `${v.medianPssMB} MB, ${v.maxPssMB} MB${v.medianPssNodeMB !== undefined ? ` (Node ${v.medianPssNodeMB} MB)` : ''}` : v.samples[0]?.peakPssMB !== undefined ? `(${v.samples[0].peakPssMB} MB until it failed)` : '—'} | ` : '';
      lines.push(`| ${v.label} | ${fmtMs(v.medianMs)}${failedMs} | ${range} | ${pss}${okRuns} | ${result.join('; ') || 'ok'} |`);
    }
    lines.push('');
    }
    if (c.ratios.length) {
      lines.push('| ratio (medians) | value | target (issue #10) |', '|---|---|---|');
      for (const r of c.ratios) {
        const value = ratioValue(r);
        const rounds = r.rounds ? ` (rounds ${r.rounds[0].toFixed(2)}–${r.rounds[1].toFixed(2)}×)` : '';
        lines.push(`| ${r.what} | ${value}${rounds} | ${r.target ? `${r.target} ${r.met ? '(met)' : '(not met)'}` : ''} |`);
      }
      lines.push('');
    }
    if (c.rows?.length) {
      lines.push('| measurement | value | target (issue #10) |', '|---|---|---|');
      for (const r of c.rows) lines.push(`| ${r.what} | ${r.value} ${r.unit} | ${r.target ? `${r.target} ${r.met ? '(met)' : '(not met)'}` : ''} |`);
      lines.push('');
    }
    if (c.eventLoop) {
      const e = c.eventLoop;
      lines.push(
        `Quire's main-thread event-loop delay during this case (perf_hooks.monitorEventLoopDelay preloaded by bench/event-loop-probe.mjs; delay beyond the 10 ms sampling interval; medians over ${e.runs} runs):`,
        '',
        '| window | p50 | p99 | max | target (issue #10) |',
        '|---|---|---|---|---|',
        `| whole process | ${e.all.p50} ms | ${e.all.p99} ms | ${e.all.max} ms | |`,
        `| after the first 2 s | ${e.afterStartup.p50} ms | ${e.afterStartup.p99} ms | ${e.afterStartup.max} ms | p99 < 20 ms ${e.afterStartup.p99! < 20 ? '(met)' : '(not met)'}, max < 100 ms ${e.afterStartup.max! < 100 ? '(met)' : '(not met)'} |`,
        '',
      );
    }
    if (c.cpu?.variants.length) {
      const { cores, documents, variants } = c.cpu;
      const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      lines.push(
        `CPU time of the same runs (user + system, medians over the runs; each process read every 100 ms, its last up to 100 ms missed). Node: the command's process, all its threads, and its main thread alone; Chromium: the rest of the tree. On ${cores} cores a run cannot take less wall time than its tree's CPU / ${cores}.`,
        '',
        `| variant | process tree | tree / ${cores} cores | Node (main thread) | Node per document | Chromium | runs |`,
        '|---|---|---|---|---|---|---|',
        ...variants.map((v) => `| ${v.label} | ${sec(v.treeMs)} | ${sec(v.treeMs / cores)} | ${sec(v.nodeMs)} (${sec(v.nodeMainMs)}) | ${Math.round(v.nodeMs / documents)} ms | ${sec(v.othersMs)} | ${v.runs} |`),
        '',
      );
    }
    for (const n of c.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  lines.push(
    '## Not measured by `npm run bench`',
    '',
    '- md-to-pdf with all 100 files in one call (it timed out on this 2-core machine before, see STACK.md). Case 5 (event-loop delay) is measured during the first case.',
    '- Per-step timings of Quire alone (prepare, html, md, pdf) come from `npx tsx bench/export-bench.ts`.',
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

/** A case of bench/cases/ (one module each, also runnable alone): its rows, as a CaseResult. */
function rowsCase(load: () => Promise<() => Promise<{ id: string; title: string; rows: CaseRow[]; notes: string[] }>>) {
  return async (): Promise<CaseResult> => {
    const result = await (await load())();
    for (const r of result.rows) console.log(`  ${r.what.padEnd(60)} ${r.value} ${r.unit}${r.target ? `  target ${r.target}: ${r.met ? 'met' : 'not met'}` : ''}`);
    return { ...result, variants: [], ratios: [] };
  };
}

/**
 * A case of bench/cases/ run RUNS times, each in a fresh Node process (`<file> --json`): the
 * median of each row, its min–max in a note. The job store is what `quire export` enqueues into
 * at the start of a fresh process; measured inside this one, it would carry the heap and the
 * compiled code of the cases before it.
 */
function rowsCaseInFreshProcesses(file: string) {
  return async (): Promise<CaseResult> => {
    const results: Array<{ id: string; title: string; rows: CaseRow[]; notes: string[] }> = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await run('node', ['--import', 'tsx', path.join(ROOT, 'bench', 'cases', file), '--json'], { timeoutMs: 5 * MIN });
      if (r.code !== 0 || r.timedOut) throw new Error(`${file} run ${i + 1}: ${r.timedOut ? 'timed out' : `exit ${r.code}`}: ${lastLines(r.stderr)}`);
      results.push(JSON.parse(r.stdout));
    }
    const first = results[0]!;
    const rows = first.rows.map((row, i) => {
      const values = results.map((res) => res.rows[i]!.value);
      const value = median(values);
      const met = row.target === undefined ? undefined : metAt(row, value);
      return { ...row, value: Math.round(value * 100) / 100, ...(met === undefined ? {} : { met }), what: RUNS > 1 ? `${row.what} [median of ${RUNS} processes; ${Math.min(...values)}–${Math.max(...values)}]` : row.what };
    });
    for (const r of rows) console.log(`  ${r.what.padEnd(60)} ${r.value} ${r.unit}${r.target ? `  target ${r.target}: ${r.met ? 'met' : 'not met'}` : ''}`);
    const notes = [...first.notes.filter((n) => !n.startsWith('Machine:')), `Each row is the median of ${RUNS} runs, each in a fresh process (node --import tsx bench/cases/${file} --json); min–max in brackets.`, ...results.map((res, i) => `Run ${i + 1}: ${res.notes.find((n) => n.startsWith('Machine:')) ?? ''}`)];
    return { id: first.id, title: first.title, rows, notes, variants: [], ratios: [] };
  };
}

/** A row's target ('≥ 5000 jobs/s', '< 20 ms') checked against a value. */
function metAt(row: CaseRow, value: number): boolean {
  const m = /^([<>≤≥])\s*([\d.]+)/.exec(row.target ?? '');
  if (!m) throw new Error(`cannot read the target '${row.target}' of '${row.what}'`);
  const limit = Number(m[2]);
  return m[1] === '<' ? value < limit : m[1] === '>' ? value > limit : m[1] === '≤' ? value <= limit : value >= limit;
}

const CASES: Record<string, () => Promise<CaseResult>> = {
  'batch-pdf': caseBatchPdf,
  scale: caseScale,
  html: caseHtml,
  start: caseStart,
  latency: rowsCase(async () => (await import('./cases/latency.ts')).caseLatency),
  store: rowsCaseInFreshProcesses('job-store.ts'),
};
const t0 = performance.now();
const date = new Date();
Object.assign(machine, {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memGB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  chromium: versionOf(CHROMIUM, ['--version']),
  quire: JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
});
const cases: CaseResult[] = [];
let exitCode = 0;
try {
  if (!fs.existsSync(CORPUS)) throw new Error(`corpus not found at ${CORPUS} (set QUIRE_CORPUS)`);
  // Build the CLI bundle (if its sources changed) before anything is timed.
  spawnSync('node', [QUIRE, '--version'], { cwd: ROOT, stdio: 'ignore', timeout: TIMEOUT.start });
  for (const id of Object.keys(CASES).filter((k) => ONLY.includes(k))) {
    console.log(`\n== ${id}`);
    try {
      cases.push(await CASES[id]!());
    } catch (e) {
      console.error(`${id}: ${e instanceof Error ? e.stack : e}`);
      cases.push({ id, title: id, variants: [], ratios: [], notes: [`The case crashed: ${e instanceof Error ? e.message : String(e)}`] });
      exitCode = 1;
    }
    const left = killEverything();
    if (left) console.log(`  killed ${left} process(es) left over by ${id}`);
  }
} finally {
  cleanup();
}

const report = {
  date: date.toISOString(),
  command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  runs: RUNS,
  warmup: WARMUP,
  totalMs: Math.round(performance.now() - t0),
  machine,
  cases,
};
console.log('\n== ratios (medians)');
for (const c of cases) for (const r of c.ratios) console.log(`  ${r.what.padEnd(44)} ${ratioValue(r)}${r.target ? `  target ${r.target}: ${r.met ? 'met' : 'not met'}` : ''}`);
if (WRITE) {
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(report, null, 2) + '\n';
  fs.writeFileSync(path.join(dir, `${date.toISOString().replace(/[:.]/g, '-')}.json`), json);
  fs.writeFileSync(path.join(dir, 'latest.json'), json);
  fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), markdown(report, cases));
  console.log('\nwrote BENCHMARKS.md and bench/results/latest.json');
}
process.exitCode = exitCode;
