/**
 * Reading HTML with htmlparser2 (the parser sanitize-html itself runs on), for the places that
 * only need to find things in a page: its <body> and <title>, the content of an element, the
 * <img> sources, one start tag's attributes. Entities in text and attributes come decoded.
 * Nothing here makes markup safe: that is sanitize.ts.
 *
 * @example
 * pageBody('<html><head><title>A &amp; B</title></head><body><p>x</p></body></html>');
 * // { body: '<p>x</p></body></html>', title: 'A & B' }
 * imgSources('<p><img src="a.png"><img alt=x></p>'); // ['a.png']
 */
import { Parser } from 'htmlparser2';

type Handler = NonNullable<ConstructorParameters<typeof Parser>[0]>;

/** Runs htmlparser2 over `html`; callbacks read source offsets from `parser.startIndex/endIndex`. */
function parse(html: string, build: (parser: () => Parser) => Partial<Handler>): void {
  let parser: Parser | null = null;
  parser = new Parser(build(() => parser!), { decodeEntities: true });
  parser.end(html);
}

/** Elements that stay in <head>; any other start tag there begins the body. */
const HEAD_CONTENT = new Set(['head', 'title', 'meta', 'link', 'style', 'script', 'base', 'noscript', 'template']);

/**
 * The part of a whole HTML page that is the document: the source after the <body> start tag,
 * or without a <body> tag everything outside <head>. Also the page's <title> text (before
 * <body>), whitespace collapsed; null when there is none.
 */
export function pageBody(html: string): { body: string; title: string | null } {
  let bodyFrom = -1;
  let title: string | null = null;
  let titleText: string | null = null;
  const outsideHead: Array<[number, number]> = [];
  let headFrom = -1;
  let cursor = 0;
  let headDepth = 0;
  parse(html, (p) => ({
    onopentag(name) {
      if (bodyFrom >= 0) return;
      if (headDepth > 0 && !HEAD_CONTENT.has(name)) {
        // Body content ends an unclosed <head>, as in a browser.
        outsideHead.push([cursor, headFrom]);
        cursor = p().startIndex;
        headDepth = 0;
      }
      if (name === 'body') {
        bodyFrom = p().endIndex + 1;
      } else if (name === 'head' && headDepth++ === 0) {
        headFrom = p().startIndex;
      } else if (name === 'title' && title === null) {
        titleText = '';
      }
    },
    ontext(text) {
      if (titleText !== null) titleText += text;
    },
    onclosetag(name, implied) {
      if (bodyFrom >= 0) return;
      if (name === 'title' && titleText !== null) {
        title = titleText.replace(/\s+/g, ' ').trim() || null;
        titleText = null;
      } else if (name === 'head' && headDepth > 0 && --headDepth === 0) {
        outsideHead.push([cursor, headFrom]);
        // An implied close (at end of input, or by a body-only tag) ends before that tag.
        cursor = implied ? p().startIndex : p().endIndex + 1;
      }
    },
  }));
  if (bodyFrom >= 0) return { body: html.slice(bodyFrom), title };
  if (headDepth > 0) outsideHead.push([cursor, headFrom]);
  else outsideHead.push([cursor, html.length]);
  return { body: outsideHead.map(([a, b]) => html.slice(a, Math.max(a, b))).join(''), title };
}

/**
 * The source between the start tag of the first element `match` accepts and its end tag (or
 * the end of input when it is never closed); null when no element matches.
 */
export function elementContent(html: string, match: (name: string, attribs: Record<string, string>) => boolean): string | null {
  let from = -1;
  let to = -1;
  let depth = 0;
  let tag = '';
  parse(html, (p) => ({
    onopentag(name, attribs) {
      if (to >= 0) return;
      if (from < 0) {
        if (match(name, attribs)) {
          from = p().endIndex + 1;
          tag = name;
          depth = 1;
        }
      } else if (name === tag) {
        depth++;
      }
    },
    onclosetag(name, implied) {
      if (from < 0 || to >= 0 || name !== tag || --depth > 0) return;
      to = implied ? Math.min(p().startIndex, html.length) : p().startIndex;
    },
  }));
  if (from < 0) return null;
  return html.slice(from, to < from ? html.length : to);
}

/** The decoded `src` of every <img> in a piece of HTML. */
export function imgSources(html: string): string[] {
  const out: string[] = [];
  parse(html, () => ({
    onopentag(name, attribs) {
      if (name === 'img' && attribs.src !== undefined) out.push(attribs.src);
    },
  }));
  return out;
}

/** The decoded attributes of the first start tag in `html` (names lower-cased). */
export function startTagAttributes(html: string): Record<string, string> {
  let found: Record<string, string> | null = null;
  parse(html, () => ({
    onopentag(_name, attribs) {
      found ??= attribs;
    },
  }));
  return found ?? {};
}

/** `text` with its character references decoded, as a browser reads text ("<" stays "<"). */
export function decodeText(text: string): string {
  if (!text.includes('&')) return text;
  let out = '';
  parse(text.replace(/</g, '&lt;'), () => ({
    ontext(t) {
      out += t;
    },
  }));
  return out;
}

/**
 * The text of each heading of an export HTML (sanitized: `<hN id="…">…</hN>`, never nested),
 * tags removed and character references decoded. A scan, not a parse: cheap on a 100 MB page.
 */
export function headingTexts(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1>/g)) {
    const text = decodeText(m[2]!.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  return out;
}
