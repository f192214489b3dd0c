/**
 * Issue 11, browser host: the real `quire serve` in a child process, attacked from outside.
 * engine/web-host/server.test.ts covers the basic refusals (no token, wrong token, one foreign
 * Origin and Host, path traversal); this adds the variants an attacker would try next: token
 * near-misses and duplicates, `Origin: null` and look-alike origins, look-alike Host headers
 * (DNS rebinding), absolute-form request targets, frames over the 32 MB limit, and the bind
 * address (127.0.0.1 only: not 127.0.0.2, not ::1, not the machine's other addresses). The
 * token comparison is checked in the code to be constant-time (timingSafeEqual on digests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { tokenMatches } from '../../engine/web-host/server.ts';
import { QUIRE_BIN, ROOT, rmrf, tempDir } from '../helpers.ts';

const TOKEN = 'browser-host-hardening-Token_0123456789';
let dir: string;
let child: ChildProcess;
let port: number;
let stderr = '';

beforeAll(async () => {
  dir = tempDir('quire-bhost-');
  child = spawn(process.execPath, [QUIRE_BIN, 'serve', '--port', '0', '--token', TOKEN, '--data-dir', path.join(dir, 'data'), '--out', path.join(dir, 'out')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`quire serve printed no address in 30 s:\n${stderr}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[0]);
      }
    });
    child.on('exit', (code) => reject(new Error(`quire serve exited ${code}:\n${stderr}`)));
  });
  port = Number(new URL(url).port);
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  if (dir) rmrf(dir);
});

/** A raw HTTP/1.1 request, so Host, Origin and the request target are exactly what we write. */
function raw(request: string, host = '127.0.0.1'): Promise<{ status: number; text: string; reset?: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => socket.write(request));
    let data = '';
    socket.setEncoding('latin1');
    const status = () => Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
    const done = () => resolve({ status: status(), text: data });
    socket.on('data', (d) => {
      data += d;
      // An accepted upgrade stays open: its status line and headers are the answer.
      if (data.startsWith('HTTP/1.1 101') && data.includes('\r\n\r\n')) socket.destroy();
    });
    // A server that answers and closes while the request is still being written (an oversized
    // header) makes the kernel reset the connection, which can drop the answer before it is read.
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve({ status: status(), text: data, reset: true }) : reject(e)));
    socket.on('close', done);
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

function upgradeRequest(target: string, headers: Record<string, string | undefined>): string {
  const lines = [`GET ${target} HTTP/1.1`];
  const all: Record<string, string | undefined> = {
    Host: `127.0.0.1:${port}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\nConnection-Close-Hint: 1\r\n\r\n`;
}

async function upgradeStatus(target: string, headers: Record<string, string | undefined> = {}): Promise<number> {
  const r = await raw(upgradeRequest(target, headers));
  return r.status;
}

describe('quire serve refuses what a hostile page or network peer would try', () => {
  it('accepts the right token from the page origin (control)', async () => {
    expect(await upgradeStatus(`/rpc?token=${TOKEN}`, { Origin: `http://127.0.0.1:${port}` })).toBe(101);
  });

  it('refuses token near-misses, duplicates and other places to put it', async () => {
    const tries = [
      `/rpc?token=${TOKEN.slice(0, -1)}`,
      `/rpc?token=${TOKEN}x`,
      `/rpc?token=${TOKEN.toUpperCase()}`,
      `/rpc?token=x${TOKEN.slice(1)}`,
      `/rpc?token=${TOKEN.slice(0, -1)}y`,
      `/rpc?token=wrong&token=${TOKEN}`,
      `/rpc?token%5B%5D=${TOKEN}`,
      `/rpc?Token=${TOKEN}`,
      `/rpc?token=`,
      `/rpc?token=%00${TOKEN}`,
      `/rpc#token=${TOKEN}`,
    ];
    for (const t of tries) expect(await upgradeStatus(t, { Origin: `http://127.0.0.1:${port}` }), t).toBe(403);
    expect(await upgradeStatus('/rpc', { Origin: `http://127.0.0.1:${port}`, Authorization: `Bearer ${TOKEN}`, Cookie: `token=${TOKEN}` })).toBe(403);
    for (const p of [`/download/x/md?token=${TOKEN.slice(0, -1)}`, `/download/x/md?token=wrong&token=${TOKEN}`, `/document-assets/${'0'.repeat(64)}?token=${TOKEN}x`]) {
      const r = await raw(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
      expect(r.status, p).toBe(403);
    }
  });

  it('refuses foreign and look-alike Origins, including Origin: null', async () => {
    const origins = [
      'null',
      'http://evil.example',
      `http://127.0.0.1:${port}.evil.example`,
      `http://127.0.0.1.evil.example:${port}`,
      `https://127.0.0.1:${port}`,
      `http://127.0.0.2:${port}`,
      `http://[::1]:${port}`,
      `http://localhost.:${port}`,
      `http://127.0.0.1:${port + 1}`,
      `http://127.0.0.1`,
      `file://`,
      `chrome-extension://abcdefghijklmnop`,
      '',
    ];
    for (const o of origins) expect(await upgradeStatus(`/rpc?token=${TOKEN}`, { Origin: o }), `Origin: ${o}`).toBe(403);
  });

  it('refuses foreign and look-alike Host headers (DNS rebinding), on pages, downloads and the socket', async () => {
    const hosts = [
      `evil.example:${port}`,
      `127.0.0.1:${port}.evil.example`,
      `127.0.0.1.nip.io:${port}`,
      `localhost`,
      `127.0.0.1`,
      `127.0.0.1:${port + 1}`,
      `[::1]:${port}`,
      `0.0.0.0:${port}`,
      `2130706433:${port}`,
      `localhost.:${port}`,
      '',
    ];
    for (const h of hosts) {
      expect(await upgradeStatus(`/rpc?token=${TOKEN}`, { Host: h, Origin: undefined }), `upgrade with Host: ${h}`).toBe(403);
      const page = await raw(`GET / HTTP/1.1\r\nHost: ${h}\r\nConnection: close\r\n\r\n`);
      // Node answers a request without a Host header with 400 itself; any refusal will do, never the page.
      expect([400, 403], `page with Host: ${h}`).toContain(page.status);
      expect(page.text).not.toContain('<!doctype html');
    }
    // An absolute-form target names another host: the Host header still decides, and it is checked.
    const absolute = await raw(`GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    expect(absolute.status).toBe(403);
  });

  it('closes a connection that sends a frame over the 32 MB limit, and keeps serving others', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${TOKEN}`, { headers: { Origin: `http://127.0.0.1:${port}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'listDocuments', args: ['x'.repeat(33 * 1024 * 1024)] }));
    expect(await closed).toBe(1009);
    // The host is still up and answers a fresh connection.
    const again = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${TOKEN}`, { headers: { Origin: `http://127.0.0.1:${port}` } });
    const reply = await new Promise<{ ok: boolean }>((resolve, reject) => {
      again.once('open', () => again.send(JSON.stringify({ t: 'call', id: 7, method: 'getHostInfo', args: [] })));
      again.once('message', (d) => resolve(JSON.parse(String(d))));
      again.once('error', reject);
    });
    expect(reply.ok).toBe(true);
    again.close();
    expect(child.exitCode).toBeNull();
  }, 60_000);

  it('refuses oversized request headers and bodies on plain HTTP', async () => {
    const big = await raw(`GET /?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`);
    // 431, or a reset that lost the 431 (seen once on a loaded machine): never an answer.
    expect(big.status === 431 || (big.reset === true && big.status === 0), `status ${big.status}, reset ${big.reset}`).toBe(true);
    const post = await raw(`POST /rpc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
    expect(post.status).toBe(405);
  });

  it('listens on 127.0.0.1 only: not on 127.0.0.2, ::1 or the machine\'s other addresses', async () => {
    const refused = (host: string) =>
      new Promise<string>((resolve) => {
        const s = net.connect({ host, port });
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        s.setTimeout(3000, () => {
          s.destroy();
          resolve('timeout');
        });
      });
    expect(await refused('127.0.0.1')).toBe('connected');
    const others = ['127.0.0.2', ...Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal).map((a) => a!.address.split('%')[0]!)];
    if (Object.values(os.networkInterfaces()).flat().some((a) => a?.address === '::1')) others.push('::1');
    for (const h of others) expect(await refused(h), `connect to ${h}:${port}`).not.toBe('connected');
    // And what the kernel says: the listening socket's local address.
    const listening = fs.readFileSync('/proc/net/tcp', 'utf8') + (fs.existsSync('/proc/net/tcp6') ? fs.readFileSync('/proc/net/tcp6', 'utf8') : '');
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const mine = listening.split('\n').filter((l) => l.includes(`:${hexPort} `) && / 0A /.test(l));
    expect(mine.length).toBeGreaterThan(0);
    // 0100007F is 127.0.0.1 in /proc's little-endian hex; nothing else listens on the port.
    for (const l of mine) expect(l.trim().split(/\s+/)[1]).toBe(`0100007F:${hexPort}`);
  });
});

describe('the token comparison', () => {
  it('is constant-time: every check goes through tokenMatches, which uses timingSafeEqual on equal-length digests', () => {
    const src = fs.readFileSync(path.join(ROOT, 'engine/web-host/server.ts'), 'utf8');
    const fn = /export function tokenMatches[\s\S]*?\n}/.exec(src)?.[0] ?? '';
    expect(fn).toContain('timingSafeEqual(digest(given), digest(token))');
    expect(src).toMatch(/function digest\(s: string\): Buffer \{\s*return createHash\('sha256'\)/);
    // No other comparison of the token: no ===/!==/includes/startsWith against it.
    const uses = src.split('\n').filter((l) => /\btoken\b/.test(l) && /(===|!==|==|\.includes\(|startsWith\()/.test(l));
    expect(uses).toEqual([]);
    expect(src.match(/tokenMatches\(/g)!.length).toBeGreaterThanOrEqual(4); // definition + rpc, download, asset
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches(`${TOKEN}\u0000`, TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });
});
