/**
 * Test hook for the crash-window tests (tests/hardening/crash-windows.test.ts): with
 * QUIRE_TEST_PAUSE_AT=<point> set, the process says on stderr that it reached that point and
 * then waits there forever, so the test can SIGKILL it exactly in the window. Inert (one env
 * lookup) unless the variable names the point.
 *
 * Points: `output-renamed` (an output is in place, the job's rows do not know it yet),
 * `checkpoint-write:<step>` (inside the transaction that records that finished step),
 * `migration:<name>` (after a migration's statements ran, before it is recorded), `migration:fresh-schema`
 * (a new database's whole schema made, before its commit).
 *
 * @example
 * await pauseAt('output-renamed');
 */
export const PAUSED_MARK = 'quire-test-paused-at';

export async function pauseAt(point: string): Promise<void> {
  if (process.env.QUIRE_TEST_PAUSE_AT !== point) return;
  process.stderr.write(`${PAUSED_MARK} ${point}\n`);
  // A timer keeps the event loop (and so the process) alive until the test kills it.
  await new Promise<never>(() => setInterval(() => undefined, 60_000));
}
