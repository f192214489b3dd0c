// Preloaded into the Quire CLI by bench/bench.ts (NODE_OPTIONS=--import): measures the main
// thread's event-loop delay with perf_hooks and, at exit, writes p50/p99/max (ms) as JSON to
// $QUIRE_BENCH_ELD_OUT. "all" covers the whole process life; "afterStartup" starts 2 s in.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';

const out = process.env.QUIRE_BENCH_ELD_OUT;
if (isMainThread && out) {
  const all = monitorEventLoopDelay({ resolution: 10 });
  const afterStartup = monitorEventLoopDelay({ resolution: 10 });
  all.enable();
  setTimeout(() => afterStartup.enable(), 2000).unref();
  const ms = (h) => ({
    samples: h.count,
    p50: +(h.percentile(50) / 1e6).toFixed(1),
    p99: +(h.percentile(99) / 1e6).toFixed(1),
    max: +(h.max / 1e6).toFixed(1),
  });
  process.on('exit', () => {
    all.disable();
    afterStartup.disable();
    writeFileSync(out, JSON.stringify({ all: ms(all), afterStartup: ms(afterStartup) }));
  });
}
