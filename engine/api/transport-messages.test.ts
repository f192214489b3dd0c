import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, textFrameTransport, type RpcMessage, type TextSocket } from './transport-messages.ts';

describe('rpc message codec', () => {
  it('round-trips every kind of message', () => {
    const messages: RpcMessage[] = [
      { t: 'call', id: 1, method: 'getJob', args: ['j1'] },
      { t: 'result', id: 1, ok: true, value: { id: 'j1', outputs: [] } },
      { t: 'result', id: 2, ok: false, error: { code: 'JOB_NOT_FOUND', message: 'No job j1.' } },
      { t: 'sub', event: 'onDidChangeJob' },
      { t: 'unsub', event: 'onDidChangeJob' },
      { t: 'event', event: 'onDidChangeJob', payload: { id: 'j1' } },
    ];
    for (const m of messages) expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });

  it('drops what is not JSON or not a well-formed message', () => {
    for (const text of [
      'not json',
      '42',
      'null',
      '{"t":"call","id":1,"method":"getJob"}', // no args
      '{"t":"call","id":"1","method":"getJob","args":[]}',
      '{"t":"result","id":1,"ok":false,"error":{"code":"lower case","message":"x"}}',
      '{"t":"result","id":1,"ok":false}',
      '{"t":"sub"}',
      '{"t":"hello","event":"x"}',
    ]) {
      expect(decodeMessage(text), text).toBeNull();
    }
  });
});

/** A pair of connected text sockets, as two ends of one WebSocket. */
function socketPair(): [TextSocket & { frames: string[] }, TextSocket] {
  const listeners: Array<Set<(t: string) => void>> = [new Set(), new Set()];
  const closers: Array<Array<() => void>> = [[], []];
  let open = true;
  const end = (me: 0 | 1) => ({
    frames: [] as string[],
    isOpen: () => open,
    sendText(text: string) {
      this.frames.push(text);
      for (const l of listeners[1 - me]!) l(text);
    },
    onText(l: (t: string) => void) {
      listeners[me]!.add(l);
      return () => listeners[me]!.delete(l);
    },
    onClose: (l: () => void) => void closers[me]!.push(l),
    close() {
      open = false;
      for (const side of closers) for (const l of side) l();
    },
  });
  return [end(0), end(1)];
}

describe('textFrameTransport', () => {
  it('sends each message as one frame, delivers only well-formed ones, and closes once', async () => {
    const [a, b] = socketPair();
    const left = textFrameTransport(a);
    const right = textFrameTransport(b);
    const got: unknown[] = [];
    right.onMessage((m) => got.push(m));
    left.send({ t: 'sub', event: 'onDidChangeJob' });
    a.sendText('{"t":"call"}'); // malformed: never reaches the handler
    expect(a.frames[0]).toBe('{"t":"sub","event":"onDidChangeJob"}');
    expect(got).toEqual([{ t: 'sub', event: 'onDidChangeJob' }]);

    let closes = 0;
    right.onClose(() => closes++);
    left.close();
    left.close();
    expect(closes).toBe(1);
    left.send({ t: 'sub', event: 'x' }); // after close: dropped
    expect(a.frames).toHaveLength(2);
    // A handler added after the close still hears about it.
    await new Promise<void>((resolve) => right.onClose(resolve));
  });
});
