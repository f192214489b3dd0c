/**
 * A Transport (engine/api/rpc.ts) over one browser WebSocket: the same text frames and
 * codec as the browser host's server side (engine/api/transport-messages.ts).
 */
import type { Transport } from '../../../engine/api/rpc.ts';
import { textFrameTransport } from '../../../engine/api/transport-messages.ts';

/** The part of the DOM WebSocket we use (the `ws` package's client has it too, for tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
  removeEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
}

const OPEN = 1;

/** A browser WebSocket as the shared text-frame transport (engine/api/transport-messages.ts). */
export function socketTransport(socket: SocketLike): Transport {
  return textFrameTransport({
    isOpen: () => socket.readyState === OPEN,
    sendText: (text) => socket.send(text),
    onText(listener) {
      const onMessage = (event: { data?: unknown }) => {
        if (typeof event.data === 'string') listener(event.data);
      };
      socket.addEventListener('message', onMessage);
      return () => socket.removeEventListener('message', onMessage);
    },
    onClose: (listener) => socket.addEventListener('close', listener),
    close: () => socket.close(),
  });
}
