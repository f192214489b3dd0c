/**
 * Ctrl-C (SIGINT) or SIGTERM while a command runs jobs: close the engine — running jobs go
 * back to the queue, Chromium is closed (or killed) and its temp folder removed — then exit
 * 130 or 143. Without this, SIGTERM ended the process at once and left Chromium's folders
 * behind; a second signal exits at once (the next start removes what is left).
 *
 * @example
 * const release = exitOnStopSignals(engine, io, 'quire: interrupted; …\n');
 * try { await engine.runUntilIdle(); } finally { release(); }
 */
import type { Engine } from '../engine.ts';

const EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Installs the handlers; the returned function removes them (unless a signal already came). */
export function exitOnStopSignals(engine: Pick<Engine, 'close'>, io: { err: { write(s: string): unknown } }, message: string): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = EXIT_CODES[signal] ?? 1;
    if (stopping) process.exit(code);
    stopping = true;
    io.err.write(message);
    void engine
      .close()
      .catch(() => undefined)
      .finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    if (stopping) return;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
