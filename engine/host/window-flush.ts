/**
 * Nothing typed is lost in the desktop app: before a window reloads or closes, and before
 * the app quits, main asks each page to send its pending saves now (engine/api/shell.ts)
 * and waits for the answer, within a time limit; when a page could not save, the person
 * is asked before anything goes away. Written against structural types (no electron
 * import): main/index.ts feeds it window events and ipcMain replies; tests feed it fakes.
 *
 * How a reload or close is caught: the page's `beforeunload` objects while it has unsaved
 * edits, and Electron then emits `will-prevent-unload` on the web contents (silently
 * cancelling the unload unless main calls preventDefault). `UnloadGuard` says what that
 * means now; `settleUnload` flushes, asks if needed, then does the reload or close again.
 *
 * @example
 * const flusher = new WindowFlusher({ allowedOrigins: [APP_ORIGIN], isTrustedPeer });
 * ipcMain.on(SHELL_FLUSH_REPLY, (e, reply) => flusher.receive(e.sender.id, frameOf(e.senderFrame), reply));
 * const outcomes = await flusher.requestAll(windows.map(peerOf)); // before quitting
 * const dialog = unsavedDialog('quit', outcomes); // null when every window saved
 */
import { SHELL_FLUSH_REQUEST, readFlushReply } from '../api/shell.ts';
import { checkSender, type IpcHubOptions, type IpcPeer, type IpcSenderFrame } from './ipc-hub.ts';
import type { TwoButtonDialog } from './desktop-policy.ts';

/** How long main waits for a page to save before it reloads, closes or quits anyway (or asks). */
export const FLUSH_TIMEOUT_MS = 3_000;

export type FlushOutcome =
  | { kind: 'saved' }
  | { kind: 'not-saved'; message: string | null }
  /** The page did not answer in time (busy, hung, or no longer listening). */
  | { kind: 'timeout' }
  /** The window was already gone: nothing to ask. */
  | { kind: 'gone' };

export interface WindowFlusherOptions extends Pick<IpcHubOptions, 'allowedOrigins' | 'isTrustedPeer' | 'onRefused'> {
  timeoutMs?: number;
}

export class WindowFlusher {
  readonly #options: WindowFlusherOptions;
  readonly #waiting = new Map<number, { peerId: number; resolve: (o: FlushOutcome) => void }>();
  #nextId = 1;

  constructor(options: WindowFlusherOptions) {
    this.#options = options;
  }

  /** Asks one window to save now. Resolves with its answer or after the time limit; never rejects. */
  request(peer: IpcPeer): Promise<FlushOutcome> {
    if (peer.isDestroyed()) return Promise.resolve({ kind: 'gone' });
    const id = this.#nextId++;
    return new Promise<FlushOutcome>((resolve) => {
      const timer = setTimeout(() => finish({ kind: 'timeout' }), this.#options.timeoutMs ?? FLUSH_TIMEOUT_MS);
      const finish = (o: FlushOutcome) => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        resolve(o);
      };
      this.#waiting.set(id, { peerId: peer.id, resolve: finish });
      try {
        peer.send(SHELL_FLUSH_REQUEST, { id });
      } catch {
        finish({ kind: 'gone' }); // destroyed between the check and the send
      }
    });
  }

  /** Every window at once (quitting): one outcome per window, in order. */
  requestAll(peers: readonly IpcPeer[]): Promise<FlushOutcome[]> {
    return Promise.all(peers.map((p) => this.request(p)));
  }

  /** A page's reply (ipcMain, SHELL_FLUSH_REPLY). Only our windows' top frames count. Never throws. */
  receive(peerId: number, frame: IpcSenderFrame | null, raw: unknown): void {
    const check = checkSender(peerId, frame, this.#options);
    if (!check.ok) {
      this.#options.onRefused?.(check.reason);
      return;
    }
    const reply = readFlushReply(raw);
    const waiting = reply && this.#waiting.get(reply.id);
    // A reply for another window's request is not this window's answer.
    if (!reply || !waiting || waiting.peerId !== peerId) return;
    waiting.resolve(reply.saved ? { kind: 'saved' } : { kind: 'not-saved', message: reply.message ?? null });
  }

  /** A window that closed or crashed: its pending request ends now instead of at the time limit. */
  forget(peerId: number): void {
    for (const w of [...this.#waiting.values()]) if (w.peerId === peerId) w.resolve({ kind: 'gone' });
  }
}

// ---- asking the person ------------------------------------------------------------------

export type LeaveAction = 'reload' | 'close' | 'quit';

export type UnsavedDialog = TwoButtonDialog<'warning'>;

export const STAY = 0;
export const LEAVE_ANYWAY = 1;

const LEAVE_LABEL: Record<LeaveAction, string> = { reload: 'Reload Anyway', close: 'Close Anyway', quit: 'Quit Anyway' };

/** The question when a window could not confirm its saves; null when every window saved (or was gone). */
export function unsavedDialog(action: LeaveAction, outcomes: readonly FlushOutcome[]): UnsavedDialog | null {
  const failed = outcomes.filter((o) => o.kind === 'not-saved' || o.kind === 'timeout');
  if (failed.length === 0) return null;
  const reason = failed
    .map((o) => (o.kind === 'not-saved' ? o.message : 'The window did not answer in time.'))
    .find((m): m is string => !!m);
  const stay = action === 'quit' ? 'Don’t Quit' : 'Stay';
  return {
    type: 'warning',
    buttons: [stay, LEAVE_LABEL[action]],
    defaultId: STAY,
    cancelId: STAY,
    title: 'Unsaved changes',
    message: 'Your latest changes are not saved yet.',
    detail: [
      reason ? `Quire could not save them: ${reason}` : 'Quire could not save them.',
      `If you ${action === 'quit' ? 'quit' : action} now, the window keeps a copy and Quire saves it the next time it opens this window.`,
    ].join(' '),
  };
}

/** The dialog's answer: anything but the "… Anyway" button (Esc, closing the dialog) stays. */
export function unsavedChoice(response: number): 'stay' | 'leave' {
  return response === LEAVE_ANYWAY ? 'leave' : 'stay';
}

// ---- reload and close ---------------------------------------------------------------------

/**
 * Per window: what a page's objection to unloading (`will-prevent-unload`) means now.
 * Electron emits the window's 'close' before the page's `beforeunload`, so a close that was
 * not cancelled is remembered (`markClosing`); any other unload is a reload.
 */
export class UnloadGuard {
  readonly #closing = new Set<number>();
  readonly #allowed = new Set<number>();

  /** The window's 'close' went ahead (nobody cancelled it). */
  markClosing(peerId: number): void {
    this.#closing.add(peerId);
  }

  /** The next unload of this window goes ahead even if its page objects (saved, or the person chose to leave). */
  allow(peerId: number): void {
    this.#allowed.add(peerId);
  }

  /**
   * The page objected. `proceed`: let the unload go on now (call preventDefault on the
   * event) — the app is quitting (its windows were flushed already) or leaving was allowed.
   * Otherwise the unload stays cancelled and `action` says what to do again after saving.
   */
  onPreventedUnload(peerId: number, quitting: boolean): { proceed: true } | { proceed: false; action: 'reload' | 'close' } {
    const closing = this.#closing.delete(peerId);
    if (quitting || this.#allowed.delete(peerId)) return { proceed: true };
    return { proceed: false, action: closing ? 'close' : 'reload' };
  }

  /** A page loaded or the window is gone: earlier marks no longer apply. */
  forget(peerId: number): void {
    this.#closing.delete(peerId);
    this.#allowed.delete(peerId);
  }
}

export interface SettleUnloadOptions {
  action: 'reload' | 'close';
  flush(): Promise<FlushOutcome>;
  /** Shows the dialog; resolves with the button pressed. */
  ask(dialog: UnsavedDialog): Promise<number>;
  /** Lets the next unload through (UnloadGuard.allow). */
  allow(): void;
  /** Reloads or closes the window again. */
  redo(): void;
}

/**
 * After a page objected to a reload or close: save, ask only when saving failed, then
 * reload or close again — or stay, when the person says so.
 */
export async function settleUnload(o: SettleUnloadOptions): Promise<'left' | 'stayed'> {
  const outcome = await o.flush();
  if (outcome.kind === 'gone') return 'left';
  const question = unsavedDialog(o.action, [outcome]);
  if (question && unsavedChoice(await o.ask(question)) === 'stay') return 'stayed';
  // Even when saved: the page's beforeunload may still see a save settling; do not ask it twice.
  o.allow();
  o.redo();
  return 'left';
}
