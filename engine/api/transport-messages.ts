/**
 * The rpc messages (rpc.ts) as they cross a text channel — the browser host's WebSocket —
 * and the one Transport over such a channel, shared by the server (engine/web-host, the
 * `ws` package) and the page (renderer/src/api, the DOM WebSocket). A frame is one JSON
 * text; decoding checks its shape with zod and drops anything else, so neither side ever
 * acts on a malformed message. Pure TypeScript.
 *
 * @example
 * const text = encodeMessage({ t: 'sub', event: 'onDidChangeJob' });
 * decodeMessage(text); // { t: 'sub', event: 'onDidChangeJob' }
 * decodeMessage('{"t":"call"}'); // null
 */
import { z } from 'zod';
import type { ErrorCode } from './errors.ts';
import type { Transport } from './rpc.ts';

const callMessage = z.object({ t: z.literal('call'), id: z.number(), method: z.string(), args: z.array(z.unknown()) });
const resultMessage = z.union([
  z.object({ t: z.literal('result'), id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({
    t: z.literal('result'),
    id: z.number(),
    ok: z.literal(false),
    error: z.object({ code: z.custom<ErrorCode>((v) => typeof v === 'string' && /^[A-Z_]+$/.test(v)), message: z.string() }),
  }),
]);
const subMessage = z.object({ t: z.enum(['sub', 'unsub']), event: z.string() });
const eventMessage = z.object({ t: z.literal('event'), event: z.string(), payload: z.unknown() });
export const rpcMessageSchema = z.union([callMessage, resultMessage, subMessage, eventMessage]);

export type CallMessage = z.infer<typeof callMessage>;
export type ResultMessage = z.infer<typeof resultMessage>;
export type SubMessage = z.infer<typeof subMessage>;
export type EventMessage = z.infer<typeof eventMessage>;
export type RpcMessage = z.infer<typeof rpcMessageSchema>;

/** One message as one text frame. */
export function encodeMessage(message: RpcMessage): string {
  return JSON.stringify(message);
}

/** The message a text frame holds, or null when it is not JSON or not an rpc message. */
export function decodeMessage(text: string): RpcMessage | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const result = rpcMessageSchema.safeParse(parsed);
  return result.success ? result.data : null;
}

/** What textFrameTransport needs of a socket; each side adapts its WebSocket to it. */
export interface TextSocket {
  isOpen(): boolean;
  sendText(text: string): void;
  /** Text frames only (binary frames are not ours); returns a function that stops listening. */
  onText(listener: (text: string) => void): () => void;
  /** Once, when the socket is gone for any reason. */
  onClose(listener: () => void): void;
  close(): void;
}

/** A Transport over a text socket: one message per frame, and one close notification. */
export function textFrameTransport(socket: TextSocket): Transport {
  const closeHandlers = new Set<() => void>();
  let closed = false;
  socket.onClose(() => {
    if (closed) return;
    closed = true;
    for (const h of [...closeHandlers]) h();
  });
  return {
    send(message) {
      // A frame sent while closing is dropped; the pending call is rejected by the close event.
      if (socket.isOpen()) socket.sendText(encodeMessage(message as RpcMessage));
    },
    onMessage(handler) {
      return socket.onText((text) => {
        const message = decodeMessage(text);
        if (message) handler(message);
      });
    },
    onClose(handler) {
      if (closed) queueMicrotask(handler);
      else closeHandlers.add(handler);
      return () => closeHandlers.delete(handler);
    },
    close() {
      socket.close();
    },
  };
}
