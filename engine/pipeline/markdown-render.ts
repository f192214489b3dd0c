/**
 * Markdown → HTML for exports: GFM, footnotes, definition lists, callouts, ==marks==, emoji
 * shortcodes, KaTeX math and highlight.js code, all rendered here at export time so the
 * output needs no script. The HTML is unsanitized; sanitize.ts runs after (and gives headings
 * their ids). Synchronous and safe in a worker thread: marked instances are per thread.
 *
 * @example
 * const { html, warnings, hasMath, hasCode } = renderMarkdown('Area: $\\pi r^2$\n\n```rust\nfn main() {}\n```', {
 *   math: true, highlight: true, diagrams: true,
 * });
 * // html has KaTeX's <span class="katex">…<math>… and <code class="hljs language-rust"><span class="hljs-keyword">fn</span>…
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import plaintext from 'highlight.js/lib/languages/plaintext';
import powershell from 'highlight.js/lib/languages/powershell';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import katex from 'katex';
import { Marked, type MarkedExtension, type RendererExtension, type Token, type Tokens, type TokenizerAndRendererExtension, type TokenizerExtension } from 'marked';
import markedAlert from 'marked-alert';
import markedFootnote from 'marked-footnote';
import markedKatex from 'marked-katex-extension';
import { markdownDeflist } from './markdown-deflist.ts';
import { replaceMdBookIncludes, replaceMdBookIncludesOutsideCode, rewriteMdBookListings } from './mdbook.ts';
import { Errors } from '../api/errors.ts';
import { MAX_MARKDOWN_NESTING, deepestNesting, describeNesting } from './nesting.ts';

export interface RenderMarkdownOptions {
  /** KaTeX for $…$, $$…$$, \(…\) and \[…\]; off: the dollars stay text. */
  math: boolean;
  /** highlight.js classes on fenced code with a known language. */
  highlight: boolean;
  /** ```mermaid fences become a quire-diagram figure (rendered to SVG by a later step). */
  diagrams: boolean;
}

export interface RenderMarkdownResult {
  /** Unsanitized HTML of the body. */
  html: string;
  /** Things the user should know, e.g. a formula KaTeX could not parse. */
  warnings: string[];
  /** Some math was rendered: the page needs katexCss(). */
  hasMath: boolean;
  /** Some code block was highlighted. */
  hasCode: boolean;
}

/** Blocks larger than this are printed plain: highlighting them costs more than it gives. */
const HIGHLIGHT_MAX_CHARS = 200_000;

for (const [name, lang] of Object.entries({
  bash, c, cpp, css, diff, go, ini, java, javascript, json, markdown, plaintext, powershell, python, rust, shell, sql,
  typescript, xml, yaml,
})) {
  hljs.registerLanguage(name, lang);
}
// ini already answers to "toml"; these are fence names seen in the corpus and in the wild.
hljs.registerAliases(['sh', 'zsh'], { languageName: 'bash' });
hljs.registerAliases(['text', 'txt', 'output'], { languageName: 'plaintext' });
hljs.registerAliases(['cmd', 'bat'], { languageName: 'plaintext' });

// The state of the render in progress. Rendering is synchronous, so one per thread is enough.
interface RenderState {
  warnings: string[];
  hasMath: boolean;
  hasCode: boolean;
  options: RenderMarkdownOptions;
}
let state: RenderState | null = null;
const current = (): RenderState => {
  if (!state) throw new Error('markdown-render: renderer used outside renderMarkdown');
  return state;
};

/** Renders Markdown to HTML with the features the options turn on. Never throws for bad math. */
export function renderMarkdown(source: string, options: RenderMarkdownOptions): RenderMarkdownResult {
  const deep = deepestNesting(source);
  if (deep) throw Errors.documentTooDeep(describeNesting(deep), MAX_MARKDOWN_NESTING);
  const outer = state;
  state = { warnings: [], hasMath: false, hasCode: false, options };
  try {
    const marked = instance(options.math);
    const html = marked.parse(rewriteMdBookListings(replaceMdBookIncludesOutsideCode(source)), { async: false });
    // marked keeps the last document's tokens reachable until the next render (its shared
    // tokenizer points at the last lexer, and marked-footnote at the last token list that had a
    // footnote): for a large document, tens of MB an idle worker would hold through its whole
    // print. A render of a one-footnote document in its place (with a state of its own) lets them go.
    const result = { html, warnings: [...new Set(state.warnings)], hasMath: state.hasMath, hasCode: state.hasCode };
    state = { warnings: [], hasMath: false, hasCode: false, options };
    marked.parse(RELEASING_DOCUMENT, { async: false });
    return result;
  } catch (e) {
    // Nesting the count above does not see (HTML inside Markdown…): marked's own message asks to "report this to marked".
    if (e instanceof RangeError) {
      // A very long paragraph overflows the stack of marked's regular expressions: say which, not "nested".
      const longest = longestLine(source);
      if (longest.bytes > LONG_LINE_BYTES) throw Errors.paragraphTooLong(longest.bytes / (1024 * 1024), longest.line);
      throw Errors.documentTooDeep('parts nested too deeply for the Markdown converter (it ran out of stack space)', MAX_MARKDOWN_NESTING);
    }
    throw e;
  } finally {
    state = outer;
  }
}

/** Rendered after each document so that marked lets go of it (see renderMarkdown). */
const RELEASING_DOCUMENT = 'x[^1]\n\n[^1]: x\n';

/** A line longer than this is the likely cause of a stack overflow in marked (seen from ~1 MB). */
const LONG_LINE_BYTES = 512 * 1024;

/** The longest line of `source` (1-based line number, UTF-16 length as bytes is close enough here). */
function longestLine(source: string): { line: number; bytes: number } {
  let best = { line: 1, bytes: 0 };
  let start = 0;
  for (let n = 1; start <= source.length; n++) {
    const end = source.indexOf('\n', start);
    const stop = end < 0 ? source.length : end;
    if (stop - start > best.bytes) best = { line: n, bytes: stop - start };
    if (end < 0) break;
    start = end + 1;
  }
  return best;
}

/** Markdown to HTML with every feature on (the export's defaults). */
export function markdownToHtml(source: string): string {
  return renderMarkdown(source, { math: true, highlight: true, diagrams: true }).html;
}

const instances = new Map<boolean, Marked>();
function instance(math: boolean): Marked {
  let m = instances.get(math);
  if (!m) {
    // GFM: tables, task lists, strikethrough, autolinks.
    m = new Marked({ gfm: true, breaks: false, pedantic: false });
    m.use(footnotes(), markdownDeflist(), markedAlert({ variants: CALLOUT_VARIANTS }), callouts(), inlineExtras(), code());
    if (math) m.use(mathExtension());
    instances.set(math, m);
  }
  return m;
}

// ---- footnotes ---------------------------------------------------------------------------------

/**
 * marked-footnote, with its screen-reader "Footnotes" label as a paragraph instead of an <h2>:
 * as a heading it would be listed in the table of contents and the PDF outline while being
 * invisible on the page. The id stays for the references' aria-describedby.
 */
function footnotes(): MarkedExtension {
  const ext = markedFootnote();
  const list = (ext.extensions ?? []).find((e) => e.name === 'footnotes');
  const original = list && 'renderer' in list ? list.renderer : undefined;
  if (!original) return ext;
  return {
    ...ext,
    extensions: [
      ...(ext.extensions ?? []).filter((e) => e !== list),
      {
        name: 'footnotes',
        renderer(this: unknown, token: Tokens.Generic) {
          const out = original.call(this as never, token);
          return typeof out === 'string' ? out.replace(/<h2( id="footnote-label"[^>]*)>([^<]*)<\/h2>/, '<p$1>$2</p>') : out;
        },
      },
    ],
  };
}

// ---- escaping ------------------------------------------------------------------------------

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => ESC[ch]);

// ---- code: highlight.js, mermaid figures, mdBook includes ------------------------------------

/** The language of a fence's info string: mdBook's "rust,ignore" and Pandoc's "{.rust}" give "rust". */
export function fenceLanguage(info: string | undefined): string {
  const m = /^\{?\.?([^\s,{}]+)/.exec((info ?? '').trim());
  return m ? m[1].toLowerCase() : '';
}

function code(): MarkedExtension {
  return {
    renderer: {
      code(token: Tokens.Code): string {
        const s = current();
        const lang = fenceLanguage(token.lang);
        const text = replaceMdBookIncludes(token.text, lang);
        if (lang === 'mermaid' && s.options.diagrams) {
          return `<figure class="quire-diagram" data-diagram="mermaid"><pre><code class="language-mermaid">${escapeHtml(text)}</code></pre></figure>\n`;
        }
        const body = text.endsWith('\n') || text === '' ? text : `${text}\n`;
        const known = lang !== '' && hljs.getLanguage(lang) !== undefined;
        if (s.options.highlight && known && body.length <= HIGHLIGHT_MAX_CHARS) {
          s.hasCode = true;
          const value = hljs.highlight(body, { language: lang, ignoreIllegals: true }).value;
          return `<pre><code class="hljs language-${escapeHtml(lang)}">${value}</code></pre>\n`;
        }
        const cls = lang ? ` class="language-${escapeHtml(lang)}"` : '';
        return `<pre><code${cls}>${escapeHtml(body)}</code></pre>\n`;
      },
    },
  };
}

// ---- callouts: GitHub alerts and Obsidian callouts through marked-alert ----------------------

/** GitHub's five kinds; every other callout type is drawn like the one it means. */
const GITHUB_KINDS = ['note', 'tip', 'important', 'warning', 'caution'] as const;
const OBSIDIAN_KINDS: Record<string, (typeof GITHUB_KINDS)[number]> = {
  abstract: 'note', summary: 'note', tldr: 'note', info: 'note', todo: 'note', example: 'note', quote: 'note', cite: 'note',
  hint: 'tip', success: 'tip', check: 'tip', done: 'tip',
  question: 'important', help: 'important', faq: 'important',
  attention: 'warning', failure: 'caution', fail: 'caution', missing: 'caution', danger: 'caution', error: 'caution', bug: 'caution',
};
const CALLOUT_VARIANTS = Object.keys(OBSIDIAN_KINDS).map((type) => ({ type, icon: '' }));
const CALLOUT_TYPES = new Set<string>([...GITHUB_KINDS, ...Object.keys(OBSIDIAN_KINDS)]);

// "[!note]- Custom *title*" at the top of a blockquote; case-insensitive, fold marker optional.
const CALLOUT_HEAD = /^\[!([A-Za-z][\w-]*)\]([+-]?)[ \t]*([^\n]*)(?:\n|$)/;

interface CalloutToken extends Tokens.Blockquote {
  quireTitle?: Token[];
}

/**
 * marked-alert knows only "[!NOTE]" in capitals with a fixed title. This walks first (marked
 * runs the last-added walkTokens first): it rewrites the head into the form marked-alert
 * reads and keeps the author's title, and its renderer draws titles and the Obsidian types.
 * Fold markers are accepted and ignored: a printed page cannot fold, so callouts stay open.
 */
function callouts(): MarkedExtension {
  return {
    walkTokens(token: Token) {
      if (token.type !== 'blockquote') return;
      const quote = token as CalloutToken;
      const first = quote.tokens[0];
      if (!first || first.type !== 'paragraph') return;
      const head = CALLOUT_HEAD.exec(first.raw);
      if (!head || !CALLOUT_TYPES.has(head[1].toLowerCase())) return;
      const split = splitHeadLine((first as Tokens.Paragraph).tokens, head[0].length - head[3].length - (head[0].endsWith('\n') ? 1 : 0));
      if (!split) return;
      if (split.title.length) quote.quireTitle = split.title;
      const marker = `[!${head[1].toUpperCase()}]`;
      const rest = first.raw.slice(head[0].length);
      const body: Token[] = split.body.length ? [{ type: 'paragraph', raw: rest, text: rest, tokens: split.body }] : [];
      // marked-alert drops this first paragraph, then reads the rest as the callout's body.
      quote.tokens.splice(0, 1, { type: 'paragraph', raw: marker, text: marker, tokens: [] }, ...body);
      quote.text = `${marker}\n${rest}`;
    },
    extensions: [
      {
        name: 'alert',
        level: 'block',
        renderer(this: { parser: { parse(t: Token[]): string; parseInline(t: Token[]): string } }, token: Tokens.Generic) {
          const meta = token.meta as { className: string; variant: string; icon: string; title: string; titleClassName: string };
          const variant = meta.variant;
          const kind = OBSIDIAN_KINDS[variant] ?? variant;
          const classes = `${meta.className} ${meta.className}-${kind}${kind !== variant ? ` ${meta.className}-${variant}` : ''}`;
          const icon = meta.icon || (ICONS.get(kind) ?? '');
          const custom = token.quireTitle as Token[] | undefined;
          const title = custom ? this.parser.parseInline(custom) : escapeHtml(meta.title);
          return `<div class="${classes}">\n<p class="${meta.titleClassName}">${icon}${title}</p>\n${this.parser.parse(token.tokens ?? [])}</div>\n`;
        },
      },
    ],
  };
}

/**
 * Splits a paragraph's inline tokens at the end of its first line: the title after the
 * "[!type]-" marker (`markerLength` characters of the first text token), and the body. No
 * lexing again here: marked-footnote keeps per-document state that a second lexer run resets.
 */
function splitHeadLine(tokens: Token[], markerLength: number): { title: Token[]; body: Token[] } | null {
  const first = tokens[0];
  if (!first || first.type !== 'text' || first.raw.length < markerLength) return null;
  const line: Token[] = [];
  const all = [{ ...first, raw: first.raw.slice(markerLength), text: first.raw.slice(markerLength) } as Token, ...tokens.slice(1)];
  for (let i = 0; i < all.length; i++) {
    const t = all[i];
    if (t.type === 'br') return { title: trimTitle(line), body: all.slice(i + 1) };
    const nl = t.type === 'text' ? t.raw.indexOf('\n') : -1;
    if (nl >= 0) {
      const after = t.raw.slice(nl + 1);
      line.push({ ...t, raw: t.raw.slice(0, nl), text: t.raw.slice(0, nl) } as Token);
      return { title: trimTitle(line), body: [...(after ? [{ ...t, raw: after, text: after } as Token] : []), ...all.slice(i + 1)] };
    }
    line.push(t);
  }
  return { title: trimTitle(line), body: [] };
}

/** The title's tokens without the spaces around it; none when it is blank. */
function trimTitle(line: Token[]): Token[] {
  const out = line.filter((t) => !(t.type === 'text' && t.raw.trim() === ''));
  if (out[0]?.type === 'text') out[0] = { ...out[0], raw: out[0].raw.trimStart(), text: out[0].raw.trimStart() } as Token;
  const last = out.length - 1;
  if (out[last]?.type === 'text') out[last] = { ...out[last], raw: out[last].raw.trimEnd(), text: out[last].raw.trimEnd() } as Token;
  return out;
}

// marked-alert's default icons (GitHub's octicons), looked up once by rendering each kind.
const ICONS = new Map<string, string>(
  GITHUB_KINDS.map((kind) => {
    const html = new Marked().use(markedAlert()).parse(`> [!${kind.toUpperCase()}]\n> x`, { async: false });
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html);
    return [kind, svg ? svg[0] : ''];
  }),
);

// ---- inline extensions' start() -------------------------------------------------------------

const START_WINDOW = 2000;

/**
 * An inline extension's start(), searching only the next START_WINDOW characters. marked asks
 * every start() again after each inline token with the rest of the paragraph, so a full
 * search made long paragraphs quadratic. Nothing near: the text is cut after a space near the
 * window's end (a harmless split of plain text) and the next search begins there.
 */
function windowed(find: (src: string) => number | undefined): (src: string) => number | undefined {
  return (src) => {
    if (src.length <= START_WINDOW) return find(src);
    const head = src.slice(0, START_WINDOW);
    const at = find(head);
    if (at !== undefined) return at;
    const space = head.lastIndexOf(' ');
    return space > 0 ? space + 1 : undefined;
  };
}

// ---- ==mark== and :emoji: --------------------------------------------------------------------

/** The common GitHub shortcodes; an unknown :name: stays as written. */
const EMOJI: Record<string, string> = {
  smile: '😄', smiley: '😃', grin: '😁', laughing: '😆', joy: '😂', wink: '😉', blush: '😊', heart_eyes: '😍',
  thinking: '🤔', neutral_face: '😐', confused: '😕', cry: '😢', sob: '😭', angry: '😠', scream: '😱', sweat_smile: '😅',
  sunglasses: '😎', tada: '🎉', sparkles: '✨', star: '⭐', fire: '🔥', boom: '💥', zap: '⚡', rocket: '🚀',
  heart: '❤️', broken_heart: '💔', '+1': '👍', thumbsup: '👍', '-1': '👎', thumbsdown: '👎', clap: '👏', wave: '👋',
  pray: '🙏', muscle: '💪', eyes: '👀', ok_hand: '👌', point_right: '👉', raised_hands: '🙌', white_check_mark: '✅',
  heavy_check_mark: '✔️', x: '❌', warning: '⚠️', no_entry: '⛔', question: '❓', exclamation: '❗', bulb: '💡',
  memo: '📝', book: '📖', books: '📚', pencil2: '✏️', link: '🔗', lock: '🔒', key: '🔑', bug: '🐛', wrench: '🔧',
  hammer: '🔨', gear: '⚙️', package: '📦', construction: '🚧', calendar: '📆', clock3: '🕒', hourglass: '⌛',
  chart_with_upwards_trend: '📈', email: '📧', computer: '💻', coffee: '☕', crab: '🦀', snake: '🐍', 100: '💯',
};

function inlineExtras(): MarkedExtension {
  return {
    extensions: [
      {
        name: 'mark',
        level: 'inline',
        start: windowed((src) => {
          const i = src.indexOf('==');
          return i < 0 ? undefined : i;
        }),
        tokenizer(this: { lexer: { inlineTokens(s: string): Token[] } }, src: string) {
          // "==text==": no space just inside the marks, so "a == b" stays as written.
          const m = /^==(?=[^\s=])([^\n]*?[^\s=])==(?!=)/.exec(src);
          if (m) return { type: 'mark', raw: m[0], text: m[1], tokens: this.lexer.inlineTokens(m[1]) };
          return undefined;
        },
        renderer(this: { parser: { parseInline(t: Token[]): string } }, token: Tokens.Generic) {
          return `<mark>${this.parser.parseInline(token.tokens ?? [])}</mark>`;
        },
      },
      {
        name: 'emoji',
        level: 'inline',
        start: windowed((src) => {
          const m = /:[a-z0-9_+-]+:/.exec(src);
          return m ? m.index : undefined;
        }),
        tokenizer(src: string) {
          const m = /^:([a-z0-9_+-]+):/.exec(src);
          if (m && Object.hasOwn(EMOJI, m[1])) return { type: 'emoji', raw: m[0], text: EMOJI[m[1]] };
          return undefined;
        },
        renderer: (token: Tokens.Generic) => token.text as string,
      },
    ] satisfies TokenizerAndRendererExtension[],
  };
}

// ---- math: KaTeX at export time --------------------------------------------------------------

const KATEX_OPTIONS = {
  output: 'htmlAndMathml',
  throwOnError: true,
  // No console noise from workers about Unicode in text; \href and friends stay off (trust: false).
  strict: 'ignore',
  trust: false,
  maxExpand: 1000,
  maxSize: 50,
} as const;

/** One formula to HTML; a formula KaTeX refuses is shown as its TeX source and named in a warning. */
function renderTex(tex: string, displayMode: boolean): string {
  const s = current();
  try {
    const html = katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode });
    s.hasMath = true;
    return html;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const shown = tex.length > 80 ? `${tex.slice(0, 77)}…` : tex;
    s.warnings.push(`math: "${shown}" could not be rendered: ${message}`);
    const span = `<span class="quire-math-error" title="${escapeHtml(message)}">${escapeHtml(tex)}</span>`;
    return displayMode ? `<p class="quire-math-display">${span}</p>` : span;
  }
}

/**
 * $…$ and $$…$$ within a line, read the Pandoc way: the closing $ is the next unescaped one
 * on the line; single dollars need no space just inside and no digit just after, so
 * "$5 and $10" and "$HOME" stay text. A scan, not a regex: a line with many dollars costs
 * one pass per candidate, up to the next dollar only.
 */
export function dollarMath(src: string): { raw: string; text: string; displayMode: boolean } | undefined {
  if (src.charCodeAt(0) !== DOLLAR) return undefined;
  const double = src.charCodeAt(1) === DOLLAR;
  const from = double ? 2 : 1;
  let close = -1;
  for (let i = from; i < src.length; i++) {
    const ch = src.charCodeAt(i);
    if (ch === BACKSLASH) i++;
    else if (ch === NEWLINE) return undefined;
    else if (ch === DOLLAR) {
      close = i;
      break;
    }
  }
  if (close <= from) return undefined;
  const text = src.slice(from, close);
  if (double) {
    if (src.charCodeAt(close + 1) !== DOLLAR || !text.trim()) return undefined;
    const raw = src.slice(0, close + 2);
    return isDigitOrDollar(src.charCodeAt(close + 2)) ? undefined : { raw, text: text.trim(), displayMode: true };
  }
  if (/^\s|\s$/.test(text) || isDigitOrDollar(src.charCodeAt(close + 1))) return undefined;
  return { raw: src.slice(0, close + 1), text, displayMode: false };
}

const DOLLAR = 36;
const BACKSLASH = 92;
const NEWLINE = 10;
const isDigitOrDollar = (ch: number) => (ch >= 48 && ch <= 57) || ch === DOLLAR;

/** Where inline math may open: a $ not escaped and not after a letter or digit ("US$5"). */
function dollarStart(src: string): number | undefined {
  for (let i = src.indexOf('$'); i >= 0; i = src.indexOf('$', i + 1)) {
    if (i === 0 || !/[\\\p{L}\p{N}]/u.test(src[i - 1])) return i;
  }
  return undefined;
}

// \[ … \] starting a line and ending one, no blank line within.
const BLOCK_TEX_BRACKET = /^ {0,3}\\\[((?:[^\n]|\n(?![ \t]*\n))+?)\\\][ \t]*(?:\n+|$)/;

/**
 * A block extension's `start`: where display math opens on a later line of the paragraph at
 * the head of `src`, so "text\n$$\nx\n$$" is text then math, as LaTeX users write it. Only
 * the first paragraph is searched: marked asks again for each paragraph.
 */
function interrupts(opening: RegExp, matches: (rest: string) => boolean): (src: string) => number | undefined {
  return (src) => {
    const end = src.search(/\n[ \t]*\n/);
    const para = end < 0 ? src : src.slice(0, end);
    for (const m of para.matchAll(opening)) {
      if (matches(src.slice(m.index + 1))) return m.index + 1;
    }
    return undefined;
  };
}

interface MathToken extends Tokens.Generic {
  text: string;
  displayMode: boolean;
}

/**
 * Math in Markdown: $$…$$ blocks with marked-katex-extension's block tokenizer; $…$ and
 * $$…$$ in a line with our dollarMath (its inline rule accepts "$x$" only before a space or
 * some punctuation, so "($x$)" stayed text, and its start() re-ran a regex over the line
 * for every $, which took seconds on a long paragraph with many prices); \(…\) inline;
 * \[…\] as a display block on its own lines (not inline, where "\[" is usually an escaped
 * bracket). All rendered by renderTex.
 */
function mathExtension(): MarkedExtension {
  const base = markedKatex({});
  // Its block extension has a tokenizer and a renderer.
  const block = (base.extensions ?? []).find((e) => e.name === 'blockKatex') as TokenizerExtension & RendererExtension;
  const render = (token: Tokens.Generic) => {
    const t = token as MathToken;
    return renderTex(t.text, t.displayMode) + (t.type === 'blockKatex' || t.type === 'blockTexBracket' ? '\n' : '');
  };
  const blockTokenizer = block.tokenizer;
  return {
    extensions: [
      {
        ...block,
        start: interrupts(/\n(?=\${1,2}\n)/g, (rest) => blockTokenizer.call({} as never, rest, []) !== undefined),
        renderer: render,
      },
      {
        name: 'inlineDollar',
        level: 'inline',
        start: windowed(dollarStart),
        tokenizer: (src: string) => {
          const m = dollarMath(src);
          return m ? { type: 'inlineDollar', ...m } : undefined;
        },
        renderer: render,
      },
      {
        name: 'inlineTexParen',
        level: 'inline',
        start: windowed((src) => {
          const i = src.indexOf('\\(');
          return i < 0 ? undefined : i;
        }),
        tokenizer(src: string) {
          const m = /^\\\(((?:\\[^)]|[^\\\n]|\n(?![ \t]*\n))+?)\\\)/.exec(src);
          if (m && m[1].trim()) return { type: 'inlineTexParen', raw: m[0], text: m[1].trim(), displayMode: false };
          return undefined;
        },
        renderer: render,
      },
      {
        name: 'blockTexBracket',
        level: 'block',
        start: interrupts(/\n(?= {0,3}\\\[)/g, (rest) => BLOCK_TEX_BRACKET.test(rest)),
        tokenizer(src: string) {
          const m = BLOCK_TEX_BRACKET.exec(src);
          if (m && m[1].trim()) return { type: 'blockTexBracket', raw: m[0], text: m[1].trim(), displayMode: true };
          return undefined;
        },
        renderer: render,
      },
    ],
  };
}

// ---- KaTeX's stylesheet ------------------------------------------------------------------------

let katexCssCache: string | null = null;

/**
 * KaTeX's CSS with its fonts inlined as data: URIs (woff2 only: every Chromium reads it, and
 * the woff/ttf copies would triple the size). Read once per thread; include it only when a
 * render reported `hasMath`.
 */
export function katexCss(): string {
  if (katexCssCache !== null) return katexCssCache;
  const dist = path.join(path.dirname(createRequire(import.meta.url).resolve('katex/package.json')), 'dist');
  const cssText = readFileSync(path.join(dist, 'katex.min.css'), 'utf8');
  katexCssCache = cssText.replace(/src:\s*url\((fonts\/[\w-]+\.woff2)\)\s*format\(["']woff2["']\)[^;}]*/g, (_m, file: string) => {
    const data = readFileSync(path.join(dist, file)).toString('base64');
    return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
  });
  return katexCssCache;
}
