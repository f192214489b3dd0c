// @vitest-environment node
/**
 * The renderer's WebSocket client against the REAL browser host (engine/web-host) and a real
 * engine: reconnect with backoff after the host restarts, re-subscribe, reject or retry
 * calls that were in flight, and never hang. (Node 20 has no global WebSocket, so the `ws`
 * client stands in for the browser's; it has the same event API.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { DocumentChange } from '../../../engine/api/contract.ts';
import { startWebHost, type WebHost } from '../../../engine/web-host/server.ts';
import { startRealQuire, until, type RealQuire } from '../test-support/real-quire.ts';
import type { SocketLike } from './socket-transport.ts';
import { createWebSocketQuire, type ConnectionStatus, type WebSocketQuire } from './websocket-quire.ts';

const TOKEN = 'renderer-test-token-0123456789';
let q: RealQuire;
let staticDir: string;

beforeAll(async () => {
  q = await startRealQuire();
  staticDir = path.join(q.dir, 'web');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
});

afterAll(async () => {
  await q.close();
});

const host = (port = 0) => startWebHost({ api: q.serverApi, staticDir, token: TOKEN, port });

function client(port: number, token = TOKEN, readWaitMs = 10_000): WebSocketQuire {
  return createWebSocketQuire(`ws://127.0.0.1:${port}/rpc?token=${token}`, {
    WebSocket: WebSocket as unknown as new (url: string) => SocketLike,
    backoffMs: () => 50,
    readWaitMs,
  });
}

function statuses(c: WebSocketQuire): ConnectionStatus[] {
  const seen: ConnectionStatus[] = [c.connectionStatus];
  c.onDidChangeConnection((s) => seen.push(s));
  return seen;
}

describe('createWebSocketQuire', () => {
  it('calls, receives events, and reports its connection', async () => {
    const h = await host();
    const c = client(h.port);
    const seen = statuses(c);
    try {
      const changes: DocumentChange[] = [];
      c.onDidChangeDocument((ch) => changes.push(ch));
      expect(Array.isArray(await c.listDocuments())).toBe(true);
      expect(seen).toEqual(['connecting', 'open']);
      const doc = await c.createDocument({ title: 'Over WS', source: '# x', format: 'md' });
      await until(() => changes.some((ch) => ch.documentId === doc.id && ch.kind === 'created'), 'the created event');
      await expect(c.getDocument('nope')).rejects.toMatchObject({ name: 'QuireError', code: 'DOCUMENT_NOT_FOUND' });
    } finally {
      c.dispose();
      await h.close();
    }
  });

  it('after the host restarts: reconnects, re-subscribes, fails writes at once and lets reads wait', async () => {
    let h: WebHost = await host();
    const port = h.port;
    const c = client(port);
    const seen = statuses(c);
    try {
      const changes: DocumentChange[] = [];
      c.onDidChangeDocument((ch) => changes.push(ch));
      await c.listDocuments();
      await h.close();
      await until(() => c.connectionStatus === 'reconnecting', 'reconnecting');

      // A write while disconnected rejects at once; a read waits for the connection.
      const t0 = Date.now();
      await expect(c.createDocument({ title: 'Lost', source: '', format: 'md' })).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
      expect(Date.now() - t0).toBeLessThan(1_000);
      const read = c.listDocuments();

      h = await host(port);
      expect((await read).some((d) => d.title === 'Lost')).toBe(false);
      await until(() => c.connectionStatus === 'open', 'open again');
      expect(seen).toEqual(['connecting', 'open', 'reconnecting', 'open']);

      // Subscribed again on the new connection: events flow.
      const doc = await q.engine.createDocument({ title: 'After restart', source: '# y', format: 'md' });
      await until(() => changes.some((ch) => ch.documentId === doc.id), 'an event after the reconnect');
    } finally {
      c.dispose();
      await h.close();
    }
  });

  it('rejects a write in flight when the socket drops, and sends a read in flight again after reconnecting', async () => {
    // A server that accepts and never answers: both calls are in flight when it goes away.
    const blackHole = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => blackHole.once('listening', r));
    const port = (blackHole.address() as { port: number }).port;
    const c = client(port);
    try {
      await until(() => c.connectionStatus === 'open', 'connected to the black hole');
      const write = c.createDocument({ title: 'In flight', source: '', format: 'md' });
      const read = c.listWorkflows();
      const writeResult = write.then(
        () => 'resolved',
        (e) => e.code,
      );
      await until(() => blackHole.clients.size === 1, 'the client socket');
      for (const s of blackHole.clients) s.terminate();
      await new Promise<void>((r) => blackHole.close(() => r()));
      expect(await writeResult).toBe('TRANSPORT_CLOSED');

      const h = await host(port);
      try {
        expect((await read).map((w) => w.id)).toContain('report');
      } finally {
        c.dispose();
        await h.close();
      }
    } finally {
      c.dispose();
    }
  });

  it('never hangs when it cannot connect (wrong token): reads fail after their wait', async () => {
    const h = await host();
    const c = client(h.port, 'wrong-token-wrong-token-wrong', 300);
    try {
      const t0 = Date.now();
      await expect(c.listDocuments()).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(c.connectionStatus).toBe('connecting');
      expect(h.connectionCount).toBe(0);
    } finally {
      c.dispose();
      await h.close();
    }
  });

  it('dispose rejects what waits and stops reconnecting', async () => {
    const h = await host();
    const port = h.port;
    await h.close();
    const c = client(port);
    const read = c.listDocuments();
    c.dispose();
    await expect(read).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    expect(c.connectionStatus).toBe('closed');
  });
});
