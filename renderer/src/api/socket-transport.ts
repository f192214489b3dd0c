/**
 * A Transport (engine/api/rpc.ts) over one browser WebSocket: JSON text frames, and one
 * close notification when the socket goes away for any reason.
 */
import type { Transport } from '../../../engine/api/rpc.ts';

/** The part of the DOM WebSocket we use (the `ws` package's client has it too, for tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
  removeEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
}

const OPEN = 1;

export function socketTransport(socket: SocketLike): Transport {
  const closeHandlers = new Set<() => void>();
  let closed = false;
  socket.addEventListener('close', () => {
    if (closed) return;
    closed = true;
    for (const h of [...closeHandlers]) h();
  });
  return {
    send(message) {
      // A frame sent while closing is dropped; the pending call is rejected by the close event.
      if (socket.readyState === OPEN) socket.send(JSON.stringify(message));
    },
    onMessage(handler) {
      const listener = (event: { data?: unknown }) => {
        if (typeof event.data !== 'string') return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(event.data);
        } catch {
          return;
        }
        handler(parsed);
      };
      socket.addEventListener('message', listener);
      return () => socket.removeEventListener('message', listener);
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
