/**
 * The `.md` export of a Markdown document: the source as the author wrote it, not re-derived
 * from the HTML. Two things change and nothing else:
 *  - the front matter holds the resolved title and metadata (author, date, subtitle, subject,
 *    keywords, lang) merged over the author's own keys, which stay as written (order, comments
 *    and unknown keys kept: the YAML is edited as a document, not re-dumped);
 *  - image destinations are rewritten through `imageRefs` (normalised ref → new ref): in
 *    `![alt](ref)`, in reference definitions `[id]: ref` that images use, and in `<img src>`
 *    of raw HTML. marked's lexer decides what is an image (so code blocks, code spans, math
 *    and diagrams are never touched) and the text is edited at source offsets only.
 *
 * @example
 * markdownExport({ source: '# A\n\n![c](./img/c.png)\n', title: 'A', metadata: { author: 'Ada' },
 *   imageRefs: new Map([['img/c.png', 'a.assets/c.png']]) }).markdown;
 * // '---\ntitle: A\nauthor: Ada\n---\n# A\n\n![c](a.assets/c.png)\n'
 */
import { Tokenizer } from 'htmlparser2';
import { decodeHTML } from 'entities';
import type { Token, Tokens } from 'marked';
import { isMap, parseDocument, YAMLMap, type Document } from 'yaml';
import { normaliseAssetRef } from '../api/asset-ref.ts';
import type { DocumentMeta } from '../api/types.ts';
import { parseFrontMatter } from '../api/front-matter.ts';
import { lexMarkdown, walkMarkdownTokens } from './markdown-lexer.ts';

export interface MarkdownExportInput {
  /** The document's source as stored (front matter included). */
  source: string;
  /** The resolved title (Details, front matter or the document's name). */
  title: string;
  /** The resolved metadata the job records. */
  metadata: DocumentMeta;
  /** Normalised image ref (as normaliseAssetRef spells it) → the ref to write instead. */
  imageRefs: ReadonlyMap<string, string>;
}

export interface MarkdownExportResult {
  markdown: string;
  /** Images that could not be rewritten (their reference is kept as written), for a job warning. */
  warnings: string[];
}

/** One replacement in the body: [start, end) becomes text. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

// ---- destinations ------------------------------------------------------------------------

/** "%28" for "(": encodeURIComponent leaves ( ) ' alone. */
const percent = (c: string) => Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** A path as a Markdown link destination: characters that end or break one are %-escaped (normaliseAssetRef decodes them back). */
export function markdownDestination(ref: string): string {
  return ref.replace(/[%\s()<>\\]/g, percent);
}

/** A path as an HTML attribute value inside the quotes it had. */
function htmlAttributeValue(ref: string, quote: string): string {
  const escaped = ref.replace(/[%\s]/g, percent).replace(/&/g, '&amp;');
  if (quote === '"') return escaped.replace(/"/g, '&quot;');
  if (quote === "'") return escaped.replace(/'/g, '&#39;');
  return escaped.replace(/["'=<>`]/g, percent);
}

/** Backslash escapes removed, as marked reads a destination. */
const unescapeMd = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

/**
 * Where the destination sits in `![alt](dest "title")` (offsets into raw), or null when raw
 * is not an inline image (a reference image `![alt][id]`, or something unexpected).
 */
function inlineDestination(raw: string): { start: number; end: number; text: string } | null {
  if (!raw.startsWith('![')) return null;
  let depth = 1;
  let k = 2;
  for (; k < raw.length && depth > 0; k++) {
    const c = raw[k];
    if (c === '\\') k++;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
  }
  if (depth !== 0 || raw[k] !== '(') return null;
  let start = k + 1;
  while (start < raw.length && /\s/.test(raw[start]!)) start++;
  return destinationAt(raw, start);
}

/** The destination starting at `start`: <…> or a run without spaces (balanced parentheses). */
function destinationAt(raw: string, start: number): { start: number; end: number; text: string } | null {
  if (raw[start] === '<') {
    const close = raw.indexOf('>', start + 1);
    if (close < 0) return null;
    return { start, end: close + 1, text: raw.slice(start + 1, close) };
  }
  let depth = 0;
  let k = start;
  for (; k < raw.length; k++) {
    const c = raw[k]!;
    if (c === '\\') {
      k++;
      continue;
    }
    if (/\s/.test(c)) break;
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) break;
      depth--;
    }
  }
  return k > start ? { start, end: k, text: raw.slice(start, k) } : null;
}

/** Where the destination sits in a definition `[id]: dest "title"`. */
function definitionDestination(raw: string): { start: number; end: number; text: string } | null {
  const m = /^ {0,3}\[(?:\\[\s\S]|[^\\\]])*\]:[ \t]*\n?[ \t]*/.exec(raw);
  return m ? destinationAt(raw, m[0].length) : null;
}

/** The `src` values of every <img> in a piece of HTML, with their offsets and quote. */
function imgSources(html: string): Array<{ start: number; end: number; value: string; quote: string }> {
  const out: Array<{ start: number; end: number; value: string; quote: string }> = [];
  let tag = '';
  let attr = '';
  let attrNameEnd = 0;
  const noop = () => undefined;
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onopentagname: (s, e) => void (tag = html.slice(s, e).toLowerCase()),
      onattribname: (s, e) => {
        attr = html.slice(s, e).toLowerCase();
        attrNameEnd = e;
      },
      onattribend: (_quote, end) => {
        if (tag !== 'img' || attr !== 'src') return;
        const eq = /^\s*=\s*(["']?)/.exec(html.slice(attrNameEnd, end));
        if (!eq) return;
        const start = attrNameEnd + eq[0].length;
        out.push({ start, end, value: decodeHTML(html.slice(start, end)), quote: eq[1] ?? '' });
      },
      onclosetag: noop,
      onopentagend: () => void (tag = ''),
      onselfclosingtag: () => void (tag = ''),
      onattribdata: noop,
      onattribentity: noop,
      oncdata: noop,
      oncomment: noop,
      ondeclaration: noop,
      onend: noop,
      onprocessinginstruction: noop,
      ontext: noop,
      ontextentity: noop,
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return out;
}

// ---- finding tokens in the source ----------------------------------------------------------

const childrenOf = (token: Token): Token[] => {
  const t = token as Tokens.Generic;
  if (t.type === 'list') return (t as Tokens.List).items;
  if (t.type === 'table') {
    const table = t as Tokens.Table;
    return [...table.header, ...table.rows.flat()].flatMap((cell) => cell.tokens);
  }
  return Array.isArray(t.tokens) ? (t.tokens as Token[]) : [];
};

/**
 * The leaves of a block, in document order, each with the offset where its raw text was found
 * in `raw` (searched from the end of the previous leaf found, so a code span is passed before
 * an identical image after it is looked for). A leaf whose raw is not contiguous in the source
 * (text across quoted lines) is not found and moves nothing.
 */
function locateLeaves(raw: string, base: number, block: Token, found: Array<{ token: Token; at: number }>): void {
  let cursor = 0;
  const visit = (token: Token) => {
    const kids = childrenOf(token);
    if (kids.length && token.type !== 'image') {
      kids.forEach(visit);
      return;
    }
    const at = raw.indexOf(token.raw, cursor);
    if (token.raw === '' || at < 0) return;
    found.push({ token, at: base + at });
    cursor = at + token.raw.length;
  };
  visit(block);
}

// ---- front matter ----------------------------------------------------------------------------

/** The keys authors use for each field (front-matter.ts reads the same ones, first found wins). */
const ALIASES: Record<keyof DocumentMeta | 'title', string[]> = {
  title: ['title'],
  subtitle: ['subtitle'],
  author: ['author', 'authors'],
  date: ['date'],
  subject: ['subject', 'description', 'abstract'],
  keywords: ['keywords', 'tags'],
  lang: ['lang', 'language'],
};

/** What the author's own value means, as front-matter.ts reads it, to tell whether it already says the resolved value. */
function sameValue(written: unknown, resolved: string | string[]): boolean {
  const text = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'string' ? v.trim() : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  if (Array.isArray(resolved)) {
    const list = typeof written === 'string' ? written.split(/[,;]/).map((s) => s.trim()).filter(Boolean) : Array.isArray(written) ? written.map(text) : null;
    return !!list && list.length === resolved.length && list.every((v, k) => v === resolved[k]);
  }
  if (Array.isArray(written)) {
    const names = written.map((p) => (p && typeof p === 'object' ? text((p as Record<string, unknown>).name) : text(p))).filter(Boolean);
    return names.join(', ') === resolved;
  }
  if (written && typeof written === 'object') return text((written as Record<string, unknown>).name) === resolved;
  return text(written) === resolved;
}

/**
 * The front matter to write: the author's YAML document with the resolved fields set. A field
 * whose value already reads as the resolved one keeps the author's spelling ("authors: [Ada,
 * Grace]"); otherwise it is set under the key the author used, or the usual key.
 */
function frontMatterText(raw: string | null, title: string, metadata: DocumentMeta): string {
  let doc: Document;
  const parsed = raw !== null && raw.trim() !== '' ? parseDocument(raw, { uniqueKeys: false }) : null;
  if (parsed && parsed.errors.length === 0 && isMap(parsed.contents)) doc = parsed;
  else {
    doc = parseDocument('{}');
    doc.contents = new YAMLMap();
  }
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k) && data[k] !== undefined && data[k] !== null;
  const fields: Array<[keyof typeof ALIASES, string | string[] | undefined]> = [
    ['title', title.trim() || undefined],
    ['subtitle', metadata.subtitle],
    ['author', metadata.author],
    ['date', metadata.date],
    ['subject', metadata.subject],
    ['keywords', metadata.keywords?.length ? metadata.keywords : undefined],
    ['lang', metadata.lang],
  ];
  for (const [field, value] of fields) {
    if (value === undefined) continue;
    const used = ALIASES[field].find(has);
    if (used !== undefined && sameValue(data[used], value)) continue;
    doc.set(used ?? field, Array.isArray(value) ? doc.createNode([...value], { flow: true }) : value);
  }
  return (doc.contents as YAMLMap).items.length ? doc.toString({ lineWidth: 0, flowCollectionPadding: false }) : '';
}

// ---- the export ------------------------------------------------------------------------------

/** The body with its image references rewritten through the map; refs it could not place are named. */
export function rewriteImageRefs(body: string, imageRefs: ReadonlyMap<string, string>): { text: string; missed: string[] } {
  if (imageRefs.size === 0) return { text: body, missed: [] };
  const tokens = lexMarkdown(body);
  const edits: Edit[] = [];
  const imageHrefs = new Set<string>();
  const expected = new Map<string, number>();
  const leaves: Array<{ token: Token; at: number }> = [];
  let offset = 0;
  for (const block of tokens) {
    // Top-level raws follow one another exactly; inside a block, leaves are searched in order.
    if (body.startsWith(block.raw, offset)) locateLeaves(block.raw, offset, block, leaves);
    offset += block.raw.length;
  }
  const target = (src: string) => {
    const ref = normaliseAssetRef(src);
    return ref === null ? undefined : imageRefs.get(ref);
  };
  walkMarkdownTokens(tokens, (t) => {
    if (t.type === 'image') {
      imageHrefs.add(t.href);
      const ref = normaliseAssetRef(t.href);
      if (ref !== null && imageRefs.has(ref) && inlineDestination(t.raw)) expected.set(ref, (expected.get(ref) ?? 0) + 1);
    }
  });
  const done = new Map<string, number>();
  const count = (src: string) => {
    const ref = normaliseAssetRef(src)!;
    done.set(ref, (done.get(ref) ?? 0) + 1);
  };
  for (const { token, at } of leaves) {
    if (token.type === 'image') {
      const dest = inlineDestination(token.raw);
      const to = target(token.href);
      // Checked against what marked read, so a miscounted offset never edits the wrong text.
      if (!dest || to === undefined || normaliseAssetRef(unescapeMd(dest.text)) !== normaliseAssetRef(token.href)) continue;
      edits.push({ start: at + dest.start, end: at + dest.end, text: markdownDestination(to) });
      count(token.href);
    } else if (token.type === 'html') {
      for (const img of imgSources(token.raw)) {
        const to = target(img.value);
        if (to !== undefined) edits.push({ start: at + img.start, end: at + img.end, text: htmlAttributeValue(to, img.quote) });
      }
    }
  }
  for (const { token, at } of leaves) {
    if (token.type !== 'def') continue;
    const def = token as Tokens.Def;
    const dest = definitionDestination(def.raw);
    const to = target(def.href);
    if (!dest || to === undefined || !imageHrefs.has(def.href)) continue;
    if (normaliseAssetRef(unescapeMd(dest.text)) !== normaliseAssetRef(def.href)) continue;
    edits.push({ start: at + dest.start, end: at + dest.end, text: markdownDestination(to) });
  }
  const missed = [...expected].filter(([ref, n]) => (done.get(ref) ?? 0) < n).map(([ref]) => ref);
  edits.sort((a, b) => b.start - a.start);
  let text = body;
  let limit = Infinity;
  for (const e of edits) {
    if (e.end > limit) continue; // overlapping: never edit twice
    text = text.slice(0, e.start) + e.text + text.slice(e.end);
    limit = e.start;
  }
  return { text, missed };
}

export function markdownExport(input: MarkdownExportInput): MarkdownExportResult {
  const source = input.source.replace(/^\uFEFF/, '');
  // marked reads "\r\n" as "\n": offsets are taken on the same text, and the line ends put back.
  const crlf = /\r\n/.test(source.slice(0, 4096));
  const lf = source.replace(/\r\n?/g, '\n');
  const fm = parseFrontMatter(lf);
  const warnings: string[] = [];
  let head: string;
  if (fm.error !== null && fm.raw !== null) {
    // YAML that does not parse is kept as the author wrote it; the job already warned about it.
    head = lf.slice(0, lf.length - fm.body.length);
  } else {
    let yaml: string | null;
    try {
      yaml = frontMatterText(fm.raw, input.title, input.metadata);
    } catch {
      yaml = null; // YAML the reader refuses to expand (aliases): kept as written
    }
    if (yaml === null) head = fm.raw === null ? '' : lf.slice(0, lf.length - fm.body.length);
    else head = yaml ? `---\n${yaml}---\n` : '';
  }
  const { text, missed } = rewriteImageRefs(fm.body, input.imageRefs);
  for (const ref of missed) warnings.push(`image ${ref}: one of its references in the Markdown export could not be rewritten and still points at the original file`);
  const markdown = head + text;
  return { markdown: crlf ? markdown.replace(/\n/g, '\r\n') : markdown, warnings };
}
