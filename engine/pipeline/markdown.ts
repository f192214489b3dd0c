/// <reference path="./turndown-plugin-gfm.d.ts" />
/**
 * HTML back to Markdown (GitHub flavour) with turndown and the GFM plugin: ATX headings,
 * fenced code that keeps its language, pipe tables, ~~strikethrough~~, task lists.
 *
 * Given the export HTML from generateExportHtml, only the document body is converted (the
 * head, theme CSS and title block are left out), and embedded images are written with their
 * original path (kept in `data-src`) rather than their base64 data.
 *
 * @example
 * htmlToMarkdown('<h2 id="x">Setup</h2><pre><code class="language-sh">npm i\n</code></pre>');
 * // '## Setup\n\n```sh\nnpm i\n```\n'
 */
import TurndownService from 'turndown';
import { gfm } from '@joplin/turndown-plugin-gfm';
import { Errors } from '../api/errors.ts';
import { fencedLines } from './fences.ts';
import { elementContent } from './html-parse.ts';

type TurndownNode = Parameters<TurndownService.FilterFunction>[0];

function hasClass(node: TurndownNode, name: string): boolean {
  const cls = node.getAttribute?.('class');
  return typeof cls === 'string' && cls.split(/\s+/).includes(name);
}

/** A link or image destination, in <…> when it has spaces or parentheses. */
function destination(url: string): string {
  if (/[\s()<>]/.test(url)) return `<${url.replace(/[<>]/g, (c) => encodeURIComponent(c))}>`;
  return url;
}

/** A link destination: backslashes kept, parentheses escaped, in <…> when it has spaces or angle brackets. */
function linkDestination(url: string): string {
  const d = url.replace(/\\/g, '\\\\').replace(/\r?\n/g, '%0A');
  if (/[\s<>]/.test(d)) return `<${d.replace(/[<>]/g, '\\$&')}>`;
  return d.replace(/[()]/g, '\\$&');
}

/**
 * The marker of a list item. A list that directly follows another of its kind switches
 * "-" ↔ "*" (or "." ↔ ")"): with the same marker Markdown would read the two as one list.
 */
function listItemPrefix(node: TurndownNode): string {
  const parent = node.parentNode as TurndownNode | null;
  let run = 0;
  for (let sib = parent?.previousElementSibling as TurndownNode | null | undefined; sib && sib.nodeName === parent?.nodeName; sib = sib.previousElementSibling as TurndownNode | null) run++;
  if (parent?.nodeName !== 'OL') return run % 2 ? '* ' : '- ';
  const start = Number(parent.getAttribute('start') ?? '1');
  const index = Array.prototype.indexOf.call(parent.children, node);
  return `${(Number.isFinite(start) ? start : 1) + index}${run % 2 ? ')' : '.'} `;
}

/** HTML writes a loose list (blank lines between items) with <p> in its items; a tight one without. */
function isLooseList(list: TurndownNode | null): boolean {
  return !!list && Array.prototype.some.call(list.children, (li: TurndownNode) => Array.prototype.some.call(li.children, (c: TurndownNode) => c.nodeName === 'P'));
}

/** What an element with no content becomes, for those whose emptiness Markdown can still say. */
function blankMarkdown(node: TurndownNode): string {
  const name = node.nodeName;
  if (name === 'LI') return listItemPrefix(node).trimEnd() + (node.nextSibling ? '\n' : '');
  if (name === 'UL' || name === 'OL') {
    const items = Array.prototype.filter.call(node.children, (c: TurndownNode) => c.nodeName === 'LI') as TurndownNode[];
    return `\n\n${items.map((li) => listItemPrefix(li).trimEnd()).join('\n')}\n\n`;
  }
  if (name === 'PRE') {
    // Whitespace-only code is still code, and keeps its language.
    const code = node.textContent ?? '';
    const lang = /(?:^|\s)language-(\S+)/.exec((node.firstChild as TurndownNode | null)?.getAttribute?.('class') ?? '')?.[1] ?? '';
    return `\n\n\`\`\`${lang}\n${code}${code === '' || code.endsWith('\n') ? '' : '\n'}\`\`\`\n\n`;
  }
  if (name === 'CODE') return `\`${(node.textContent ?? '').replace(/\r?\n/g, ' ')}\``;
  if (/^H[1-6]$/.test(name)) return `\n\n${'#'.repeat(Number(name[1]))}\n\n`;
  if (name === 'BLOCKQUOTE') return '\n\n>\n\n';
  return (node as { isBlock?: boolean }).isBlock ? '\n\n' : '';
}

function imageMarkdown(alt: string, src: string, title: string | null): string {
  const cleanAlt = alt.replace(/\s*\n\s*/g, ' ').replace(/([\\[\]])/g, '\\$1');
  const titlePart = title ? ` "${title.replace(/\s*\n\s*/g, ' ').replace(/"/g, '\\"')}"` : '';
  return `![${cleanAlt}](${destination(src)}${titlePart})`;
}

function createService(): TurndownService {
  const service = new TurndownService({
    headingStyle: 'atx',
    codeBlockStyle: 'fenced',
    fence: '```',
    bulletListMarker: '-',
    emDelimiter: '*',
    strongDelimiter: '**',
    hr: '---',
    linkStyle: 'inlined',
    // Spaces at the ends of a code span are part of it (`` ` a` ``), as in the HTML.
    preformattedCode: true,
    blankReplacement: (_content, node) => blankMarkdown(node),
  });
  service.use(gfm);
  // Text that would read as an entity or a tag in Markdown is text in the HTML ("&amp;copy;", "&lt;b&gt;").
  const escapeText = service.escape.bind(service);
  service.escape = (text: string) => escapeText(text).replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&').replace(/<(?=[A-Za-z/!?])/g, '\\<');
  service.addRule('inlineLink', {
    filter: (node) => node.nodeName === 'A' && node.getAttribute('href') !== null,
    replacement: (content, node) => {
      const title = (node.getAttribute('title') ?? '').replace(/(\n+\s*)+/g, '\n');
      return `[${content}](${linkDestination(node.getAttribute('href') ?? '')}${title ? ` "${title.replace(/"/g, '\\"')}"` : ''})`;
    },
  });
  // Emphasis inside emphasis: "*_x_*", since "**x**" would read as strong.
  service.addRule('emphasis', {
    filter: ['em', 'i'],
    replacement: (content, node) => {
      if (!content.trim()) return '';
      const d = ['EM', 'I'].includes((node.parentNode as TurndownNode | null)?.nodeName ?? '') ? '_' : '*';
      return d + content + d;
    },
  });
  // ATX headings: a trailing "#" run in the text is text, not the optional closing sequence.
  service.addRule('heading', {
    filter: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'],
    replacement: (content, node) => `\n\n${'#'.repeat(Number(node.nodeName[1]))} ${content.replace(/(^|\s)(#+)(\s*)$/, '$1\\$2$3')}\n\n`,
  });
  // turndown's own list items use "-   " (marker plus three spaces); write "- " and "1. ".
  service.addRule('listItem', {
    filter: 'li',
    replacement: (content, node) => {
      const prefix = listItemPrefix(node);
      // A blank line after an item makes the whole list loose: only where the HTML's is.
      const isParagraph = /\n$/.test(content) && isLooseList(node.parentNode as TurndownNode | null);
      let body = content.replace(/^\n+/, '').replace(/\n+$/, '') + (isParagraph ? '\n' : '');
      body = body.replace(/^(\[[ x]\]) +/, '$1 ').replace(/\n/g, `\n${' '.repeat(prefix.length)}`);
      return prefix + body + (node.nextSibling ? '\n' : '');
    },
  });
  service.remove(['style', 'script', 'noscript', 'template', 'head', 'title', 'meta', 'link']);
  // No Markdown for these: kept as (already sanitized) HTML rather than lost ("x<sup>2</sup>" is not "x2").
  service.keep(['sub', 'sup', 'kbd', 'ins']);
  service.remove((node) => node.nodeName === 'HEADER' && hasClass(node, 'quire-title-block'));
  service.addRule('quireImage', {
    filter: 'img',
    replacement: (_content, node) => {
      const src = node.getAttribute('data-src') || node.getAttribute('src') || '';
      if (!src) return node.getAttribute('alt') ?? '';
      return imageMarkdown(node.getAttribute('alt') ?? '', src, node.getAttribute('title'));
    },
  });
  // Images generateExportHtml could not embed: back to the reference the author wrote.
  service.addRule('quireImagePlaceholder', {
    filter: (node) => node.nodeName === 'SPAN' && hasClass(node, 'quire-image-placeholder'),
    replacement: (content, node) => {
      const src = node.getAttribute('data-src') ?? '';
      const alt = node.getAttribute('data-alt') ?? '';
      return src ? imageMarkdown(alt, src, null) : content;
    },
  });
  return service;
}

let service: TurndownService | null = null;

/**
 * The part of an HTML page to convert: inside `<main class="quire-content">` when present
 * (our export HTML), else inside `<body>`, else all of it.
 */
export function documentBody(html: string): string {
  const content =
    elementContent(html, (name, attribs) => name === 'main' && (attribs.class ?? '').split(/\s+/).includes('quire-content')) ??
    elementContent(html, (name) => name === 'body');
  return content ?? html;
}

/**
 * The GFM plugin pads every cell to three characters ("| 10  |"); write cells as they read
 * ("| 10 |"). Only pipe-table rows outside fenced code are touched.
 */
function tidyTables(md: string): string {
  const lines = md.split('\n');
  const fenced = fencedLines(lines);
  return lines
    .map((line, k) => (!fenced[k] && line.startsWith('| ') && line.endsWith(' |') ? line.replace(/(\S) {2,}(?=\|)/g, '$1 ') : line))
    .join('\n');
}

/** Converts HTML to GitHub-flavoured Markdown. Throws QuireError CONVERSION_FAILED on failure. */
export function htmlToMarkdown(html: string): string {
  if (typeof html !== 'string') throw Errors.invalidInput('htmlToMarkdown expects HTML text.');
  try {
    // Put the original path back in place of the data: URI generateExportHtml embedded (or the
    // print form's link, print-assets.ts): the DOM then never holds the base64, and tables kept
    // as HTML still point at the image file.
    const body = documentBody(html).replace(/<img src="(?:data:[^"]*|https:\/\/quire\.invalid\/assets\/[0-9a-f]{64})" data-src="([^"]*)"/g, '<img src="$1"');
    service ??= createService();
    const md = service
      .turndown(body)
      // The GFM plugin wraps tables it keeps as HTML in a Joplin-specific div.
      .replace(/<div class="joplin-table-wrapper">/g, '')
      .replace(/<\/table><\/div>(?=\n|$)/g, '</table>');
    const out = tidyTables(md.trim());
    return out === '' ? '' : `${out}\n`;
  } catch (e) {
    throw Errors.conversionFailed('converting HTML to Markdown', e instanceof Error ? e.message : String(e));
  }
}
