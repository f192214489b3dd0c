/**
 * Builds the standalone export HTML from a document's source: one file with the theme CSS
 * inlined, local images embedded as data: URIs, no scripts, and a strict CSP. The PDF step
 * renders this same HTML, so what the user sees in the .html and the .pdf match. A job that
 * prints asks for the print form (`assets.print`): the same HTML with its stored images and the
 * bundled fonts linked for the PDF renderer to serve, not inlined (print-assets.ts;
 * embed-images.ts inlines them).
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
import { Errors, QuireError } from '../api/errors.ts';
import { escapeAttr, escapeText } from './html-escape.ts';
import { pageBody } from './html-parse.ts';
import { ImageInliner, type ImageInlinerOptions } from './images.ts';
import { katexCss, renderMarkdown } from './markdown-render.ts';
import { MAX_MARKDOWN_NESTING, deepestNesting, describeNesting } from './nesting.ts';
import { PRINT_CSP, printAssetsMetaTag, printFontsMetaTag } from './print-assets.ts';
import { sanitizeHtml } from './sanitize.ts';
import { documentCss, type ThemeOptions } from './theme.ts';
import { parseFrontMatter, plainTitle } from '../api/front-matter.ts';
import type { ExportHtmlInput, ExportHtmlResult, Heading } from './types.ts';

export interface ExportHtmlOptions extends ThemeOptions, ImageInlinerOptions {
  /** CSS to inline instead of reading a theme file. */
  themeCss?: string;
}

/** The export's Content-Security-Policy: nothing loads or runs except inline styles and data: images/fonts. */
export const EXPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:";

/** Markdown to (unsanitized) HTML with every feature on; see markdown-render.ts. */
export { markdownToHtml } from './markdown-render.ts';

/** C0 and C1 controls other than tab, line feed, form feed and carriage return. */
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F]/g;

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
  let title = (input.title ?? '').trim();
  let bodyHtml: string;
  const warnings: string[] = [];
  // Front matter is metadata, never body text (the job's spec already holds what it says).
  const front = input.format === 'md' ? parseFrontMatter(input.source) : null;
  if (front?.error) warnings.push(`Front matter: ${front.error}. It was left out of the export; fix the YAML to use its title and settings.`);
  // Control characters (a stray backspace pasted into a README) are not allowed in HTML and print as nothing.
  const source = (front ? front.body : input.source).replace(CONTROL_CHARS, '');
  let hasMath = false;
  if (input.format === 'md') {
    // Counted on the file as written, so the line named is the editor's line (front matter included).
    const deep = deepestNesting(input.source);
    if (deep) throw Errors.documentTooDeep(describeNesting(deep), MAX_MARKDOWN_NESTING);
    const { math = true, highlight = true, diagrams = true } = input.style ?? {};
    const rendered = renderMarkdown(source, { math, highlight, diagrams });
    warnings.push(...rendered.warnings);
    hasMath = rendered.hasMath;
    bodyHtml = rendered.html;
  } else {
    // The document part of a whole page (after <body>, or outside <head>) and its <title>.
    const page = pageBody(source);
    bodyHtml = page.body;
    if (!title && page.title) title = page.title;
  }

  const images = new ImageInliner(input.assets ?? input.baseDir, options);
  const body = sanitizeHtml(bodyHtml, { image: (img) => images.render(img) });
  const meta = input.meta ?? {};
  const first = body.headings[0];
  const docTitle = title || first?.text || 'Untitled';
  // A document whose first heading is its title ("# Same Title", or "## Same Title" in a book's
  // section file, where import took the title from) shows it once: as that heading.
  const showTitle = title !== '' && !(first && sameTitle(first.text, title));
  const lang = meta.lang ?? guessCjkLang(source);
  // base + theme, the bundled fonts for the characters shown, then the user's CSS on top.
  const style = documentCss({
    ...options,
    theme: input.style?.theme ?? 'github',
    text: [title, meta.subtitle, meta.author, meta.date, body.html].join('\n'),
    lang,
    userCss: input.style?.css?.text,
    linkFonts: input.assets?.print === true,
  });
  const css = style.css;
  warnings.push(...style.warnings);
  const description = meta.subject ?? meta.subtitle;

  const head = [
    '<meta charset="utf-8">',
    // The print form (images linked for the PDF renderer to serve) says which, and may load only those.
    // Asked for, it is written even with no image: every page a batch prints then has the same
    // CSP, and the renderer can write the next document into the same page (chromium-pdf-renderer.ts).
    ...(input.assets?.print
      ? [`<meta http-equiv="Content-Security-Policy" content="${PRINT_CSP}">`, printAssetsMetaTag(images.printAssets), printFontsMetaTag(style.linkedFonts)]
      : [`<meta http-equiv="Content-Security-Policy" content="${EXPORT_CSP}">`]),
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeText(docTitle)}</title>`,
    meta.author ? `<meta name="author" content="${escapeAttr(meta.author)}">` : '',
    meta.date ? `<meta name="date" content="${escapeAttr(meta.date)}">` : '',
    description ? `<meta name="description" content="${escapeAttr(description)}">` : '',
    meta.keywords?.length ? `<meta name="keywords" content="${escapeAttr(meta.keywords.join(', '))}">` : '',
    '<meta name="generator" content="Quire">',
    // KaTeX's own CSS and fonts, only for a document with math; the theme comes after and wins.
    hasMath ? `<style>\n${katexCss()}\n</style>` : '',
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
    (input.style?.toc ? tableOfContents(body.headings) : '') +
    `<main class="quire-content">\n${body.html}\n</main>\n</body>\n</html>\n`;

  return { html, headings: body.headings, warnings: [...warnings, ...images.warnings] };
}

/** Heading text and title read the same, whatever the case, spacing or Markdown emphasis marks. */
function sameTitle(heading: string, title: string): boolean {
  return plainTitle(heading).toLowerCase() === plainTitle(title).toLowerCase();
}

/** Headings deeper than this stay out of the table of contents. */
const TOC_DEPTH = 3;

/**
 * The table of contents: the headings down to TOC_DEPTH as nested lists of links, outside
 * <main> (so the Markdown export leaves it out) and without a heading of its own (so the PDF
 * outline does not list "Contents").
 */
export function tableOfContents(headings: Heading[]): string {
  const shown = headings.filter((h) => h.level <= TOC_DEPTH && h.text.trim());
  if (shown.length === 0) return '';
  const top = Math.min(...shown.map((h) => h.level));
  const out: string[] = ['<nav class="quire-toc" aria-label="Contents">', '<p class="quire-toc-title">Contents</p>', '<ol>'];
  let depth = 0;
  shown.forEach((h, i) => {
    const level = h.level - top;
    if (i > 0) {
      if (level > depth) {
        // One level deeper at a time: a jump from h1 to h3 nests once, not twice.
        out.push('<ol>');
        depth++;
      } else {
        out.push('</li>');
        for (; depth > level; depth--) out.push('</ol></li>');
      }
    }
    out.push(`<li><a href="#${escapeAttr(h.id)}">${escapeText(h.text)}</a>`);
  });
  out.push('</li>');
  for (; depth > 0; depth--) out.push('</ol></li>');
  out.push('</ol>', '</nav>');
  return out.join('\n') + '\n';
}

const CJK = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Han}]/u;

/**
 * `ja`, `ko` or `zh` when most of the document's letters are in that script, so the theme
 * picks the matching CJK font; otherwise no language is claimed.
 */
export function guessCjkLang(source: string): string | null {
  const sample = source.length > 200_000 ? source.slice(0, 200_000) : source;
  // Most documents have no CJK at all: one scan that allocates nothing answers them (counting
  // every letter into an array was the worker's costliest function on 100 English chapters).
  if (!CJK.test(sample)) return null;
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
