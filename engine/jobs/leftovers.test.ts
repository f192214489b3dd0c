import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { createEngine } from '../engine.ts';
import { openDatabase } from '../store/db.ts';
import { JobStore } from '../store/job-store.ts';
import { removeLeftovers } from './leftovers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

/** A pid that existed and is gone: a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function folderWith(dir: string, bytes: number): string {
  fs.mkdirSync(path.join(dir, 'profile'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'profile', 'data'), Buffer.alloc(bytes));
  return dir;
}

describe('removeLeftovers', () => {
  it('removes work folders of ended jobs and Chromium folders of gone processes, keeps everything else, and counts the bytes', async () => {
    const root = tempDir('quire-leftovers-');
    dirs.push(root);
    const dataDir = path.join(root, 'data');
    const tmp = path.join(root, 'tmp');
    const work = path.join(dataDir, 'work');
    fs.mkdirSync(tmp, { recursive: true });

    const engine = await createEngine({ dataDir, outputDir: path.join(root, 'out'), runJobs: false });
    try {
      const doc = await engine.createDocument({ title: 'D', source: '# D', format: 'md' });
      const queued = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
      const cancelled = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['md'] } });
      await engine.cancelExport(cancelled.jobId);

      // A queued (or interrupted) job's folder holds its checkpointed export HTML: kept.
      const keepQueued = folderWith(path.join(work, queued.jobId), 100);
      const goneCancelled = folderWith(path.join(work, cancelled.jobId), 1_000);
      const goneUnknown = folderWith(path.join(work, 'no-such-job'), 10);
      const dead = deadPid();
      const goneChromium = folderWith(path.join(tmp, `quire-chromium-${dead}-AbC123`), 5_000);
      const keepMine = folderWith(path.join(tmp, `quire-chromium-${process.pid}-AbC123`), 7);
      const keepAlive = folderWith(path.join(tmp, 'quire-chromium-1-AbC123'), 7); // pid 1 always runs
      const keepForeign = folderWith(path.join(tmp, 'playwright_chromiumdev_profile-AbC123'), 7); // not provably ours
      const keepOddName = folderWith(path.join(tmp, `quire-chromium-${dead}`), 7);

      // The engine keeps its stores to itself; this test reads the same database file.
      const store = await openDatabase(engine.dbPath);
      const jobs = new JobStore(store.db);
      const removed = await removeLeftovers({ jobs, workDir: work, tempDir: tmp });
      expect(removed).toEqual({ folders: 3, bytes: 1_000 + 10 + 5_000 });
      for (const gone of [goneCancelled, goneUnknown, goneChromium]) expect(fs.existsSync(gone), gone).toBe(false);
      for (const kept of [keepQueued, keepMine, keepAlive, keepForeign, keepOddName]) expect(fs.existsSync(kept), kept).toBe(true);

      // Nothing more to do the second time; a missing folder is not an error.
      expect(await removeLeftovers({ jobs, workDir: path.join(root, 'none'), tempDir: tmp })).toEqual({ folders: 0, bytes: 0 });
      await store.close();
    } finally {
      await engine.close();
    }
  });

  it('runs when an engine that runs jobs starts, and reports what it freed', async () => {
    const root = tempDir('quire-leftovers-');
    dirs.push(root);
    const dataDir = path.join(root, 'data');
    folderWith(path.join(dataDir, 'work', 'ended-long-ago'), 2_048);
    const reader = await createEngine({ dataDir, runJobs: false });
    expect(reader.leftoversRemoved).toEqual({ folders: 0, bytes: 0 }); // read-only commands touch nothing
    await reader.close();
    expect(fs.existsSync(path.join(dataDir, 'work', 'ended-long-ago'))).toBe(true);
    const tmp = path.join(root, 'tmp');
    folderWith(path.join(tmp, `quire-chromium-${deadPid()}-XyZ789`), 1_000);
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp; // where the renderer would have made its folders
    try {
      const runner = await createEngine({ dataDir, pdfRenderer: { render: () => Promise.reject(new Error('unused')), close: async () => {} } });
      expect(runner.leftoversRemoved).toEqual({ folders: 2, bytes: 2_048 + 1_000 });
      await runner.close();
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'work', 'ended-long-ago'))).toBe(false);
  });
});
