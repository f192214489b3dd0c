/**
 * A saved output folder that cannot hold documents (settings.json: outputDir "/proc/x") never
 * blocks the browser host: `quire serve` (a real child process) starts, serves the page,
 * refuses an export into that folder with a plain error, refuses such a folder as a setting,
 * and stops on SIGTERM. The old check spun for ever inside startExport, so the host stopped
 * answering and ignored SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { API_EVENTS, API_METHODS, type QuireApi } from '../api/contract.ts';
import { connect, type Transport } from '../api/rpc.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

function client(url: URL): Promise<QuireApi & { socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${url.host}/rpc${url.search}`, { headers: { Origin: url.origin } });
    ws.on('error', reject);
    ws.on('open', () => {
      const transport: Transport = {
        send: (m) => ws.send(JSON.stringify(m)),
        onMessage: (h) => {
          const l = (d: WebSocket.RawData) => h(JSON.parse(String(d)));
          ws.on('message', l);
          return () => ws.off('message', l);
        },
        onClose: (h) => {
          ws.on('close', h);
          return () => ws.off('close', h);
        },
        close: () => ws.close(),
      };
      resolve(Object.assign(connect<QuireApi>(transport, { methods: API_METHODS, events: API_EVENTS }), { socket: ws }));
    });
  });
}

/** `p`, or a rejection naming `what` after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);
}

describe.runIf(process.platform === 'linux')('quire serve with a saved output folder under /proc', () => {
  it('starts, serves the page, refuses the export plainly and stops on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-bad-outdir-'));
    dirs.push(dir);
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'settings.json'), JSON.stringify({ outputDir: '/proc/x' }));

    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'quire'), 'serve', '--port', '0', '--data-dir', data, '--concurrency', '1'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

    // Needs out/web (npm run build:web); the first start also bundles the CLI (bin/quire): allow for it.
    const address = await within(
      new Promise<string>((resolve, reject) => {
        const onData = () => {
          const line = stdout.split('\n')[0]!;
          if (stdout.includes('\n')) resolve(line.trim());
        };
        child.stdout!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`quire serve exited ${code}: ${stderr}`)));
      }),
      120_000,
      'quire serve printing its address',
    );
    const url = new URL(address);
    const page = await within(get(address), 10_000, 'the page loading');
    expect(page.status).toBe(200);

    const api = await within(client(url), 10_000, 'the WebSocket connecting');
    try {
      expect((await api.getSettings()).outputDir).toBe('/proc/x');
      const doc = await api.createDocument({ title: 'Stuck?', source: '# Stuck?\n\nno\n', format: 'md' });
      const t0 = performance.now();
      const refused = await within(api.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'] } }).then(
        () => null,
        (e: { code: string; message: string }) => e,
      ), 10_000, 'startExport answering');
      expect(refused).toMatchObject({ code: 'OUTPUT_NOT_WRITABLE' });
      expect(refused!.message).toMatch(/^Cannot write to the output folder \/proc\/x \(it is inside \/proc, /);
      expect(performance.now() - t0).toBeLessThan(5_000);

      // Typed as a setting, the same kind of folder is refused at once, and the saved value is kept.
      await expect(within(api.updateSettings({ outputDir: '/sys/x' }), 10_000, 'updateSettings answering')).rejects.toMatchObject({
        code: 'OUTPUT_NOT_WRITABLE',
        message: expect.stringMatching(/output folder \/sys\/x \(it is inside \/sys, /),
      });
      const good = path.join(dir, 'exports');
      expect((await api.updateSettings({ outputDir: good })).outputDir).toBe(good);
      // Nothing is created until an export needs it.
      expect(fs.existsSync(good)).toBe(false);
    } finally {
      api.socket.close();
    }

    child.kill('SIGTERM');
    expect(await within(exited, 15_000, 'quire serve stopping on SIGTERM')).toBe(0);
  }, 180_000);
});
