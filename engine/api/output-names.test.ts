import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, nthName, safeBaseName, truncateUtf8 } from './output-names.ts';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const DIR = path.resolve('/srv/out');

/** The whole file name, at its longest: numbered suffix and the longest extension. */
function longest(base: string): string {
  return `${nthName(base, 99_999)}.html`;
}

function expectContained(title: string): string {
  const base = safeBaseName(title);
  for (const name of [`${base}.pdf`, `${nthName(base, 2)}.md`, longest(base)]) {
    const full = path.resolve(DIR, name);
    expect(full.startsWith(DIR + path.sep), `${title} → ${name}`).toBe(true);
    expect(path.dirname(full)).toBe(DIR);
    expect(bytes(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
  }
  expect(base).not.toMatch(/[\/\\:\u0000-\u001f]/);
  expect(base).not.toMatch(/^[.\s]|[.\s]$/);
  return base;
}

describe('safeBaseName', () => {
  it('keeps names that escape the folder inside it', () => {
    expect(expectContained('../x')).toBe('x');
    expect(expectContained('../../etc/passwd')).toBe('etc-passwd');
    expect(expectContained('/etc/passwd')).toBe('etc-passwd');
    expect(expectContained('C:\\x')).toBe('C-x');
    expect(expectContained('C:')).toBe('C');
    expect(expectContained('\\\\server\\share\\x')).toBe('server-share-x');
    expect(expectContained('..')).toBe('document');
    expect(expectContained('.')).toBe('document');
    expect(expectContained('.hidden')).toBe('hidden');
  });

  it('renames what Windows reserves, in any case and with an extension', () => {
    expect(expectContained('CON')).toBe('CON_');
    expect(expectContained('aux.txt')).toBe('aux_.txt');
    expect(expectContained('lpt1')).toBe('lpt1_');
    expect(expectContained('Nul ')).toBe('Nul_');
    expect(expectContained('com9.tar.gz')).toBe('com9_.tar.gz');
    expect(expectContained('console')).toBe('console');
    expect(expectContained('auxiliary.txt')).toBe('auxiliary.txt');
  });

  it('drops trailing dots and spaces, control characters, NUL and bidi overrides', () => {
    expect(expectContained('name. . ')).toBe('name');
    expect(expectContained('a\u0000b')).toBe('a-b');
    expect(expectContained('line\nbreak\ttab')).toBe('line-break-tab');
    expect(expectContained('report\u202Efdp.exe')).toBe('report-fdp.exe');
    expect(expectContained('   ')).toBe('document');
    expect(expectContained('')).toBe('document');
  });

  it('fits long titles in 255 bytes with the suffix and extension, cut on a character boundary', () => {
    const cjk = '漢字'.repeat(50); // 300 bytes
    expect(bytes(cjk)).toBe(300);
    const base = expectContained(cjk);
    expect(cjk.startsWith(base)).toBe(true);
    expect(base).not.toContain('\ufffd');

    const emoji = '👩‍👩‍👧‍👦'.repeat(40); // 25 bytes per family: over the limit
    const e = expectContained(emoji);
    // Whole families only: never a half-joined sequence or a lone surrogate.
    expect(e.length % '👩‍👩‍👧‍👦'.length).toBe(0);
    expect(e.length).toBeGreaterThan(0);

    const long = 'é'.repeat(300);
    expect(expectContained(long)).toBe('é'.repeat(80));
  });

  it('keeps ordinary titles as they are', () => {
    expect(safeBaseName('Quarterly Report')).toBe('Quarterly Report');
    expect(safeBaseName('Résumé 2024')).toBe('Résumé 2024');
    expect(safeBaseName('Q3: "final"?')).toBe('Q3- -final');
  });
});

describe('truncateUtf8', () => {
  it('never splits a character', () => {
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('漢字', 5)).toBe('漢');
    expect(truncateUtf8('abc', 3)).toBe('abc');
  });
});

describe('safeBaseName, asked again', () => {
  it('answers a title seen before as the first time, past the size of its memory too', () => {
    const titles = Array.from({ length: 2_500 }, (_, i) => `Ch${i % 1_200} a/b:c ${'é'.repeat(i % 3)}`);
    const first = titles.map((t) => safeBaseName(t));
    expect(titles.map((t) => safeBaseName(t))).toEqual(first);
    expect(first[1]).toBe('Ch1 a-b-c é');
    expect(safeBaseName('con.txt')).toBe(safeBaseName('con.txt'));
    expect(safeBaseName('con.txt')).toBe('con_.txt');
  });
});
