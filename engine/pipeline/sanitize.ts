/**
 * Turns untrusted HTML (a document's body, or Markdown's raw HTML after marked) into markup
 * that is safe to open as a standalone file and gives every heading a stable id.
 *
 * Safe by construction: nothing from the input is copied through as markup. Every kept tag is
 * re-serialized from its parsed name and attributes, text is re-escaped, end tags are
 * balanced against the elements we opened, so a stray `</main>` cannot close our wrapper.
 *
 * Removed: script, iframe, object, embed and other active or document-level elements (with
 * their content); on* attributes; javascript:/vbscript:/data: links and any URL scheme other
 * than http, https, mailto and tel; form actions; srcset and media sources (the export is
 * offline and images are inlined separately).
 *
 * @example
 * const { html, headings } = sanitizeHtml('<h2>Intro</h2><img src=x onerror=alert(1)>');
 * // html: '<h2 id="intro">Intro</h2><img>' ; headings: [{ level: 2, text: 'Intro', id: 'intro' }]
 */
import { urlScheme } from '../api/asset-ref.ts';
import { isDataImageUri } from '../api/media-types.ts';
import type { Heading } from './types.ts';
import { decodeEntities, escapeAttr, escapeText, tokenizeHtml, type HtmlAttr, type HtmlToken } from './html-tokenizer.ts';
import { Slugger } from './slug.ts';

export interface ImageRequest {
  /** The decoded src attribute, or null when the <img> has none. */
  src: string | null;
  /** The decoded alt text ('' when absent). */
  alt: string;
  /** The img's other attributes, already sanitized and serialized (leading space each); no src/srcset. */
  attrs: string;
}

export interface SanitizeOptions {
  /** Returns the markup that replaces one <img>. Default: keep data:image/* sources, drop any other src. */
  image?: (img: ImageRequest) => string;
  /** Shared when headings from several fragments must have ids unique together. */
  slugger?: Slugger;
}

export interface SanitizeResult {
  html: string;
  headings: Heading[];
}

const VOID = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);

/** Dropped together with everything inside them. */
const DROP_ELEMENTS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'applet', 'embed', 'param', 'noscript', 'noembed', 'noframes',
  'template', 'base', 'meta', 'link', 'title', 'portal', 'fencedframe',
  // SVG animation can set an href to javascript: at run time.
  'animate', 'set', 'animatemotion', 'animatetransform', 'discard', 'handler', 'listener',
]);

/** The tag is dropped, its content kept. */
const UNWRAP = new Set(['html', 'head', 'body', 'form']);

const HEADING = /^h[1-6]$/;
const TAG_NAME = /^[a-z][a-z0-9-]*$/;
const ATTR_NAME = /^[a-z_][a-z0-9_.:-]*$/;

const DROP_ATTRS = new Set([
  'srcdoc', 'formaction', 'action', 'http-equiv', 'ping', 'background', 'poster', 'dynsrc', 'lowsrc', 'srcset',
  'imagesrcset', 'codebase', 'data', 'manifest', 'attributename',
]);
const URL_ATTRS = new Set(['href', 'xlink:href', 'src', 'cite', 'longdesc', 'usemap']);
const LINK_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);
const UNSAFE_STYLE = /expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding/i;

/** Whether an href may stay: relative, #fragment, http(s), mailto, tel. */
function isSafeLink(url: string): boolean {
  const scheme = urlScheme(url);
  return scheme === null || LINK_SCHEMES.has(scheme);
}

function safeUrl(tag: string, attr: string, value: string): string | null {
  const v = value.trim();
  if (attr === 'src') return null; // media and input sources: offline export, dropped (img is handled apart)
  if (attr === 'usemap' || tag === 'use') return v.startsWith('#') ? v : null;
  if (tag === 'image' || tag === 'feimage') return isDataImageUri(v) ? v : null;
  return isSafeLink(v) ? v : null;
}

/** Serializes the attributes that are safe on `tag`, each with a leading space. */
function safeAttributes(tag: string, attrs: HtmlAttr[], skip?: ReadonlySet<string>): string {
  const seen = new Set<string>();
  let out = '';
  for (const a of attrs) {
    // Browsers keep the first of duplicate attributes.
    if (seen.has(a.name)) continue;
    seen.add(a.name);
    if (!ATTR_NAME.test(a.name) || a.name.startsWith('on') || DROP_ATTRS.has(a.name) || skip?.has(a.name)) continue;
    if (URL_ATTRS.has(a.name)) {
      const url = safeUrl(tag, a.name, a.value);
      // The decoded value, fully escaped: the browser reads exactly what was checked.
      if (url !== null) out += ` ${a.name}="${escapeAttr(url)}"`;
      continue;
    }
    if (a.name === 'style' && UNSAFE_STYLE.test(a.value.replace(/[\u0000-\u0020\\]/g, ''))) continue;
    out += a.raw === '' ? ` ${a.name}` : ` ${a.name}="${a.raw.replace(/"/g, '&quot;')}"`;
  }
  return out;
}

function defaultImage(img: ImageRequest): string {
  const src = img.src !== null && isDataImageUri(img.src.trim()) ? ` src="${escapeAttr(img.src.trim())}"` : '';
  return `<img${src}${img.attrs}>`;
}

interface OpenElement {
  name: string;
  /** For headings: index of the start tag in the output, its attributes, and the text so far. */
  heading?: { outIndex: number; attrs: HtmlAttr[]; text: string };
}

const SKIP_IMG_ATTRS = new Set(['src', 'srcset']);

/**
 * Sanitizes `input` (a string, or tokens from tokenizeHtml) and collects its headings.
 * Never throws on malformed markup.
 */
export function sanitizeHtml(input: string | HtmlToken[], options: SanitizeOptions = {}): SanitizeResult {
  const tokens = typeof input === 'string' ? tokenizeHtml(input) : input;
  const slugger = options.slugger ?? new Slugger();
  const image = options.image ?? defaultImage;
  const out: string[] = [];
  const stack: OpenElement[] = [];
  const headings: Heading[] = [];
  let foreignDepth = 0; // open <svg>/<math> elements: self-closing syntax counts there
  let skipName: string | null = null;
  let skipDepth = 0;
  let openHeading: OpenElement | null = null;

  const closeTop = () => {
    const el = stack.pop()!;
    if (el.name === 'svg' || el.name === 'math') foreignDepth--;
    if (el.heading) {
      finishHeading(el);
      openHeading = null;
    }
    out.push(`</${el.name}>`);
  };

  const finishHeading = (el: OpenElement) => {
    const h = el.heading!;
    const text = h.text.replace(/\s+/g, ' ').trim();
    const given = h.attrs.find((a) => a.name === 'id')?.value.trim();
    const id = given ? slugger.reserve(given) : slugger.slug(text);
    const attrs = safeAttributes(el.name, h.attrs, new Set(['id']));
    out[h.outIndex] = `<${el.name} id="${escapeAttr(id)}"${attrs}>`;
    headings.push({ level: Number(el.name[1]), text, id });
  };

  for (const tok of tokens) {
    if (skipName !== null) {
      if (tok.type === 'start' && tok.name === skipName && !VOID.has(tok.name) && !(tok.selfClosing && foreignDepth > 0)) {
        skipDepth++;
      } else if (tok.type === 'end' && tok.name === skipName && --skipDepth === 0) {
        skipName = null;
      }
      continue;
    }

    switch (tok.type) {
      case 'text': {
        const text = tok.text.replace(/\0/g, '\ufffd');
        out.push(text.replace(/</g, '&lt;'));
        if (openHeading) openHeading.heading!.text += decodeEntities(text);
        break;
      }
      case 'rawtext': {
        // Only style, textarea, xmp and plaintext reach here; the rest are dropped elements.
        const text = tok.text.replace(/\0/g, '\ufffd');
        if (tok.tag === 'style') out.push(text.replace(/</g, '\\3c '));
        else if (tok.tag === 'textarea') out.push(text.replace(/</g, '&lt;'));
        else out.push(escapeText(text));
        break;
      }
      case 'start': {
        const name = tok.name === 'xmp' || tok.name === 'plaintext' || tok.name === 'listing' ? 'pre' : tok.name;
        if (!TAG_NAME.test(name) || UNWRAP.has(name)) break;
        // "/>" closes an element only in SVG and MathML (including <svg/> itself), as in browsers.
        const selfClosed = VOID.has(name) || (tok.selfClosing && (foreignDepth > 0 || name === 'svg' || name === 'math'));
        if (DROP_ELEMENTS.has(name)) {
          if (!selfClosed) {
            skipName = name;
            skipDepth = 1;
          }
          break;
        }
        if (name === 'img') {
          const src = tok.attrs.find((a) => a.name === 'src')?.value ?? null;
          const alt = tok.attrs.find((a) => a.name === 'alt')?.value ?? '';
          out.push(image({ src, alt, attrs: safeAttributes('img', tok.attrs, SKIP_IMG_ATTRS) }));
          break;
        }
        if (HEADING.test(name)) {
          // A heading start tag closes an open heading, as in the HTML tree builder.
          if (openHeading) {
            while (stack.length && stack[stack.length - 1] !== openHeading) closeTop();
            if (stack.length) closeTop();
          }
          const el: OpenElement = { name, heading: { outIndex: out.length, attrs: tok.attrs, text: '' } };
          out.push(''); // filled in by finishHeading once the text (and so the id) is known
          stack.push(el);
          openHeading = el;
          break;
        }
        // Exports are read on paper too: a collapsed <details> would vanish from the PDF.
        const open = name === 'details' && !tok.attrs.some((a) => a.name === 'open') ? ' open' : '';
        out.push(`<${name}${safeAttributes(name, tok.attrs)}${open}${selfClosed && !VOID.has(name) ? ' /' : ''}>`);
        if (!selfClosed) {
          stack.push({ name });
          if (name === 'svg' || name === 'math') foreignDepth++;
        }
        break;
      }
      case 'end': {
        const name = tok.name === 'xmp' || tok.name === 'plaintext' || tok.name === 'listing' ? 'pre' : tok.name;
        if (VOID.has(name) || UNWRAP.has(name) || DROP_ELEMENTS.has(name)) break;
        // Any heading end tag closes the open heading; other end tags close their own element.
        let k = stack.length - 1;
        if (HEADING.test(name)) {
          while (k >= 0 && !stack[k].heading) k--;
        } else {
          while (k >= 0 && stack[k].name !== name) k--;
        }
        if (k < 0) break; // nothing to close: a stray end tag is dropped
        while (stack.length > k) closeTop();
        break;
      }
      case 'comment':
      case 'doctype':
        break;
    }
  }
  while (stack.length) closeTop();
  return { html: out.join(''), headings: headings };
}
