/**
 * Issue 11, pathological input: each generated document (pathological-corpus.ts) is exported by
 * the real CLI in a child process under /usr/bin/time -v. It must complete, or fail with a
 * message that names the problem (no stack trace, no library's internal text), within
 * TIME_LIMIT_MS and RSS_LIMIT_MB. The CI slice runs the cases not marked fullOnly, some of them
 * shrunk; QUIRE_HARDENING=full runs them all at full size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfinfo, rmrf, tempDir } from '../helpers.ts';
import { FULL, HAVE_GNU_TIME, expectClearMessage, runMeasured } from './input-support.ts';
import { PATHOLOGICAL_CASES } from './pathological-corpus.ts';

/** Wall time one export may take, start of the CLI to its exit (PDF included; the machine is shared). */
const TIME_LIMIT_MS = 150_000;
/** Peak resident set of the CLI process (main thread, worker threads, SQLite). */
const RSS_LIMIT_MB = 1536;

let dir: string;
const figures: string[] = [];

beforeAll(() => {
  dir = tempDir('quire-patho-');
});

afterAll(() => {
  if (figures.length) console.log(`pathological input (${FULL ? 'full' : 'reduced'}):\n${figures.join('\n')}`);
  if (dir) rmrf(dir);
});

const cases = PATHOLOGICAL_CASES.filter((c) => FULL || !c.fullOnly);

describe.skipIf(!HAVE_GNU_TIME)('pathological documents through bin/quire export', () => {
  for (const c of cases) {
    it(`${c.name}: ${c.what} → ${c.formats}`, async () => {
      const docDir = path.join(dir, c.name);
      fs.mkdirSync(docDir);
      c.write(docDir);
      const out = path.join(docDir, 'out');
      const run = await runMeasured(['export', path.join(docDir, c.file), '--format', c.formats, '--out', out, '--data-dir', path.join(docDir, 'data')], {
        timeoutMs: TIME_LIMIT_MS,
        reportDir: dir,
      });
      const said = `${run.stdout}\n${run.stderr}`.trim();
      figures.push(`  ${c.name.padEnd(16)} exit ${run.code}  ${(run.ms / 1000).toFixed(1).padStart(6)} s  peak RSS ${run.peakRssMb.toFixed(0).padStart(5)} MB  ${said.split('\n').at(-1)!.slice(0, 140)}`);

      expect(run.timedOut, `${c.name} ran past ${TIME_LIMIT_MS / 1000} s`).toBe(false);
      expect(run.peakRssMb, `${c.name}: peak RSS in MB`).toBeLessThan(RSS_LIMIT_MB);
      // Whatever happened, the user is told in words: no stack, no "unexpected error".
      expect(expectClearMessage(said), said.slice(0, 2000)).toEqual([]);
      expect(said, 'an internal error reached the user').not.toMatch(/unexpected error/i);
      expect(said, 'an internal error reached the user').not.toMatch(/\bINTERNAL\b/);

      if (run.code === 0) {
        const base = c.file.replace(/\.md$/, '');
        for (const format of c.formats.split(',')) {
          const file = path.join(out, `${base}.${format}`);
          expect(fs.existsSync(file), `${c.name}: ${format} output`).toBe(true);
          expect(fs.statSync(file).size).toBeGreaterThan(0);
          if (format === 'pdf') expect(Number(pdfinfo(file).Pages)).toBeGreaterThan(0);
        }
      } else {
        expect(c.mustComplete ? undefined : c.refusal, `${c.name} must complete but exited ${run.code}: ${said.slice(0, 500)}`).toBeDefined();
        expect(said, `${c.name}: the message names the problem`).toMatch(c.refusal!);
        // A refused or failed export leaves no partial output behind.
        const left = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => /\.(tmp|part)$|^\./.test(f)) : [];
        expect(left).toEqual([]);
      }
    }, TIME_LIMIT_MS + 30_000);
  }
});
