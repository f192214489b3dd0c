/**
 * Main asking windows to save before a reload, close or quit: the real WindowFlusher talking
 * to the real preload bridge (preload/shell-bridge.ts) over a stand-in for Electron's IPC
 * (two event emitters with structured cloning and async delivery, as Electron's are).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SHELL_FLUSH_REPLY } from '../api/shell.ts';
import { createShellBridge } from '../../preload/shell-bridge.ts';
import type { IpcPeer, IpcSenderFrame } from './ipc-hub.ts';
import {
  FLUSH_TIMEOUT_MS,
  LEAVE_ANYWAY,
  STAY,
  UnloadGuard,
  WindowFlusher,
  settleUnload,
  unsavedChoice,
  unsavedDialog,
  type FlushOutcome,
} from './window-flush.ts';

const ORIGIN = 'quire://app';
const TOP: IpcSenderFrame = { url: 'quire://app/index.html', isMainFrame: true };

/** One window: main's view (an IpcPeer) and the page's ipcRenderer, wired through `main`. */
function fakeWindow(id: number, main: EventEmitter, frame: IpcSenderFrame = TOP) {
  const page = new EventEmitter();
  let destroyed = false;
  const peer: IpcPeer = {
    id,
    send: (channel, payload) => {
      if (destroyed) throw new Error('Object has been destroyed');
      const copy = structuredClone(payload);
      setImmediate(() => page.emit(channel, { sender: 'IpcRendererEvent' }, copy));
    },
    isDestroyed: () => destroyed,
  };
  const ipcRenderer = {
    send: (channel: string, payload: unknown) => {
      const copy = structuredClone(payload);
      setImmediate(() => !destroyed && main.emit(channel, { senderId: id, frame }, copy));
    },
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => page.on(channel, listener),
    removeListener: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => page.off(channel, listener),
  };
  return { peer, shell: createShellBridge(ipcRenderer), destroy: () => (destroyed = true) };
}

function setup(options: { timeoutMs?: number; trusted?: number[] } = {}) {
  const main = new EventEmitter();
  const refused: string[] = [];
  const trusted = new Set(options.trusted ?? [1, 2, 3]);
  const flusher = new WindowFlusher({
    allowedOrigins: [ORIGIN],
    isTrustedPeer: (id) => trusted.has(id),
    onRefused: (r) => refused.push(r),
    timeoutMs: options.timeoutMs ?? 2_000,
  });
  main.on(SHELL_FLUSH_REPLY, (e: { senderId: number; frame: IpcSenderFrame }, reply: unknown) => flusher.receive(e.senderId, e.frame, reply));
  return { main, flusher, refused };
}

describe('WindowFlusher with the preload bridge', () => {
  it('asks the page to save and gets its answer: saved', async () => {
    const { main, flusher } = setup();
    const win = fakeWindow(1, main);
    let flushes = 0;
    win.shell.onFlushRequest(async () => {
      flushes++;
      await new Promise((r) => setTimeout(r, 30)); // the save going to the engine
      return { saved: true };
    });
    expect(await flusher.request(win.peer)).toEqual({ kind: 'saved' });
    expect(flushes).toBe(1);
  });

  it('passes on why the page could not save; a throwing flush counts as not saved', async () => {
    const { main, flusher } = setup();
    const win = fakeWindow(1, main);
    const off = win.shell.onFlushRequest(async () => ({ saved: false, message: 'Not connected to Quire right now.' }));
    expect(await flusher.request(win.peer)).toEqual({ kind: 'not-saved', message: 'Not connected to Quire right now.' });
    off();
    win.shell.onFlushRequest(async () => {
      throw new Error('disk full');
    });
    expect(await flusher.request(win.peer)).toEqual({ kind: 'not-saved', message: 'disk full' });
  });

  it('a page still loading (no flush registered) has nothing to save', async () => {
    const { main, flusher } = setup();
    const win = fakeWindow(1, main);
    expect(await flusher.request(win.peer)).toEqual({ kind: 'saved' });
  });

  it('stops waiting at the time limit when the page does not answer', async () => {
    const { main, flusher } = setup({ timeoutMs: 80 });
    const win = fakeWindow(1, main);
    win.shell.onFlushRequest(() => new Promise(() => undefined)); // hung
    const t0 = Date.now();
    expect(await flusher.request(win.peer)).toEqual({ kind: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(FLUSH_TIMEOUT_MS).toBeLessThanOrEqual(5_000); // quitting never waits long
  });

  it('a window already gone, or closed while asked, ends at once', async () => {
    const { main, flusher } = setup({ timeoutMs: 5_000 });
    const gone = fakeWindow(1, main);
    gone.destroy();
    expect(await flusher.request(gone.peer)).toEqual({ kind: 'gone' });

    const closing = fakeWindow(2, main);
    closing.shell.onFlushRequest(() => new Promise(() => undefined));
    const pending = flusher.request(closing.peer);
    closing.destroy();
    flusher.forget(2);
    const t0 = Date.now();
    expect(await pending).toEqual({ kind: 'gone' });
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('asks every window at once when quitting', async () => {
    const { main, flusher } = setup();
    const a = fakeWindow(1, main);
    const b = fakeWindow(2, main);
    a.shell.onFlushRequest(async () => ({ saved: true }));
    b.shell.onFlushRequest(async () => ({ saved: false, message: 'offline' }));
    expect(await flusher.requestAll([a.peer, b.peer])).toEqual([{ kind: 'saved' }, { kind: 'not-saved', message: 'offline' }]);
  });

  it('ignores answers from other windows, subframes, foreign origins and untrusted web contents', async () => {
    const { main, flusher, refused } = setup({ timeoutMs: 150, trusted: [1, 2] });
    const win = fakeWindow(1, main);
    win.shell.onFlushRequest(() => new Promise(() => undefined));
    const pending = flusher.request(win.peer);
    await new Promise((r) => setTimeout(r, 20));
    // Request ids start at 1: each forger answers "saved" for it.
    flusher.receive(2, TOP, { id: 1, saved: true }); // another of our windows
    flusher.receive(1, { url: 'quire://app/index.html', isMainFrame: false }, { id: 1, saved: true });
    flusher.receive(1, { url: 'https://evil.example/', isMainFrame: true }, { id: 1, saved: true });
    flusher.receive(9, TOP, { id: 1, saved: true });
    flusher.receive(1, TOP, { id: 1, saved: 'yes' }); // malformed
    expect(await pending).toEqual({ kind: 'timeout' });
    expect(refused).toHaveLength(3);
  });
});

describe('asking the person', () => {
  it('asks only when a window could not save, naming why, with Stay as the default', () => {
    expect(unsavedDialog('quit', [{ kind: 'saved' }, { kind: 'gone' }])).toBeNull();
    const d = unsavedDialog('quit', [{ kind: 'saved' }, { kind: 'not-saved', message: 'Not connected to Quire right now.' }])!;
    expect(d).toMatchObject({ type: 'warning', buttons: ['Don’t Quit', 'Quit Anyway'], defaultId: STAY, cancelId: STAY, message: 'Your latest changes are not saved yet.' });
    expect(d.detail).toContain('Not connected to Quire right now.');
    expect(unsavedDialog('reload', [{ kind: 'timeout' }])!.buttons).toEqual(['Stay', 'Reload Anyway']);
    expect(unsavedDialog('close', [{ kind: 'timeout' }])!.detail).toContain('did not answer in time');
    expect(unsavedChoice(LEAVE_ANYWAY)).toBe('leave');
    expect(unsavedChoice(STAY)).toBe('stay');
    expect(unsavedChoice(-1)).toBe('stay'); // Esc
  });
});

describe('UnloadGuard and settleUnload', () => {
  it('tells a close from a reload, lets an allowed unload or a quit through once', () => {
    const g = new UnloadGuard();
    expect(g.onPreventedUnload(1, false)).toEqual({ proceed: false, action: 'reload' });
    g.markClosing(1);
    expect(g.onPreventedUnload(1, false)).toEqual({ proceed: false, action: 'close' });
    expect(g.onPreventedUnload(1, false)).toEqual({ proceed: false, action: 'reload' }); // the mark is used up
    g.allow(1);
    expect(g.onPreventedUnload(1, false)).toEqual({ proceed: true });
    expect(g.onPreventedUnload(1, false)).toEqual({ proceed: false, action: 'reload' });
    expect(g.onPreventedUnload(2, true)).toEqual({ proceed: true }); // quitting: windows were flushed already
    g.allow(3);
    g.forget(3); // the page reloaded meanwhile: the permission was for the old page
    expect(g.onPreventedUnload(3, false)).toEqual({ proceed: false, action: 'reload' });
  });

  async function settle(outcome: FlushOutcome, answer = STAY) {
    const log: string[] = [];
    const result = await settleUnload({
      action: 'close',
      flush: async () => (log.push('flush'), outcome),
      ask: async (d) => (log.push(`ask: ${d.buttons.join('/')}`), answer),
      allow: () => log.push('allow'),
      redo: () => log.push('close'),
    });
    return { result, log };
  }

  it('saves, then closes again without asking', async () => {
    expect(await settle({ kind: 'saved' })).toEqual({ result: 'left', log: ['flush', 'allow', 'close'] });
  });

  it('when saving failed: asks; Stay keeps the window, Close Anyway closes it', async () => {
    expect(await settle({ kind: 'not-saved', message: 'offline' }, STAY)).toEqual({ result: 'stayed', log: ['flush', 'ask: Stay/Close Anyway'] });
    expect(await settle({ kind: 'timeout' }, LEAVE_ANYWAY)).toEqual({ result: 'left', log: ['flush', 'ask: Stay/Close Anyway', 'allow', 'close'] });
  });

  it('a window gone meanwhile: nothing to do', async () => {
    expect(await settle({ kind: 'gone' })).toEqual({ result: 'left', log: ['flush'] });
  });
});
