/**
 * `window.quireShell` (engine/api/shell.ts): answers main's "save now" requests with the
 * page's flush. Written against the few members of `ipcRenderer` it uses (no electron
 * import), so it is tested under Node with a fake.
 */
import { SHELL_FLUSH_REPLY, SHELL_FLUSH_REQUEST, type FlushReport, type QuireShell } from '../engine/api/shell.ts';
import type { IpcRendererLike } from './ipc-transport.ts';

export function createShellBridge(ipc: IpcRendererLike): QuireShell {
  let handler: (() => Promise<FlushReport>) | null = null;

  const answer = (id: number, report: FlushReport) => ipc.send(SHELL_FLUSH_REPLY, { id, saved: report.saved === true, ...(typeof report.message === 'string' ? { message: report.message } : {}) });

  // The Electron event object stays here: the page only ever sees its handler called.
  ipc.on(SHELL_FLUSH_REQUEST, (_event, request) => {
    const id = (request as { id?: unknown } | null)?.id;
    if (typeof id !== 'number') return;
    // No page listening yet (still loading): nothing typed to save.
    if (!handler) return answer(id, { saved: true });
    handler().then(
      (report) => answer(id, report ?? { saved: false }),
      (e: unknown) => answer(id, { saved: false, message: e instanceof Error ? e.message : String(e) }),
    );
  });

  return Object.freeze({
    onFlushRequest(next: () => Promise<FlushReport>) {
      handler = next;
      return () => {
        if (handler === next) handler = null;
      };
    },
  } satisfies QuireShell);
}
