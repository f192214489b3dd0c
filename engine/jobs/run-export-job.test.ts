import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobOutput } from '../api/types.ts';
import { renamedOutputsWarning } from './run-export-job.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-renamed-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const out = (format: JobOutput['format'], name: string): JobOutput => ({ format, path: path.join(dir, name), bytes: 1, sha256: 'x' });

describe('renamedOutputsWarning', () => {
  it('says nothing when every output has its plain name', () => {
    expect(renamedOutputsWarning(dir, 'notes', [out('html', 'notes.html'), out('md', 'notes.md')])).toEqual([]);
  });

  it('names only the files that are really in the way when the family moved together', () => {
    // Another folder's notes.md sits in the output folder: notes.html is free, but the html
    // output moves with the md one so that both keep one name.
    fs.writeFileSync(path.join(dir, 'notes.md'), 'a source');
    expect(renamedOutputsWarning(dir, 'notes', [out('html', 'notes (2).html'), out('md', 'notes (2).md')])).toEqual([
      'Saved as "notes (2).html", "notes (2).md": "notes.md" already exists and is not Quire\'s output for this document (or another export is writing it), so it was left untouched.',
    ]);
  });

  it('says another export is writing the names when nothing is on disk yet', () => {
    expect(renamedOutputsWarning(dir, 'report', [out('pdf', 'report (2).pdf')])).toEqual(['Saved as "report (2).pdf": another export is writing "report.pdf".']);
  });
});
