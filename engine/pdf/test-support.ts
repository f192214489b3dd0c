/**
 * Test helpers: read PDFs the way a user would check them, with poppler (pdfinfo, pdftotext)
 * and qpdf. Not exported from index.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const MAX_OUTPUT = 256 * 1024 * 1024;

/** Runs `fn` with `pdf` written to a temp file, removed afterwards. */
export function withPdfFile<T>(pdf: Uint8Array, fn: (file: string, dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'quire-pdf-test-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    return fn(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `pdfinfo` fields, e.g. { Pages: '3', 'Page size': '595.92 x 842.88 pts (A4)', Tagged: 'yes' }. */
export function pdfInfo(pdf: Uint8Array): Record<string, string> {
  const out = withPdfFile(pdf, (file) => execFileSync('pdfinfo', [file], { encoding: 'utf8', maxBuffer: MAX_OUTPUT }));
  const info: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = line.match(/^([^:]+):\s*(.*)$/);
    if (m) info[m[1].trim()] = m[2].trim();
  }
  return info;
}

export function pdfPagesByPdfinfo(pdf: Uint8Array): number {
  return Number(pdfInfo(pdf).Pages);
}

export function pdfText(pdf: Uint8Array): string {
  return withPdfFile(pdf, (file) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', maxBuffer: MAX_OUTPUT }));
}

/** qpdf's JSON view; `outlines` lists the bookmarks. */
export function qpdfJson(pdf: Uint8Array): { outlines: Array<{ title: string; kids: unknown[] }> } {
  return JSON.parse(withPdfFile(pdf, (file) => execFileSync('qpdf', ['--json', '--json-key=outlines', file], { encoding: 'utf8', maxBuffer: MAX_OUTPUT })));
}

/** The same PDF rewritten by qpdf with extra arguments, e.g. ['--object-streams=generate']. */
export function qpdfRewrite(pdf: Uint8Array, args: string[]): Uint8Array {
  return withPdfFile(pdf, (file, dir) => {
    const out = path.join(dir, 'out.pdf');
    execFileSync('qpdf', [...args, file, out]);
    return readFileSync(out);
  });
}

/** A document with an h1 and `sections` h2 sections of a paragraph each. */
export function sampleHtml(title: string, sections: number, extraHead = '', extraBody = ''): string {
  const body = Array.from(
    { length: sections },
    (_, i) => `<h2>Section ${i + 1}</h2><p>${'The quick brown fox jumps over the lazy dog. '.repeat(12)}</p>`,
  ).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${extraHead}</head><body><h1>${title}</h1>${extraBody}${body}</body></html>`;
}

export interface PdfWord {
  page: number;
  text: string;
  yMin: number;
  yMax: number;
}

/** Every word with its vertical position in points from the top of its page (`pdftotext -bbox`). */
export function pdfWords(pdf: Uint8Array): PdfWord[] {
  const html = withPdfFile(pdf, (file) => execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8', maxBuffer: MAX_OUTPUT }));
  const words: PdfWord[] = [];
  let page = 0;
  for (const line of html.split('\n')) {
    if (line.includes('<page ')) page++;
    const m = line.match(/<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)<\/word>/);
    if (m) words.push({ page, text: m[3], yMin: Number(m[1]), yMax: Number(m[2]) });
  }
  return words;
}

export interface LaunchedChromium {
  pid: number;
  /** --user-data-dir of the launch. */
  userDataDir: string;
  /** The TMPDIR Chromium was given (the renderer's quire-chromium-<pid>-XXXXXX folder). */
  tempDir: string;
}

/**
 * Chromium browsers this process launched (Linux /proc; the Debian wrapper execs into
 * Chromium, so the browser is our direct child), e.g. to kill one mid-print.
 */
export function chromiumChildren(parentPid: number = process.pid): LaunchedChromium[] {
  const found: LaunchedChromium[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parentPid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const dirArg = args.find((a) => a.startsWith('--user-data-dir='));
      if (!args.includes('--remote-debugging-pipe') || !dirArg) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const tempDir = env.find((v) => v.startsWith('TMPDIR='))?.slice('TMPDIR='.length) ?? '';
      found.push({ pid: Number(entry), userDataDir: dirArg.slice('--user-data-dir='.length), tempDir });
    } catch {
      // The process exited while we looked.
    }
  }
  return found;
}

/** Whether any process still runs with `dir` in its command line (a Chromium left behind). */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
