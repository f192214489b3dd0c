/**
 * The browser host: serves the built renderer (out/web) and the QuireApi contract over a
 * WebSocket on loopback only, the way VS Code's workbench runs in a browser. Every API
 * connection and every download must carry the token; an upgrade from a foreign Origin or
 * with a foreign Host header (DNS rebinding) is refused with HTTP 403.
 *
 * @example
 * const host = await startWebHost({ api, staticDir: 'out/web', token, port: 0 });
 * console.log(`${host.origin}/?token=${token}`);
 * await host.close();
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { API_EVENTS, API_METHODS, type QuireApi } from '../api/contract.ts';
import { isQuireError } from '../api/errors.ts';
import { serve, type Transport } from '../api/rpc.ts';
import { textFrameTransport } from '../api/transport-messages.ts';
import { validateCall } from '../api/schemas.ts';
import type { ExportFormat } from '../api/types.ts';
import { ASSET_PATH, assetResponseHeaders } from '../host/app-protocol.ts';
import { resolveStaticFile } from '../host/static-files.ts';
import { readIntactOutput } from '../jobs/output-claims.ts';

/** Loopback only: the host is a local UI server, never reachable from the network. */
const WEB_HOST_ADDRESS = '127.0.0.1';
const RPC_PATH = '/rpc';
export const DOWNLOAD_PATH = '/download';
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Documents are capped at 10 MB of text, addDocumentAssets at 24 MB of base64 (schemas.ts); leave room for JSON escaping. */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
const PING_INTERVAL_MS = 20_000;

export interface WebHostOptions {
  api: QuireApi;
  /** The built renderer (index.html and assets/). */
  staticDir: string;
  token: string;
  /** 0 picks a free port. */
  port: number;
  /** Unexpected server-side errors (never sent to the page with a stack). */
  onError?: (e: unknown) => void;
  /** A stored document file by its sha256 (engine.readAsset); without it ASSET_PATH answers 404. */
  readAsset?: (sha256: string) => Promise<{ data: Buffer; mediaType: string } | null>;
}

export interface WebHost {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** The page's address with the token, as printed for the user. */
  readonly url: string;
  /** Open API connections (tests check that a refused upgrade never counts). */
  readonly connectionCount: number;
  close(): Promise<void>;
}

const DOWNLOAD_TYPES: Record<ExportFormat, string> = {
  pdf: 'application/pdf',
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
};

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  return timingSafeEqual(digest(given), digest(token));
}

function securityHeaders(port: number): Record<string, string> {
  const ws = `ws://${WEB_HOST_ADDRESS}:${port} ws://localhost:${port}`;
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      `connect-src 'self' ${ws}`,
      "frame-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "object-src 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** One server-side `ws` socket as the shared text-frame transport (engine/api/transport-messages.ts). */
function socketTransport(socket: WebSocket): Transport {
  return textFrameTransport({
    isOpen: () => socket.readyState === WebSocket.OPEN,
    sendText: (text) => socket.send(text),
    onText(listener) {
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        if (!isBinary) listener(String(data));
      };
      socket.on('message', onMessage);
      return () => socket.off('message', onMessage);
    },
    onClose: (listener) => socket.on('close', listener),
    close: () => socket.close(),
  });
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/** ASCII fallback plus RFC 5987 UTF-8 name, so "Résumé.pdf" downloads under its own name. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const { api, token } = options;
  const staticRoot = path.resolve(options.staticDir);
  const sockets = new Set<WebSocket>();
  let port = options.port;

  const allowedHosts = () => new Set([`${WEB_HOST_ADDRESS}:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://${WEB_HOST_ADDRESS}:${port}`, `http://localhost:${port}`]);
  const hostOk = (req: http.IncomingMessage) => allowedHosts().has(String(req.headers.host ?? '').toLowerCase());
  /** A browser always sends Origin on a WebSocket; a token-holding non-browser client may omit it. */
  const originOk = (req: http.IncomingMessage) => req.headers.origin === undefined || allowedOrigins().has(req.headers.origin.toLowerCase());

  const send = (res: http.ServerResponse, status: number, text: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...securityHeaders(port), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
    res.end(`${text}\n`);
  };

  const serveDownload = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (!tokenMatches(url.searchParams.get('token'), token)) return send(res, 403, 'Forbidden: missing or wrong token.');
    const parts = url.pathname.slice(DOWNLOAD_PATH.length + 1).split('/');
    if (parts.length !== 2) return send(res, 404, 'Not found.');
    const [jobId, format] = parts.map((p) => decodeURIComponent(p)) as [string, string];
    let job;
    try {
      job = await api.getJob(jobId);
    } catch (e) {
      if (isQuireError(e) && (e.code === 'JOB_NOT_FOUND' || e.code === 'INVALID_PAYLOAD')) return send(res, 404, `No job ${jobId}.`);
      throw e;
    }
    // Only a file the job itself recorded as its output: never a path from the request.
    const output = job.outputs.find((o) => o.format === format);
    if (!output) return send(res, 404, `Job ${jobId} has no ${format} output.`);
    // Only the bytes the job wrote: a file changed or replaced since (another export with
    // overwrite, a user's edit) is refused, never served under this job's name.
    let data: Buffer;
    try {
      data = await readIntactOutput(output);
    } catch (e) {
      if (isQuireError(e) && e.code === 'OUTPUT_MISSING') return send(res, 410, e.message);
      if (isQuireError(e) && e.code === 'OUTPUT_CHANGED') return send(res, 409, e.message);
      throw e;
    }
    res.writeHead(200, {
      ...securityHeaders(port),
      'Content-Type': DOWNLOAD_TYPES[output.format],
      'Content-Length': String(data.byteLength),
      'Content-Disposition': contentDisposition(path.basename(output.path)),
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') return res.end();
    res.end(data);
  };

  /** Content-addressed, so immutable; served as an image only, never as a page that could run. */
  const serveAsset = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (!tokenMatches(url.searchParams.get('token'), token)) return send(res, 403, 'Forbidden: missing or wrong token.');
    const sha = url.pathname.slice(ASSET_PATH.length + 1);
    if (!SHA256_HEX.test(sha) || !options.readAsset) return send(res, 404, 'Not found.');
    let asset: { data: Buffer; mediaType: string } | null;
    try {
      asset = await options.readAsset(sha);
    } catch (e) {
      if (isQuireError(e) && e.code === 'ASSET_NOT_FOUND') return send(res, 404, 'Not found.');
      throw e;
    }
    if (!asset) return send(res, 404, 'Not found.');
    const base = Object.fromEntries(Object.entries(securityHeaders(port)).map(([k, v]) => [k.toLowerCase(), v]));
    res.writeHead(200, {
      // The same rules as the desktop app's (an SVG opened on its own runs and loads nothing), replacing the page's CSP.
      ...base,
      ...assetResponseHeaders(asset.mediaType),
      'Content-Length': String(asset.data.byteLength),
    });
    if (req.method === 'HEAD') return res.end();
    res.end(asset.data);
  };

  const serveStatic = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    const hit = resolveStaticFile(staticRoot, url.pathname);
    if (!hit) return send(res, 404, 'Not found.');
    const { file, mime } = hit;
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
      if (!stat.isFile()) throw new Error('not a file');
    } catch {
      return send(res, 404, 'Not found.');
    }
    const hashed = url.pathname.startsWith('/assets/');
    res.writeHead(200, {
      ...securityHeaders(port),
      'Content-Type': mime,
      'Content-Length': String(stat.size),
      // Vite names assets by content hash; index.html must always be fresh.
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file)
      .on('error', (e) => res.destroy(e))
      .pipe(res);
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      if (!hostOk(req)) return send(res, 403, 'Forbidden: unexpected Host header.');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.', { Allow: 'GET, HEAD' });
      const url = new URL(req.url ?? '/', `http://${WEB_HOST_ADDRESS}:${port}`);
      if (url.pathname === RPC_PATH) return send(res, 426, 'Upgrade required: this address takes WebSocket connections.');
      if (url.pathname.startsWith(`${DOWNLOAD_PATH}/`)) return serveDownload(req, res, url);
      if (url.pathname.startsWith(`${ASSET_PATH}/`)) return serveAsset(req, res, url);
      return serveStatic(req, res, url);
    })().catch((e) => {
      options.onError?.(e);
      if (!res.headersSent) send(res, 500, 'Internal error.');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', `http://${WEB_HOST_ADDRESS}:${port}`);
    if (url.pathname !== RPC_PATH) return refuse(socket, 404, 'Not found.');
    if (!hostOk(req)) return refuse(socket, 403, 'Forbidden: unexpected Host header.');
    if (!originOk(req)) return refuse(socket, 403, 'Forbidden: foreign Origin.');
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuse(socket, 403, 'Forbidden: missing or wrong token.');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      let alive = true;
      ws.on('pong', () => (alive = true));
      const ping = setInterval(() => {
        // A peer that vanished without a FIN (sleep, network change) is dropped after one missed pong.
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, PING_INTERVAL_MS);
      ws.on('close', () => {
        clearInterval(ping);
        sockets.delete(ws);
      });
      ws.on('error', () => undefined);
      serve(api, socketTransport(ws), {
        methods: API_METHODS,
        events: API_EVENTS,
        validate: validateCall,
        onError: options.onError,
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, WEB_HOST_ADDRESS, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;
  const origin = `http://${WEB_HOST_ADDRESS}:${port}`;

  return {
    port,
    origin,
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    get connectionCount() {
      return sockets.size;
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
