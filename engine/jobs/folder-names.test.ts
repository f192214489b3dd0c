import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderNames, foldName } from './folder-names.ts';
import { diskVerdict } from './output-claims.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function folder(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-folder-names-'));
  dirs.push(d);
  return d;
}

const who = { documentId: 'doc-1', jobId: null, overwrite: false };

describe('FolderNames: diskVerdict answered from a folder listing', () => {
  it('gives diskVerdict’s answer for every kind of path, before and after the folder is listed', () => {
    const dir = folder();
    fs.writeFileSync(path.join(dir, 'theirs.pdf'), 'not ours');
    fs.writeFileSync(path.join(dir, 'Notes.PDF'), 'upper case');
    fs.mkdirSync(path.join(dir, 'folder.html'));
    fs.symlinkSync(path.join(dir, 'theirs.pdf'), path.join(dir, 'link.pdf'));
    fs.symlinkSync(path.join(dir, 'gone.pdf'), path.join(dir, 'dangling.pdf'));
    const own = { document_id: 'doc-1', bytes: 8, sha256: null, pending_bytes: null, pending_sha256: null };
    const probes: Array<[string, typeof own | undefined, typeof who]> = [
      [path.join(dir, 'new.pdf'), undefined, who],
      [path.join(dir, 'theirs.pdf'), undefined, who],
      [path.join(dir, 'theirs.pdf'), undefined, { ...who, overwrite: true }],
      [path.join(dir, 'theirs.pdf'), own, who],
      [path.join(dir, 'notes.pdf'), undefined, who],
      [path.join(dir, 'Notes.PDF'), undefined, who],
      [path.join(dir, 'folder.html'), undefined, { ...who, overwrite: true }],
      [path.join(dir, 'link.pdf'), undefined, { ...who, overwrite: true }],
      [path.join(dir, 'dangling.pdf'), undefined, who],
      // A file where the path wants a folder: lstat's ENOTDIR, not "nothing there".
      [path.join(dir, 'theirs.pdf', 'x.pdf'), undefined, who],
    ];
    for (const listAfter of [0, 3, 1000]) {
      const names = new FolderNames({ listAfter });
      for (let round = 0; round < 3; round++) {
        for (const [file, row, asker] of probes) expect(names.verdict(file, row, asker), `${path.basename(file)}, listAfter ${listAfter}`).toEqual(diskVerdict(file, row, asker));
      }
    }
  });

  it('reads a folder once it was probed listAfter times, and from then on answers from that listing', () => {
    const dir = folder();
    const names = new FolderNames({ listAfter: 2 });
    const late = path.join(dir, 'late.pdf');
    expect(names.verdict(late, undefined, who)).toEqual({ free: true, mode: 'new' });
    // Still by lstat: a file made now is seen.
    fs.writeFileSync(late, 'made between two probes');
    expect(names.verdict(late, undefined, who)).toEqual({ free: false, reason: 'a file Quire did not write for this document' });
    // The third probe lists the folder; late.pdf is in it, so it is still looked at.
    expect(names.verdict(late, undefined, who)).toEqual({ free: false, reason: 'a file Quire did not write for this document' });
    // A file made after the listing is not seen by this FolderNames (one transaction's view:
    // publishOutput checks again when it writes), and is by the next one.
    const later = path.join(dir, 'later.pdf');
    fs.writeFileSync(later, 'made after the listing');
    expect(names.verdict(later, undefined, who)).toEqual({ free: true, mode: 'new' });
    const next = new FolderNames({ listAfter: 0 });
    expect(next.verdict(later, undefined, who)).toEqual({ free: false, reason: 'a file Quire did not write for this document' });
  });

  it('never lists a folder with more than maxNames entries: every probe there is an lstat', () => {
    const dir = folder();
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, `f${i}.txt`), '');
    const names = new FolderNames({ listAfter: 0, maxNames: 4 });
    expect(names.verdict(path.join(dir, 'a.pdf'), undefined, who)).toEqual({ free: true, mode: 'new' });
    fs.writeFileSync(path.join(dir, 'a.pdf'), 'made after the first probe');
    expect(names.verdict(path.join(dir, 'a.pdf'), undefined, who)).toEqual({ free: false, reason: 'a file Quire did not write for this document' });
  });

  it('a folder that cannot be listed (gone, or a file) is probed by lstat', () => {
    const dir = folder();
    const gone = path.join(dir, 'gone');
    const names = new FolderNames({ listAfter: 0 });
    expect(names.verdict(path.join(gone, 'a.pdf'), undefined, who)).toEqual(diskVerdict(path.join(gone, 'a.pdf'), undefined, who));
    fs.mkdirSync(gone);
    fs.writeFileSync(path.join(gone, 'a.pdf'), 'x');
    expect(names.verdict(path.join(gone, 'a.pdf'), undefined, who)).toEqual({ free: false, reason: 'a file Quire did not write for this document' });
  });
});

describe('foldName', () => {
  it('takes names a case-insensitive or normalizing file system would confuse to one spelling', () => {
    expect(foldName('Notes.PDF')).toBe(foldName('notes.pdf'));
    expect(foldName('STRASSE.pdf')).toBe(foldName('Straße.pdf'));
    expect(foldName('Cafe\u0301.pdf')).toBe(foldName('Caf\u00e9.pdf'));
    expect(foldName('ﬁle.pdf')).toBe(foldName('file.pdf'));
    expect(foldName('notes (2).pdf')).not.toBe(foldName('notes (3).pdf'));
  });
});
