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
import { tokenizeHtml } from './html-tokenizer.ts';

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
  });
  service.use(gfm);
  // turndown's own list items use "-   " (marker plus three spaces); write "- " and "1. ".
  service.addRule('listItem', {
    filter: 'li',
    replacement: (content, node) => {
      const parent = node.parentNode as TurndownNode | null;
      let prefix = '- ';
      if (parent?.nodeName === 'OL') {
        const start = Number(parent.getAttribute('start') ?? '1');
        const index = Array.prototype.indexOf.call(parent.children, node);
        prefix = `${(Number.isFinite(start) ? start : 1) + index}. `;
      }
      const isParagraph = /\n$/.test(content);
      let body = content.replace(/^\n+/, '').replace(/\n+$/, '') + (isParagraph ? '\n' : '');
      body = body.replace(/^(\[[ x]\]) +/, '$1 ').replace(/\n/g, `\n${' '.repeat(prefix.length)}`);
      return prefix + body + (node.nextSibling ? '\n' : '');
    },
  });
  service.remove(['style', 'script', 'noscript', 'template', 'head', 'title', 'meta', 'link']);
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
  const tokens = tokenizeHtml(html);
  let startAt = -1;
  let kind: 'main' | 'body' | null = null;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.type !== 'start') continue;
    if (t.name === 'main' && t.attrs.some((a) => a.name === 'class' && a.value.split(/\s+/).includes('quire-content'))) {
      startAt = k;
      kind = 'main';
      break;
    }
    if (t.name === 'body' && kind === null) {
      startAt = k;
      kind = 'body';
    }
  }
  if (startAt < 0) return html;
  const from = tokens[startAt].end;
  let depth = 1;
  for (let k = startAt + 1; k < tokens.length; k++) {
    const t = tokens[k];
    if (kind === 'main' && t.type === 'start' && t.name === 'main') depth++;
    if (t.type === 'end' && t.name === kind && --depth === 0) return html.slice(from, t.start);
  }
  return html.slice(from);
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
    // Put the original path back in place of the data: URI generateExportHtml embedded: the DOM
    // then never holds the base64, and tables kept as HTML still point at the image file.
    const body = documentBody(html).replace(/<img src="data:[^"]*" data-src="([^"]*)"/g, '<img src="$1"');
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
