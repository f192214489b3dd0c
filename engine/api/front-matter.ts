/**
 * A Markdown document's YAML front matter (the `---` block on its first line, as Jekyll, Hugo,
 * Pandoc, Obsidian and Typora write it), read with the `yaml` package, and what it means to an
 * export: title and metadata for the title block, the HTML <meta>s and the PDF's Info/XMP, and
 * the export options an author may choose (theme, toc, page layout …; never where the files go).
 *
 * The block is never part of the body. YAML that does not parse is still left out of the body,
 * and says why as a warning; the export goes on with the layers below it.
 *
 * @example
 * const fm = parseFrontMatter('---\ntitle: Notes\nauthor: [Ada, Grace]\ntoc: true\n---\n# Intro\n');
 * fm.body;                         // '# Intro\n'
 * frontMatterLayer(fm.data).title; // 'Notes'
 * frontMatterLayer(fm.data).metadata; // { author: 'Ada, Grace' }
 * frontMatterLayer(fm.data).options;  // { toc: true }
 */
import { parse } from 'yaml';

export interface FrontMatter {
  /** The YAML's top-level mapping, or null when there is none or it did not parse. */
  data: Record<string, unknown> | null;
  /** The source without the front-matter block. */
  body: string;
  /** The YAML text between the fences, or null when the document has no front matter. */
  raw: string | null;
  /** Why the block could not be read, for a job warning; null when it was read (or absent). */
  error: string | null;
}

/** The opening fence, then the YAML, then a closing `---` or `...` on its own line. */
const BLOCK = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n?(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;

/**
 * A title as plain text: Markdown emphasis and code marks dropped, each run of white space one
 * space. Import makes a document's title so (store/import-file.ts), and the export compares the
 * first heading with the title so (pipeline/export-html.ts).
 */
export function plainTitle(text: string): string {
  return text.replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim();
}

/** Front matter larger than this is not front matter anyone wrote by hand: not read. */
const MAX_FRONT_MATTER_CHARS = 64 * 1024;

export function parseFrontMatter(source: string): FrontMatter {
  // An empty block ("---\n---") is front matter too.
  const m = source.startsWith('---') || source.startsWith('\uFEFF---') ? BLOCK.exec(source.slice(0, MAX_FRONT_MATTER_CHARS + 200)) : null;
  if (!m) return { data: null, body: source, raw: null, error: null };
  const raw = m[1] ?? '';
  const body = source.slice(m[0].length);
  if (raw.length > MAX_FRONT_MATTER_CHARS) {
    return { data: null, body, raw, error: `the front matter is over ${MAX_FRONT_MATTER_CHARS / 1024} KB and was not read` };
  }
  try {
    // YAML 1.2 core schema: dates stay text as written; aliases are capped (no entity-bomb).
    const value: unknown = raw.trim() === '' ? {} : parse(raw, { maxAliasCount: 50, prettyErrors: true, uniqueKeys: false });
    if (value === null || value === undefined) return { data: {}, body, raw, error: null };
    if (typeof value !== 'object' || Array.isArray(value)) {
      return { data: null, body, raw, error: 'the front matter is not a list of "key: value" lines and was not read' };
    }
    return { data: value as Record<string, unknown>, body, raw, error: null };
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/\s+at line \d+, column \d+:?$/, '');
    const line = (e as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    // +1: the YAML starts on the document's second line.
    return { data: null, body, raw, error: `the front matter could not be read${line ? ` (line ${line + 1})` : ''}: ${message}` };
  }
}

export interface FrontMatterLayer {
  title?: string;
  /** Candidates for DocumentMeta; checked by the model (export-spec.ts), which names a bad field. */
  metadata: Record<string, unknown>;
  /** Candidates for the export options patch; checked by the model likewise. */
  options: Record<string, unknown>;
}

const text = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return undefined;
};

/** "Ada", ["Ada", "Grace"] or [{name: "Ada"}] → "Ada, Grace". */
function people(v: unknown): string | undefined {
  const list = Array.isArray(v) ? v : [v];
  const names = list
    .map((p) => (p && typeof p === 'object' && !Array.isArray(p) ? text((p as Record<string, unknown>).name) : text(p)))
    .filter((n): n is string => Boolean(n));
  return names.length ? names.join(', ') : undefined;
}

/** ["a", "b"] or "a, b" → ["a", "b"]. */
function list(v: unknown): unknown {
  if (typeof v === 'string') return v.split(/[,;]/).map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v)) return v.map((x) => text(x) ?? x);
  return v;
}

const has = (data: Record<string, unknown>, key: string) => Object.prototype.hasOwnProperty.call(data, key) && data[key] !== undefined && data[key] !== null;

/**
 * The title, metadata and export options front matter gives, under the names authors use
 * (Pandoc's and Obsidian's: `author`/`authors`, `description`/`subject`, `tags`/`keywords`,
 * `papersize`/`pageSize`, `margin` in millimetres). Unknown keys are ignored: front matter
 * holds much that is not for us (aliases, layout, permalink …).
 */
export function frontMatterLayer(data: Record<string, unknown> | null): FrontMatterLayer {
  const out: FrontMatterLayer = { metadata: {}, options: {} };
  if (!data) return out;
  const title = text(data.title);
  if (title) out.title = title;
  const author = people(has(data, 'author') ? data.author : data.authors);
  if (author) out.metadata.author = author;
  for (const [key, from] of [
    ['subtitle', ['subtitle']],
    ['date', ['date']],
    ['subject', ['subject', 'description', 'abstract']],
    ['lang', ['lang', 'language']],
  ] as const) {
    const k = from.find((f) => has(data, f));
    if (k !== undefined) out.metadata[key] = text(data[k]) ?? data[k];
  }
  const keywords = has(data, 'keywords') ? data.keywords : data.tags;
  if (keywords !== undefined && keywords !== null) out.metadata.keywords = list(keywords);

  for (const key of ['theme', 'toc', 'math', 'diagrams', 'highlight', 'css', 'formats'] as const) {
    if (has(data, key)) out.options[key] = key === 'formats' ? list(data[key]) : data[key];
  }
  if (has(data, 'fileName')) out.options.fileName = data.fileName;
  const pdf: Record<string, unknown> = {};
  const nested = data.pdf && typeof data.pdf === 'object' && !Array.isArray(data.pdf) ? (data.pdf as Record<string, unknown>) : {};
  const pick = (...keys: string[]) => {
    for (const k of keys) {
      if (has(nested, k)) return nested[k];
      if (has(data, k)) return data[k];
    }
    return undefined;
  };
  const pageSize = pick('pageSize', 'papersize', 'paperSize');
  if (pageSize !== undefined) {
    // "a4" and "letter" as Pandoc writes them; the model names the allowed values if it is none.
    const known = ['A3', 'A4', 'A5', 'Letter', 'Legal', 'Tabloid'].find((s) => s.toLowerCase() === String(pageSize).toLowerCase());
    pdf.pageSize = known ?? pageSize;
  }
  const margins = pick('margins', 'margin');
  if (typeof margins === 'number') pdf.margins = { top: margins, right: margins, bottom: margins, left: margins };
  else if (margins !== undefined) pdf.margins = margins;
  for (const key of ['landscape', 'headerFooter', 'outline', 'tagged', 'printBackground'] as const) {
    const v = pick(key);
    if (v !== undefined) pdf[key] = v;
  }
  if (Object.keys(pdf).length) out.options.pdf = pdf;
  return out;
}
