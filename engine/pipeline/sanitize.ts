/**
 * Turns untrusted HTML (a document's body, or Markdown's HTML after marked, KaTeX, highlight.js
 * and Mermaid) into markup that is safe to open as a standalone file, and gives every heading a
 * stable id. One policy, EXPORT_SANITIZE_POLICY, for sanitize-html (which parses with
 * htmlparser2): the export and the Write-stage preview both go through sanitizeHtml below.
 *
 * Safe by construction: sanitize-html re-serializes every element it keeps from its parsed name
 * and allowed attributes, escapes all text and attribute values, and balances end tags, so a
 * stray `</main>` cannot close our wrapper. Where htmlparser2 and a browser would build
 * different trees (raw-text elements, SVG's HTML breakouts) the output still has no "<" other
 * than the tags written here, so a browser can only find the elements we allowed.
 *
 * Allowed: text markup, tables, lists, details, figures, task-list checkboxes, KaTeX's HTML and
 * MathML, inline SVG (Mermaid's, KaTeX's, callout icons) with `<use>` and `url(#…)` pointing
 * inside the document only, `style` attributes limited to listed properties and plain values.
 * Removed: script, iframe, object, embed, template, form controls, <style>/<title> outside SVG
 * and other active or document-level elements, with their content; on* attributes;
 * javascript:/vbscript:/data: links and every scheme but http, https, mailto and tel; srcset
 * and media sources (the export is offline; <img> goes to the `image` callback); SVG
 * animation; CSS url(), image-set(), expression() and @import.
 *
 * @example
 * const { html, headings } = sanitizeHtml('<h2>Intro</h2><img src=x onerror=alert(1)>');
 * // html: '<h2 id="intro">Intro</h2><img />' ; headings: [{ level: 2, text: 'Intro', id: 'intro' }]
 */
import sanitize, { type Attributes, type IOptions } from 'sanitize-html';
import { isDataImageUri } from '../api/media-types.ts';
import { escapeAttr, escapeText } from './html-escape.ts';
import { decodeText } from './html-parse.ts';
import { Slugger } from './slug.ts';
import type { Heading } from './types.ts';

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

// ---------------------------------------------------------------------------------------
// Elements

const HTML_TAGS = [
  'a', 'abbr', 'acronym', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption',
  'center', 'cite', 'code', 'col', 'colgroup', 'data', 'dd', 'del', 'details', 'dfn', 'div', 'dl', 'dt', 'em',
  'figcaption', 'figure', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'i', 'img', 'input',
  'ins', 'kbd', 'li', 'mark', 'nav', 'ol', 'p', 'pre', 'q', 'rb', 'rp', 'rt', 'rtc', 'ruby', 's', 'samp', 'section',
  'small', 'span', 'strike', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'time',
  'tr', 'tt', 'u', 'ul', 'var', 'wbr',
];

// KaTeX's MathML. Not annotation-xml or mglyph: both can switch the browser back to HTML
// parsing inside <math>, the root of most known sanitizer bypasses.
const MATHML_TAGS = [
  'math', 'semantics', 'annotation', 'mrow', 'mi', 'mo', 'mn', 'ms', 'mtext', 'mspace', 'msup', 'msub', 'msubsup',
  'mfrac', 'msqrt', 'mroot', 'mtable', 'mtr', 'mtd', 'mlabeledtr', 'mover', 'munder', 'munderover', 'mstyle',
  'mpadded', 'mphantom', 'menclose', 'merror', 'mmultiscripts', 'mprescripts', 'none',
];

// Mermaid's and KaTeX's SVG, lower-cased as the HTML parser reads them (a browser restores
// clipPath, viewBox… itself). Not foreignObject, image, feImage or animation elements.
const SVG_TAGS = [
  'svg', 'g', 'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'tspan', 'defs', 'marker',
  'title', 'desc', 'use', 'symbol', 'clippath', 'mask', 'pattern', 'lineargradient', 'radialgradient', 'stop',
  'filter', 'fedropshadow', 'fegaussianblur', 'feoffset', 'feflood', 'fecomposite', 'femerge', 'femergenode', 'feblend',
];

/** Dropped together with everything inside them (sanitize-html's nonTextTags skips the whole subtree). */
const DROP_WITH_CONTENT = [
  'script', 'style', 'title', 'template', 'noscript', 'noembed', 'noframes', 'iframe', 'frame', 'frameset', 'object',
  'applet', 'embed', 'textarea', 'select', 'option', 'portal', 'fencedframe', 'foreignobject', 'annotation-xml',
  'mglyph', 'malignmark', 'image', 'feimage', 'animate', 'set', 'animatemotion', 'animatetransform', 'discard',
  'handler', 'listener',
];

// ---------------------------------------------------------------------------------------
// Attributes

const GLOBAL_ATTRS = ['class', 'id', 'title', 'lang', 'dir', 'role', 'align', 'width', 'height', 'style', 'aria-*', 'data-*'];

/** Only where SVG defines a viewport (Mermaid also writes viewBox on paths, which the validator rejects). */
const VIEWPORT_TAGS = new Set(['svg', 'symbol', 'marker', 'pattern']);

const SVG_ATTRS = [
  'xmlns', 'xmlns:xlink', 'version', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy',
  'r', 'rx', 'ry', 'dx', 'dy', 'd', 'points', 'transform', 'fill', 'fill-opacity', 'fill-rule', 'clip-rule', 'clip-path',
  'clippathunits', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-dashoffset', 'stroke-linecap',
  'stroke-linejoin', 'stroke-miterlimit', 'stroke-opacity', 'opacity', 'font-family', 'font-size', 'font-weight',
  'font-style', 'font-variant', 'text-anchor', 'dominant-baseline', 'alignment-baseline', 'baseline-shift',
  'letter-spacing', 'word-spacing', 'text-decoration', 'writing-mode', 'textlength', 'lengthadjust', 'marker-start',
  'marker-mid', 'marker-end', 'markerwidth', 'markerheight', 'markerunits', 'refx', 'refy', 'orient', 'offset',
  'stop-color', 'stop-opacity', 'gradientunits', 'gradienttransform', 'spreadmethod', 'fx', 'fy', 'patternunits',
  'patterncontentunits', 'patterntransform', 'maskunits', 'maskcontentunits', 'mask', 'filter', 'filterunits',
  'primitiveunits', 'stddeviation', 'flood-color', 'flood-opacity', 'in', 'in2', 'result', 'mode', 'operator',
  'display', 'visibility', 'overflow', 'color', 'vector-effect', 'shape-rendering', 'text-rendering', 'paint-order',
  'aria-roledescription', 'name',
];

const MATHML_ATTRS = [
  'xmlns', 'display', 'mathvariant', 'mathsize', 'mathcolor', 'mathbackground', 'stretchy', 'fence', 'separator',
  'lspace', 'rspace', 'minsize', 'maxsize', 'symmetric', 'movablelimits', 'largeop', 'form', 'accent', 'accentunder',
  'linethickness', 'columnalign', 'rowalign', 'rowspacing', 'columnspacing', 'columnlines', 'rowlines', 'columnspan',
  'rowspan', 'frame', 'framespacing', 'equalrows', 'equalcolumns', 'side', 'displaystyle', 'scriptlevel', 'depth',
  'voffset', 'encoding', 'notation', 'alttext',
];

// SVG's and MathML's attributes are listed once for all elements rather than per element:
// sanitize-html rebuilds its per-element tables on every call (3 ms a call with ~60 lists), and
// none of them does anything on an HTML element. URL-bearing ones stay per element (a, use).
const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  '*': [...new Set([...GLOBAL_ATTRS, ...SVG_ATTRS, ...MATHML_ATTRS])],
  a: ['href', 'xlink:href', 'name', 'target', 'rel', 'hreflang'],
  img: ['alt', 'loading'],
  input: ['type', 'checked', 'disabled'],
  ol: ['start', 'reversed', 'type'],
  ul: ['type'],
  li: ['value'],
  td: ['colspan', 'rowspan', 'headers', 'valign'],
  th: ['colspan', 'rowspan', 'headers', 'scope', 'abbr', 'valign'],
  col: ['span'],
  colgroup: ['span'],
  time: ['datetime'],
  data: ['value'],
  del: ['cite', 'datetime'],
  ins: ['cite', 'datetime'],
  blockquote: ['cite'],
  q: ['cite'],
  details: ['open'],
  use: ['href', 'xlink:href'],
};
for (const tag of VIEWPORT_TAGS) ALLOWED_ATTRIBUTES[tag] = ['viewbox', 'preserveaspectratio'];

// ---------------------------------------------------------------------------------------
// CSS: inline `style` attributes keep listed properties whose whole value is plain.

/** Anything that loads, runs or hides a token: functions that fetch, escapes, at-rules, markup. */
const UNSAFE_CSS = /(?:url|image|image-set|-webkit-image-set|cross-fade|element|expression|src|paint)\s*\(|javascript:|vbscript:|data:|-moz-binding|behavior\s*:|@import|[\\<>{};@]/i;

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
const LENGTH = String.raw`(?:${NUM}(?:[a-z]{1,4}|%)?|auto|inherit|initial|unset|fit-content|max-content|min-content)`;
const COLOR = String.raw`(?:#[0-9a-f]{3,8}|[a-z]{3,30}|(?:rgba?|hsla?)\(\s*[\d\s.,%/+-]+\))`;
const KEYWORD = String.raw`[a-z][a-z-]{0,30}`;
const BORDER = String.raw`(?:${LENGTH}|${COLOR}|${KEYWORD})(?:\s+(?:${LENGTH}|${COLOR}|${KEYWORD})){0,3}`;

/** One value regex: the whole value matches `pattern` and contains nothing UNSAFE_CSS finds. */
function cssValue(pattern: string): RegExp[] {
  const re = new RegExp(`^\\s*(?:${pattern})\\s*$`, 'i');
  return [{ test: (v: string) => re.test(v) && !UNSAFE_CSS.test(v) } as RegExp];
}

const LENGTHS = cssValue(`${LENGTH}(?:\\s+${LENGTH}){0,3}`);
const COLORS = cssValue(COLOR);
const KEYWORDS = cssValue(`${KEYWORD}(?:\\s+${KEYWORD}){0,2}`);
const NUMBERS = cssValue(NUM + '%?');

const STYLE_PROPERTIES: Record<string, RegExp[]> = {
  color: COLORS, 'background-color': COLORS, background: COLORS, 'border-color': COLORS, fill: COLORS, stroke: COLORS,
  'stop-color': COLORS, 'flood-color': COLORS,
  border: cssValue(BORDER), 'border-top': cssValue(BORDER), 'border-right': cssValue(BORDER),
  'border-bottom': cssValue(BORDER), 'border-left': cssValue(BORDER),
  'font-family': cssValue(String.raw`[\w\s,"'-]{1,200}`),
  'font-weight': cssValue(`${KEYWORD}|\\d{3}`),
  'stroke-dasharray': cssValue(String.raw`none|[\d\s.,%a-z]{1,100}`),
  'vertical-align': cssValue(`${LENGTH}|${KEYWORD}`),
  'line-height': cssValue(`${LENGTH}|${NUM}`),
  opacity: NUMBERS, 'fill-opacity': NUMBERS, 'stroke-opacity': NUMBERS, 'stop-opacity': NUMBERS,
  'flood-opacity': NUMBERS, 'stroke-miterlimit': NUMBERS,
  position: cssValue('static|relative|absolute'),
};
for (const p of [
  'height', 'width', 'min-width', 'max-width', 'min-height', 'max-height', 'top', 'right', 'bottom', 'left', 'margin',
  'margin-top', 'margin-right', 'margin-bottom', 'margin-left', 'padding', 'padding-top', 'padding-right',
  'padding-bottom', 'padding-left', 'border-width', 'border-top-width', 'border-right-width', 'border-bottom-width',
  'border-left-width', 'border-radius', 'font-size', 'letter-spacing', 'word-spacing', 'text-indent', 'stroke-width',
  'stroke-dashoffset',
]) STYLE_PROPERTIES[p] = LENGTHS;
for (const p of [
  'display', 'text-align', 'font-style', 'font-variant', 'text-decoration', 'text-transform', 'white-space',
  'border-style', 'border-top-style', 'border-right-style', 'border-bottom-style', 'border-left-style', 'float', 'clear',
  'overflow', 'visibility', 'list-style-type', 'text-anchor', 'dominant-baseline', 'alignment-baseline',
  'stroke-linecap', 'stroke-linejoin', 'fill-rule', 'clip-rule', 'table-layout', 'border-collapse', 'word-break',
  'overflow-wrap', 'break-inside', 'page-break-inside', 'break-before', 'break-after',
]) STYLE_PROPERTIES[p] = KEYWORDS;
for (const side of ['top', 'right', 'bottom', 'left']) STYLE_PROPERTIES[`border-${side}-color`] = COLORS;

// ---------------------------------------------------------------------------------------
// Per-element rules sanitize-html's options cannot say directly.

/** Attributes that may hold a CSS paint or reference: `url(#local)` only. */
const PAINT_ATTRS = new Set(['fill', 'stroke', 'clip-path', 'mask', 'filter', 'marker-start', 'marker-mid', 'marker-end']);
const LOCAL_URL = /url\(\s*(['"]?)#[^'"()\s\\]*\1\s*\)/gi;

/** Whether an SVG attribute value refers only to things inside the document. */
function isLocalPaint(value: string): boolean {
  return !UNSAFE_CSS.test(value.replace(LOCAL_URL, 'none'));
}

/** Open <svg> elements around the tag being read (htmlparser2 reports balanced open/close events). */
let svgDepth = 0;

/**
 * Attribute objects of allowed elements that exclusiveFilter then drops with their content.
 * (Renaming them to a disallowed tag instead would trip sanitize-html 2.17, which then
 * closes the next element with the renamed tag's end tag.)
 */
const dropMarked = new WeakSet<Attributes>();

function dropElement(tagName: string): sanitize.Tag {
  const attribs: Attributes = {};
  dropMarked.add(attribs);
  return { tagName, attribs };
}

/** Rules for every element: what attributes cannot say by name alone. */
function transformAny(tagName: string, attribs: Attributes): sanitize.Tag {
  for (const name of Object.keys(attribs)) {
    if (PAINT_ATTRS.has(name) && !isLocalPaint(attribs[name])) delete attribs[name];
  }
  return { tagName, attribs };
}

const TRANSFORM_TAGS: Record<string, sanitize.Transformer> = {
  // <use> and SVG links to a fragment of this document only (an external sprite is a request).
  use: (tagName, attribs) => {
    for (const name of ['href', 'xlink:href']) if (name in attribs && !attribs[name].trim().startsWith('#')) delete attribs[name];
    return { tagName, attribs };
  },
  // Task lists: a disabled checkbox; any other input is a form control and goes.
  input: (tagName, attribs) =>
    (attribs.type ?? '').trim().toLowerCase() === 'checkbox'
      ? { tagName, attribs: { ...('checked' in attribs ? { checked: '' } : {}), disabled: '', type: 'checkbox' } }
      : dropElement(tagName),
  // Exports are read on paper too: a collapsed <details> would vanish from the PDF.
  details: (tagName, attribs) => ({ tagName, attribs: { ...attribs, open: '' } }),
  // Raw-text elements of old HTML, read as preformatted text.
  xmp: sanitize.simpleTransform('pre', {}), listing: sanitize.simpleTransform('pre', {}), plaintext: sanitize.simpleTransform('pre', {}),
  // <title> is a document-level element outside SVG and a tooltip inside.
  title: (tagName, attribs) => (svgDepth > 0 ? { tagName, attribs } : dropElement(tagName)),
  '*': transformAny,
};

/**
 * The one sanitizer policy (sanitize-html options) for exports and the preview. Used alone it
 * drops every <style>; sanitizeHtml() adds SVG <style> sheets (cleaned), heading ids and
 * image handling on top. It counts open <svg> elements through onOpenTag/onCloseTag, which
 * sanitize-html calls synchronously within one run, so calls never interleave.
 */
export const EXPORT_SANITIZE_POLICY: Readonly<IOptions> = Object.freeze({
  allowedTags: [...HTML_TAGS, ...MATHML_TAGS, ...SVG_TAGS],
  nonTextTags: DROP_WITH_CONTENT,
  disallowedTagsMode: 'discard',
  allowedAttributes: ALLOWED_ATTRIBUTES,
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href', 'xlink:href', 'cite'],
  allowProtocolRelative: true,
  // An empty SVG or MathML value (Mermaid writes font-weight="") is dropped, as sanitize-html does for HTML's.
  nonBooleanAttributes: [...sanitize.defaults.nonBooleanAttributes, ...SVG_ATTRS, ...MATHML_ATTRS],
  parseStyleAttributes: true,
  allowedStyles: { '*': STYLE_PROPERTIES },
  selfClosing: ['img', 'br', 'hr', 'wbr', 'input', 'col'],
  transformTags: TRANSFORM_TAGS,
  onOpenTag: (name: string) => {
    if (name === 'svg') svgDepth++;
  },
  onCloseTag: (name: string) => {
    if (name === 'svg' && svgDepth > 0) svgDepth--;
  },
  exclusiveFilter: (frame) => dropMarked.has(frame.attribs),
} satisfies IOptions);

// ---------------------------------------------------------------------------------------
// Headings, images and SVG style sheets: marked during the sanitize-html run, finished after.

const HEADING = /^h[1-6]$/;
const HEADING_MARK = 'data-quire-h';
const IMAGE_MARK = 'data-quire-img';
/** Every place the run left for the second step; attribute values and text are escaped, so only our tags match. */
const MARKS = /<style\b[^>]*>([^]*?)<\/style>|<(h[1-6]) data-quire-h="(\d+)"|<img data-quire-img="(\d+)"([^>]*?) \/>/g;

const TAGS_WITH_STYLE = [...(EXPORT_SANITIZE_POLICY.allowedTags as string[]), 'style'];

interface HeadingMark {
  givenId: string;
  text: string;
}

function defaultImage(img: ImageRequest): string {
  const src = img.src !== null && isDataImageUri(img.src.trim()) ? ` src="${escapeAttr(img.src.trim())}"` : '';
  return `<img${src}${img.attrs}>`;
}

/**
 * Mermaid's <svg> carries its own <style> (colors, fonts, arrowheads). Kept inside SVG only,
 * without @import, comments and url() other than url(#local); dropped whole when anything
 * unsafe would remain. `source` is the element's text as written: inside <svg> a browser
 * decodes its character references (htmlparser2 leaves them, reading <style> as raw text), so
 * it is decoded, checked, then escaped again.
 */
export function cleanSvgStyleSheet(source: string): string {
  const cleaned = decodeText(source)
    .replace(/\/\*[^]*?(?:\*\/|$)/g, ' ')
    .replace(/@import\b[^;]*;?/gi, '')
    .replace(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi, (whole, _q: string, target: string) => (target.trim().startsWith('#') ? whole : 'none'));
  // Rule syntax ({ } ; @keyframes) is fine here; what loads or runs is not.
  const rest = cleaned.replace(LOCAL_URL, 'none');
  if (/(?:url|image|image-set|-webkit-image-set|cross-fade|element|expression|src|paint)\s*\(|javascript:|vbscript:|-moz-binding|behavior\s*:|@import|\\/i.test(rest)) return '';
  return escapeText(cleaned);
}

/**
 * Sanitizes `html` with EXPORT_SANITIZE_POLICY and collects its headings, each with a unique
 * id (the author's own, made unique, or a GitHub-style slug). Never throws on malformed markup.
 */
export function sanitizeHtml(html: string, options: SanitizeOptions = {}): SanitizeResult {
  const slugger = options.slugger ?? new Slugger();
  const image = options.image ?? defaultImage;
  const headingMarks: HeadingMark[] = [];
  const imageMarks: Array<{ src: string | null; alt: string }> = [];

  const markHeading: sanitize.Transformer = (tagName, attribs) => {
    const { id, [HEADING_MARK]: _h, ...rest } = attribs;
    headingMarks.push({ givenId: (id ?? '').trim(), text: '' });
    return { tagName, attribs: { [HEADING_MARK]: String(headingMarks.length - 1), ...rest } };
  };
  const transformTags: Record<string, sanitize.Transformer> = {
    ...TRANSFORM_TAGS,
    img: (tagName, attribs) => {
      const { src, srcset: _s, [IMAGE_MARK]: _i, ...rest } = attribs;
      imageMarks.push({ src: src ?? null, alt: attribs.alt ?? '' });
      return { tagName, attribs: { [IMAGE_MARK]: String(imageMarks.length - 1), ...rest } };
    },
    style: (tagName) => (svgDepth > 0 ? { tagName, attribs: {} } : dropElement(tagName)),
    '*': (tagName, attribs) => {
      if (!HEADING.test(tagName) && tagName !== 'img') {
        delete attribs[HEADING_MARK];
        delete attribs[IMAGE_MARK];
      }
      return transformAny(tagName, attribs);
    },
  };
  for (const h of ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']) transformTags[h] = markHeading;

  svgDepth = 0;
  const marked = sanitize(html, {
    ...EXPORT_SANITIZE_POLICY,
    allowedTags: TAGS_WITH_STYLE,
    // <style> is kept only inside <svg> (see transformTags.style) and its text is rewritten below.
    allowVulnerableTags: true,
    transformTags,
    exclusiveFilter: (frame) => {
      // KaTeX writes a formula three times (MathML, its TeX annotation, aria-hidden HTML): a
      // heading's text, which names it in the outline and the TOC, takes the MathML only.
      if (frame.tag === 'annotation' || frame.attribs['aria-hidden'] === 'true') frame.text = '';
      if (HEADING.test(frame.tag)) {
        const k = frame.attribs[HEADING_MARK];
        if (k !== undefined) headingMarks[Number(k)].text = frame.text;
        // A heading inside a heading (browsers close the outer one) keeps its text to itself.
        frame.text = '';
      }
      return dropMarked.has(frame.attribs);
    },
  });

  const headings: Heading[] = [];
  const out = marked.replace(MARKS, (whole, css?: string, tag?: string, h?: string, img?: string, attrs?: string) => {
    if (css !== undefined) {
      const sheet = cleanSvgStyleSheet(css);
      return sheet ? `<style>${sheet}</style>` : '';
    }
    if (tag !== undefined) {
      const mark = headingMarks[Number(h)];
      const text = mark.text.replace(/\s+/g, ' ').trim();
      const id = mark.givenId ? slugger.reserve(mark.givenId) : slugger.slug(text);
      headings.push({ level: Number(tag[1]), text, id });
      return `<${tag} id="${escapeAttr(id)}"`;
    }
    if (img !== undefined) {
      const { src, alt } = imageMarks[Number(img)];
      return image({ src, alt, attrs: attrs ?? '' });
    }
    return whole;
  });
  return { html: out, headings };
}
