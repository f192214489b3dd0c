/**
 * The browser host against a real engine: static files with their types and CSP, the
 * token/Origin/Host checks on the WebSocket upgrade (403), and the token-protected download.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { API_EVENTS, API_METHODS, type QuireApi } from '../api/contract.ts';
import { connect, type Transport } from '../api/rpc.ts';
import { createEngine, type Engine } from '../engine.ts';
import { JsonSettingsStore, defaultSettings } from '../host/settings.ts';
import { TOKEN_FILE, createWebHostApi, loadOrCreateToken, webHostAssetReader } from './host.ts';
import { contentDisposition, startWebHost, tokenMatches, type WebHost } from './server.ts';

const TOKEN = 'server-test-token-abcdefghijklmnop';
let dir: string;
let engine: Engine;
let host: WebHost;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-web-host-'));
  const web = path.join(dir, 'web');
  fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Quire</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(web, 'assets', 'app.css'), 'body{}');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  const outDir = path.join(dir, 'out');
  engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: outDir, maxThreads: 1 });
  const settings = new JsonSettingsStore(path.join(dir, 'settings.json'), defaultSettings(outDir));
  host = await startWebHost({ api: createWebHostApi(engine, settings, '1.2.3'), staticDir: web, token: TOKEN, port: 0, readAsset: webHostAssetReader(engine) });
});

afterAll(async () => {
  await host.close();
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: pathAndQuery, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The HTTP status of a WebSocket upgrade attempt (101 when accepted). */
function upgradeStatus(query: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc${query}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      res.resume();
    });
    ws.on('error', (e) => {
      if (!String(e.message).includes('Unexpected server response')) reject(e);
    });
  });
}

function wsClient(): Promise<QuireApi & { dispose(): void; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc?token=${TOKEN}`, { headers: { Origin: host.origin } });
    ws.on('error', reject);
    ws.on('open', () => {
      const closeHandlers = new Set<() => void>();
      ws.on('close', () => closeHandlers.forEach((h) => h()));
      const transport: Transport = {
        send: (m) => ws.send(JSON.stringify(m)),
        onMessage: (h) => {
          const l = (d: WebSocket.RawData) => h(JSON.parse(String(d)));
          ws.on('message', l);
          return () => ws.off('message', l);
        },
        onClose: (h) => {
          closeHandlers.add(h);
          return () => closeHandlers.delete(h);
        },
        close: () => ws.close(),
      };
      resolve(Object.assign(connect<QuireApi>(transport, { methods: API_METHODS, events: API_EVENTS }), { socket: ws }));
    });
  });
}

describe('static files', () => {
  it('serves the page with its type, a strict CSP and no caching of index.html', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain(`ws://127.0.0.1:${host.port}`);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('serves scripts and styles with their types', async () => {
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/assets/missing.js')).status).toBe(404);
  });

  it('never serves a file outside its folder', async () => {
    for (const p of ['/../secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toContain('secret');
    }
  });

  it('refuses a foreign Host header (DNS rebinding) and methods other than GET/HEAD', async () => {
    expect((await get('/', { Host: `evil.example:${host.port}` })).status).toBe(403);
    const post = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: host.port, path: '/', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.end();
    });
    expect(post).toBe(405);
  });
});

describe('the WebSocket upgrade', () => {
  it('is refused with 403 without the token, with a wrong one, from a foreign Origin or Host', async () => {
    expect(await upgradeStatus('')).toBe(403);
    expect(await upgradeStatus('?token=wrong')).toBe(403);
    expect(await upgradeStatus(`?token=${TOKEN}`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`?token=${TOKEN}`, { Origin: `http://127.0.0.1:${host.port + 1}` })).toBe(403);
    expect(await upgradeStatus(`?token=${TOKEN}`, { Host: `attacker.example:${host.port}` })).toBe(403);
    expect(host.connectionCount).toBe(0);
  });

  it('is accepted with the token from the page origin (or localhost)', async () => {
    expect(await upgradeStatus(`?token=${TOKEN}`, { Origin: host.origin })).toBe(101);
    expect(await upgradeStatus(`?token=${TOKEN}`, { Origin: `http://localhost:${host.port}` })).toBe(101);
  });

  it('carries the contract; HostInfo says what the browser cannot do', async () => {
    const c = await wsClient();
    try {
      const info = await c.getHostInfo();
      expect(info).toMatchObject({ kind: 'browser', canOpenPath: false, canShowInFolder: false, downloadBase: '/download', assetBase: '/document-assets', version: '1.2.3' });
      await expect(c.openOutput('/etc/passwd')).rejects.toMatchObject({ code: 'UNSUPPORTED_ON_HOST' });
      // Payloads are validated on this side of the socket.
      await expect(c.getDocument('')).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    } finally {
      c.dispose();
      c.socket.close();
    }
  });
});

describe('downloads', () => {
  it('serves a job output with the token, as an attachment with its name', async () => {
    const doc = await engine.createDocument({ title: 'Résumé 2024', source: '# Résumé\n\ntext', format: 'md' });
    const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'] } });
    const [job] = await engine.waitForJobs([jobId]);
    expect(job!.status).toBe('completed');
    const out = job!.outputs[0]!;

    const r = await get(`/download/${jobId}/md?token=${TOKEN}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(r.headers['content-disposition']).toBe(contentDisposition(path.basename(out.path)));
    expect(r.headers['content-disposition']).toContain("filename*=UTF-8''R%C3%A9sum%C3%A9%202024.md");
    expect(r.body.equals(fs.readFileSync(out.path))).toBe(true);

    expect((await get(`/download/${jobId}/md`)).status).toBe(403);
    expect((await get(`/download/${jobId}/md?token=nope`)).status).toBe(403);
    expect((await get(`/download/${jobId}/pdf?token=${TOKEN}`)).status).toBe(404);
    expect((await get(`/download/no-such-job/md?token=${TOKEN}`)).status).toBe(404);
    fs.rmSync(out.path);
    expect((await get(`/download/${jobId}/md?token=${TOKEN}`)).status).toBe(410);
  });

  it('two documents with the same title: each download returns its own job\'s bytes, or says plainly it cannot', async () => {
    const jobs = [];
    for (const text of ['first of the twins', 'second of the twins']) {
      const doc = await engine.createDocument({ title: 'Twin', source: `# Twin\n\n${text}`, format: 'md' });
      const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'] } });
      const [job] = await engine.waitForJobs([jobId]);
      expect(job!.status).toBe('completed');
      jobs.push(job!);
    }
    expect(jobs[0]!.outputs[0]!.path).not.toBe(jobs[1]!.outputs[0]!.path);
    const [a, b] = await Promise.all(jobs.map((j) => get(`/download/${j.id}/md?token=${TOKEN}`)));
    expect(a!.status).toBe(200);
    expect(a!.body.toString()).toContain('first of the twins');
    expect(b!.body.toString()).toContain('second of the twins');

    // A file changed after Quire wrote it is refused, not served under the job's name.
    fs.appendFileSync(jobs[0]!.outputs[0]!.path, '\nedited by hand\n');
    const changed = await get(`/download/${jobs[0]!.id}/md?token=${TOKEN}`);
    expect(changed.status).toBe(409);
    expect(changed.body.toString()).toBe('Twin.md was changed or replaced after Quire wrote it; export again to get a fresh copy.\n');
    fs.rmSync(jobs[1]!.outputs[0]!.path);
    const gone = await get(`/download/${jobs[1]!.id}/md?token=${TOKEN}`);
    expect(gone.status).toBe(410);
    expect(gone.body.toString()).toMatch(/^Twin \(2\)\.md is gone .*export again to recreate it\.\n$/);
  });
});

describe('document assets', () => {
  // A 1×1 PNG and an SVG that would run a script if it were ever served as a page.
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==', 'base64');
  const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script><rect width="4" height="4"/></svg>');

  it('serves a stored image by its sha256 with the token, as an image that cannot run anything', async () => {
    const doc = await engine.createDocument({ title: 'Pics', source: '# Pics\n\n![a](img/a.png) ![b](b.svg)', format: 'md' });
    expect(doc.assets.map((a) => a.status)).toEqual(['missing', 'missing']);
    const withAssets = await engine.addDocumentAssets(doc.id, [
      { path: 'img/a.png', data: PNG.toString('base64') },
      { path: 'b.svg', data: SVG.toString('base64') },
    ]);
    const png = withAssets.assets.find((a) => a.ref === 'img/a.png')!;
    const svg = withAssets.assets.find((a) => a.ref === 'b.svg')!;
    expect(png).toMatchObject({ status: 'stored', mediaType: 'image/png' });
    expect(svg).toMatchObject({ status: 'stored', mediaType: 'image/svg+xml' });

    const r = await get(`/document-assets/${png.sha256}?token=${TOKEN}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toContain('immutable');
    expect(r.body.equals(PNG)).toBe(true);
    const s = await get(`/document-assets/${svg.sha256}?token=${TOKEN}`);
    expect(s.headers['content-type']).toBe('image/svg+xml');
    expect(s.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");

    // The same credentials as a download; only a 64-hex hash names an asset.
    expect((await get(`/document-assets/${png.sha256}`)).status).toBe(403);
    expect((await get(`/document-assets/${png.sha256}?token=nope`)).status).toBe(403);
    expect((await get(`/document-assets/${'0'.repeat(64)}?token=${TOKEN}`)).status).toBe(404);
    expect((await get(`/document-assets/${png.sha256!.toUpperCase()}?token=${TOKEN}`)).status).toBe(404);
    expect((await get(`/document-assets/..%2f..%2fsecret.txt?token=${TOKEN}`)).status).toBe(404);
  });
});

describe('tokens', () => {
  it('compares in constant time and rejects empty ones', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(null, TOKEN)).toBe(false);
  });

  it('keeps one token per data folder, readable only by its owner', () => {
    const data = path.join(dir, 'token-data');
    const a = loadOrCreateToken(data);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadOrCreateToken(data)).toBe(a);
    expect(fs.statSync(path.join(data, TOKEN_FILE)).mode & 0o777).toBe(0o600);
  });
});
