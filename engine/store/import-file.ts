/**
 * Reading a document from disk for import, with a specific error for each way a file can be
 * wrong. Nothing is written anywhere until every check has passed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { frontMatterLayer, parseFrontMatter, plainTitle } from '../api/front-matter.ts';
import { Errors } from '../api/errors.ts';
import type { SourceFormat } from '../api/types.ts';
import { lexMarkdown } from '../pipeline/markdown-lexer.ts';
import { deepestNesting } from '../pipeline/nesting.ts';

/** Larger documents render to thousands of PDF pages; refuse them clearly instead of hanging. */
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

const MD_EXT = new Set(['.md', '.markdown', '.mdown', '.mkd', '.txt']);
const HTML_EXT = new Set(['.html', '.htm', '.xhtml']);

export interface ImportedFile {
  path: string;
  title: string;
  source: string;
  format: SourceFormat;
  baseDir: string;
  /** The file's name without extension, used for output names. */
  baseName: string;
}

/** Offset of the first byte that breaks UTF-8, or -1. TextDecoder validates; this only locates. */
function firstInvalidUtf8Offset(buf: Uint8Array): number {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return -1;
  } catch {
    // fall through to find where
  }
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c === undefined || c < min || c > max) return i;
    }
    i += need + 1;
  }
  return 0;
}

export function titleFrom(source: string, format: SourceFormat, fallback: string): string {
  if (format === 'html') {
    const m = /<title[^>]*>([^<]*)<\/title>/i.exec(source) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(source);
    const t = m?.[1]?.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
    return t || fallback;
  }
  return markdownTitle(source) || fallback;
}

/**
 * The first level-1 heading (ATX `# T` or setext `T` over `===`) outside code and HTML
 * comments (a `# comment` in a shell or Rust block is not a title), else a heading of any
 * level that opens the document (book chapters often start with `## Chapter`, some after an
 * empty anchor: showsNothing). '' if
 * neither. marked's lexer reads the structure, so code and comments are what marked says.
 */
function markdownTitle(source: string): string {
  // Front matter's title first; its block is never read as Markdown (its closing "---" would
  // make "title: …" a setext heading).
  const fm = parseFrontMatter(source);
  const fmTitle = frontMatterLayer(fm.data).title;
  if (fmTitle) return plainTitle(fmTitle);
  let opening = '';
  let first = true;
  // Nesting too deep for marked (see nesting.ts): named by its file; the export refuses it by name.
  if (deepestNesting(fm.body)) return '';
  // Most documents open with a heading: their first block alone is lexed (a heading ends before
  // the first blank line, so its token is the whole text's). It is the title if it is a level-1
  // one, or if no line could make a level-1 heading anywhere; else the whole text decides.
  const head = lexMarkdown(firstBlock(fm.body)).find((t) => t.type !== 'space');
  if (head?.type === 'heading') {
    const text = plainTitle(head.text);
    if (head.depth === 1 && text) return text;
    if (!fm.body.includes('\r') && !MAY_BE_H1.test(fm.body)) return text;
  }
  for (const token of lexMarkdown(fm.body)) {
    if (token.type === 'space' || ((token.type === 'html' || token.type === 'paragraph') && showsNothing(token.raw))) continue;
    if (token.type === 'heading') {
      const text = plainTitle(token.text);
      if (token.depth === 1 && text) return text;
      if (first) opening = text;
    }
    first = false;
  }
  return opening;
}

/**
 * HTML that prints nothing: comments and empty link targets (`<a id="old-name"></a>`, which
 * mdBook chapters put before their heading so that old links still land). A document that
 * opens with them (a line of them is a paragraph to CommonMark) still opens with its heading.
 */
export function showsNothing(html: string): boolean {
  return /^\s*(?:(?:<!--[\s\S]*?-->|<a\s+(?:id|name)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)\s*>\s*<\/a>)\s*)+$/i.test(html);
}

/** A line that could be a level-1 heading: ATX "# T" or a setext "===" underline. */
const MAY_BE_H1 = /^ {0,3}(?:#(?:[ \t]|$)|=+[ \t]*$)/m;

/** The text up to the first blank line after its first non-blank one (all of it if none). */
function firstBlock(body: string): string {
  const start = body.search(/\S/);
  if (start < 0) return body;
  const gap = /\n *\n/g;
  gap.lastIndex = start;
  const m = gap.exec(body);
  return m ? body.slice(0, m.index + 1) : body;
}

function formatFromName(name: string): SourceFormat | undefined {
  const ext = path.extname(name).toLowerCase();
  return MD_EXT.has(ext) ? 'md' : HTML_EXT.has(ext) ? 'html' : undefined;
}

/** The checks of readDocumentFile for text that arrives without a file (drag and drop in the UI). */
export function documentFromText(fileName: string, content: string, maxBytes = MAX_DOCUMENT_BYTES): Omit<ImportedFile, 'path' | 'baseDir'> {
  const format = formatFromName(fileName);
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > maxBytes) throw Errors.fileTooLarge(fileName, bytes, maxBytes);
  if (content.includes('\u0000')) throw Errors.fileBinary(fileName);
  if (content.includes('\ufffd\ufffd\ufffd')) throw Errors.fileNotUtf8(fileName, content.indexOf('\ufffd'));
  if (!format) throw Errors.unsupportedFileType(fileName);
  const source = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  if (source.trim() === '') throw Errors.fileEmpty(fileName);
  const baseName = path.basename(fileName, path.extname(fileName));
  return { title: titleFrom(source, format, baseName), source, format, baseName };
}

/** Validates and reads one file. Throws a QuireError that names the file and the problem. */
export function readDocumentFile(file: string, maxBytes = MAX_DOCUMENT_BYTES): ImportedFile {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw Errors.fileNotFound(file);
    throw Errors.fileUnreadable(file, code ?? 'unknown error');
  }
  if (st.isDirectory()) throw Errors.fileIsDirectory(file);
  if (!st.isFile()) throw Errors.fileUnreadable(file, 'not a regular file');
  const format = formatFromName(abs);
  if (st.size > maxBytes) throw Errors.fileTooLarge(file, st.size, maxBytes);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw Errors.fileUnreadable(file, code === 'EACCES' ? 'permission denied' : (code ?? 'unknown error'));
  }
  if (buf.byteLength === 0) throw Errors.fileEmpty(file);
  if (buf.includes(0)) throw Errors.fileBinary(file);
  const bad = firstInvalidUtf8Offset(buf);
  if (bad >= 0) throw Errors.fileNotUtf8(file, bad);
  if (!format) throw Errors.unsupportedFileType(file);
  let source = buf.toString('utf8');
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  if (source.trim() === '') throw Errors.fileEmpty(file);
  const baseName = path.basename(abs, path.extname(abs));
  return { path: abs, title: titleFrom(source, format, baseName), source, format, baseDir: path.dirname(abs), baseName };
}
