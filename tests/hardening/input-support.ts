/**
 * Shared by the hostile/pathological input suites: the reduced/full switch, a bin/quire run
 * measured by /usr/bin/time -v (wall time and peak RSS of the CLI process, its worker threads
 * included), a local HTTP server that counts every request (the "zero hits" check), and the
 * checks that a user-facing message is clear (no stack trace).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { QUIRE_BIN, ROOT } from '../helpers.ts';

/** QUIRE_HARDENING=full selects the full run; anything else is the reduced CI slice. */
export const FULL = process.env.QUIRE_HARDENING === 'full';

export interface MeasuredRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole CLI run. */
  ms: number;
  /** Peak resident set of the CLI process (GNU time's "Maximum resident set size"), in MB. */
  peakRssMb: number;
  /** True when the run was killed for exceeding its time limit. */
  timedOut: boolean;
}

const TIME_BIN = '/usr/bin/time';
export const HAVE_GNU_TIME = fs.existsSync(TIME_BIN);

/**
 * Runs `bin/quire args` in a child process under `/usr/bin/time -v`, killed (SIGKILL, whole
 * process group) after `timeoutMs`. GNU time's report goes to its own file, so stderr is only
 * Quire's.
 */
export function runMeasured(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; reportDir: string }): Promise<MeasuredRun> {
  const report = path.join(opts.reportDir, `time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(TIME_BIN, ['-v', '-o', report, process.execPath, QUIRE_BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = Date.now() - start;
      let peakRssMb = NaN;
      try {
        const text = fs.readFileSync(report, 'utf8');
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
        if (m) peakRssMb = Number(m[1]) / 1024;
        // GNU time reports the command's own status on its first line when it was not 0.
        fs.rmSync(report, { force: true });
      } catch {
        // killed before time wrote its report
      }
      resolve({ code, stdout, stderr, ms, peakRssMb, timedOut });
    });
  });
}

/** A message a user may see: no stack frames, no "please report this to marked", no [object Object]. */
export function expectClearMessage(text: string): string[] {
  const problems: string[] = [];
  if (/^\s+at .+\(.+:\d+:\d+\)$/m.test(text) || /^\s+at .+:\d+:\d+$/m.test(text)) problems.push('has a stack trace');
  if (/please report this to marked/i.test(text)) problems.push("has marked's internal bug-report text");
  if (/\[object Object\]|undefined is not|Cannot read propert/i.test(text)) problems.push('has an internal JavaScript error');
  if (/Maximum call stack size exceeded/i.test(text)) problems.push('says "Maximum call stack size exceeded"');
  return problems;
}

export interface HitServer {
  readonly origin: string;
  /** Every request received, as "METHOD url". */
  hits: string[];
  close(): Promise<void>;
}

/** A plain HTTP server on 127.0.0.1 (random port) that records every request it gets. */
export async function startHitServer(): Promise<HitServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    // Something a browser would act on if it ever got here: an image, a stylesheet, a script.
    if (/\.css/.test(req.url ?? '')) res.writeHead(200, { 'Content-Type': 'text/css' }).end('body{background:red}');
    else if (/\.js/.test(req.url ?? '')) res.writeHead(200, { 'Content-Type': 'text/javascript' }).end('document.title="PWNED"');
    else res.writeHead(200, { 'Content-Type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text y="9">REMOTE-LOADED</text></svg>');
  });
  // Also count a raw connection that never sends a full request (a preconnect, a TLS hello).
  server.on('connection', () => hits.push('CONNECT'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Every base64 data: URI in `html`, decoded (so a file embedded as an image can be searched for its content). */
export function decodedDataUris(html: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of html.matchAll(/data:[a-z+./-]+(?:;[a-z-]+=[^;,]*)*;base64,([A-Za-z0-9+/=]+)/gi)) out.push(Buffer.from(m[1]!, 'base64'));
  return out;
}
