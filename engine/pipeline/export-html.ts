/**
 * Builds the standalone export HTML from a document's source: one file with the theme CSS
 * inlined, local images embedded as data: URIs, no scripts, and a strict CSP. The PDF step
 * renders this same HTML, so what the user sees in the .html and the .pdf match.
 *
 * Pure apart from reading image and theme files synchronously; safe to run in a worker thread.
 *
 * @example
 * const { html, headings, warnings } = generateExportHtml({
 *   title: 'Primer', source: '# Intro\n![d](images/d.png)', format: 'md',
 *   baseDir: '/docs/primer', meta: { author: 'Ada' },
 * });
 * // headings: [{ level: 1, text: 'Intro', id: 'intro' }]
 */
import { Marked } from 'marked';
import { Errors, QuireError } from '../api/errors.ts';
import { decodeEntities, escapeAttr, escapeText, tokenizeHtml, type HtmlToken } from './html-tokenizer.ts';
import { ImageInliner, type ImageInlinerOptions } from './images.ts';
import { rewriteMdBookListings } from './mdbook.ts';
import { sanitizeHtml } from './sanitize.ts';
import { loadThemeCss, type ThemeOptions } from './theme.ts';
import type { ExportHtmlInput, ExportHtmlResult } from './types.ts';

export interface ExportHtmlOptions extends ThemeOptions, ImageInlinerOptions {
  /** CSS to inline instead of reading a theme file. */
  themeCss?: string;
}

/** The export's Content-Security-Policy: nothing loads or runs except inline styles and data: images/fonts. */
export const EXPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:";

// GFM: tables, task lists, strikethrough, autolinks. One instance per thread, no global state touched.
const marked = new Marked({ gfm: true, breaks: false, pedantic: false });

/** Markdown to (unsanitized) HTML with marked; mdBook listings become figures first. */
export function markdownToHtml(source: string): string {
  return marked.parse(rewriteMdBookListings(source), { async: false });
}

/** Builds the standalone HTML. Throws QuireError (CONVERSION_FAILED, INVALID_INPUT), never anything else. */
export function generateExportHtml(input: ExportHtmlInput, options: ExportHtmlOptions = {}): ExportHtmlResult {
  if (typeof input?.source !== 'string') throw Errors.invalidInput('The document source must be text.');
  if (input.format !== 'md' && input.format !== 'html') {
    throw Errors.invalidInput(`Unknown source format "${String(input.format)}"; expected md or html.`, { format: input.format });
  }
  try {
    return build(input, options);
  } catch (e) {
    if (e instanceof QuireError) throw e;
    const step = input.format === 'md' ? 'converting Markdown to HTML' : 'reading the HTML document';
    throw Errors.conversionFailed(step, e instanceof Error ? e.message : String(e));
  }
}

function build(input: ExportHtmlInput, options: ExportHtmlOptions): ExportHtmlResult {
  const css = options.themeCss ?? loadThemeCss(options);
  let title = (input.title ?? '').trim();
  let tokens: HtmlToken[];
  if (input.format === 'md') {
    tokens = tokenizeHtml(markdownToHtml(input.source));
  } else {
    const page = selectBody(tokenizeHtml(input.source));
    tokens = page.body;
    if (!title && page.title) title = page.title;
  }

  const images = new ImageInliner(input.assets ?? input.baseDir, options);
  const body = sanitizeHtml(tokens, { image: (img) => images.render(img) });
  const meta = input.meta ?? {};
  const first = body.headings[0];
  const docTitle = title || first?.text || 'Untitled';
  // A document that opens with "# Same Title" should not show the title twice.
  const showTitle = title !== '' && !(first && first.level === 1 && first.text.toLowerCase() === title.toLowerCase());
  const lang = guessCjkLang(input.source);

  const head = [
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${EXPORT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeText(docTitle)}</title>`,
    meta.author ? `<meta name="author" content="${escapeAttr(meta.author)}">` : '',
    meta.date ? `<meta name="date" content="${escapeAttr(meta.date)}">` : '',
    meta.subtitle ? `<meta name="description" content="${escapeAttr(meta.subtitle)}">` : '',
    '<meta name="generator" content="Quire">',
    // The theme is ours, but a "</style" in it would end the element early.
    `<style>\n${css.replace(/<\/style/gi, '<\\/style')}\n</style>`,
  ].filter(Boolean);

  const titleBlock = [
    showTitle ? `<p class="quire-title">${escapeText(title)}</p>` : '',
    meta.subtitle ? `<p class="quire-subtitle">${escapeText(meta.subtitle)}</p>` : '',
    meta.author ? `<p class="quire-author">${escapeText(meta.author)}</p>` : '',
    meta.date ? `<p class="quire-date">${escapeText(meta.date)}</p>` : '',
  ].filter(Boolean);

  const html =
    `<!doctype html>\n<html${lang ? ` lang="${lang}"` : ''}>\n<head>\n${head.join('\n')}\n</head>\n<body>\n` +
    (titleBlock.length ? `<header class="quire-title-block">\n${titleBlock.join('\n')}\n</header>\n` : '') +
    `<main class="quire-content">\n${body.html}\n</main>\n</body>\n</html>\n`;

  return { html, headings: body.headings, warnings: images.warnings };
}

/**
 * The part of a whole HTML page that is the document: the tokens after <body>, or without
 * a <body> tag everything outside <head>. Also returns the page's <title> text.
 */
export function selectBody(tokens: HtmlToken[]): { body: HtmlToken[]; title: string | null } {
  const bodyAt = tokens.findIndex((t) => t.type === 'start' && t.name === 'body');
  const titleScope = bodyAt >= 0 ? tokens.slice(0, bodyAt) : tokens;
  const titleTok = titleScope.find((t) => t.type === 'rawtext' && t.tag === 'title');
  const title = titleTok && titleTok.type === 'rawtext' ? decodeEntities(titleTok.text).replace(/\s+/g, ' ').trim() || null : null;
  if (bodyAt >= 0) return { body: tokens.slice(bodyAt + 1), title };

  const body: HtmlToken[] = [];
  let inHead = false;
  for (const t of tokens) {
    if (t.type === 'start' && t.name === 'head') inHead = true;
    else if (t.type === 'end' && t.name === 'head') inHead = false;
    else if (!inHead) body.push(t);
  }
  return { body, title };
}

/**
 * `ja`, `ko` or `zh` when most of the document's letters are in that script, so the theme
 * picks the matching CJK font; otherwise no language is claimed.
 */
export function guessCjkLang(source: string): string | null {
  const sample = source.length > 200_000 ? source.slice(0, 200_000) : source;
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters === 0) return null;
  const kana = sample.match(/[\p{Script=Hiragana}\p{Script=Katakana}]/gu)?.length ?? 0;
  const hangul = sample.match(/\p{Script=Hangul}/gu)?.length ?? 0;
  const han = sample.match(/\p{Script=Han}/gu)?.length ?? 0;
  if ((kana + hangul + han) / letters < 0.2) return null;
  if (kana >= hangul && kana > han * 0.1) return 'ja';
  if (hangul > han) return 'ko';
  return 'zh';
}
