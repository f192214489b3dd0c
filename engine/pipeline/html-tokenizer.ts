/**
 * A small HTML tokenizer that follows the WHATWG tokenizer's rules for where tags, comments
 * and raw-text elements begin and end. It exists because no HTML parser is a direct
 * dependency of the engine (jsdom is dev-only, parse5/domino only arrive transitively).
 *
 * It does not build a tree. The sanitizer (sanitize.ts) re-serializes every token it keeps,
 * so the browser only ever parses markup we wrote: a place where this tokenizer disagrees
 * with a browser can change how a malformed document looks, never let markup through.
 *
 * @example
 * tokenizeHtml('<p class=a>x &amp; y</p>')
 * // [{type:'start', name:'p', attrs:[{name:'class', raw:'a', value:'a'}], …},
 * //  {type:'text', text:'x &amp; y', …}, {type:'end', name:'p', …}]
 */

export interface HtmlAttr {
  /** Lower-cased as written (may contain odd characters; callers filter). */
  name: string;
  /** The value as written, entities not decoded; '' for a bare attribute. */
  raw: string;
  /** The value with character references decoded. */
  value: string;
}

interface TokenBase {
  /** Offsets of the token in the source: html.slice(start, end) is its text. */
  start: number;
  end: number;
}

export type HtmlToken =
  | (TokenBase & { type: 'text'; text: string })
  | (TokenBase & { type: 'rawtext'; tag: string; text: string })
  | (TokenBase & { type: 'start'; name: string; attrs: HtmlAttr[]; selfClosing: boolean })
  | (TokenBase & { type: 'end'; name: string })
  | (TokenBase & { type: 'comment' })
  | (TokenBase & { type: 'doctype' });

/** Elements whose content the tokenizer does not parse as markup (scripting enabled). */
export const RAW_TEXT_ELEMENTS: ReadonlySet<string> = new Set([
  'script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'textarea', 'title', 'plaintext',
]);

const WS = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x20]);

function isAsciiAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Splits `html` into tokens. Never throws; input that ends inside a tag drops that tag, as browsers do. */
export function tokenizeHtml(html: string): HtmlToken[] {
  const tokens: HtmlToken[] = [];
  const n = html.length;
  let textStart = 0;
  let i = 0;

  const flushText = (upTo: number) => {
    if (upTo > textStart) tokens.push({ type: 'text', text: html.slice(textStart, upTo), start: textStart, end: upTo });
  };

  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const c = html.charCodeAt(lt + 1);

    if (isAsciiAlpha(c)) {
      const tag = parseTag(html, lt + 1);
      if (!tag) {
        // EOF inside a tag: the tag and everything after it are dropped.
        flushText(lt);
        textStart = n;
        i = n;
        break;
      }
      flushText(lt);
      tokens.push({ type: 'start', name: tag.name, attrs: tag.attrs, selfClosing: tag.selfClosing, start: lt, end: tag.end });
      i = tag.end;
      textStart = i;
      if (RAW_TEXT_ELEMENTS.has(tag.name)) {
        const close = tag.name === 'plaintext' ? -1 : findRawTextEnd(html, tag.name, i);
        const contentEnd = close < 0 ? n : close;
        if (contentEnd > i) tokens.push({ type: 'rawtext', tag: tag.name, text: html.slice(i, contentEnd), start: i, end: contentEnd });
        i = contentEnd;
        textStart = i;
        if (close >= 0) {
          const endTag = parseTag(html, close + 2);
          const end = endTag ? endTag.end : n;
          tokens.push({ type: 'end', name: tag.name, start: close, end });
          i = end;
          textStart = i;
        }
      }
      continue;
    }

    if (c === 0x2f /* / */) {
      const c2 = html.charCodeAt(lt + 2);
      if (isAsciiAlpha(c2)) {
        const tag = parseTag(html, lt + 2);
        flushText(lt);
        if (!tag) {
          textStart = n;
          i = n;
          break;
        }
        tokens.push({ type: 'end', name: tag.name, start: lt, end: tag.end });
        i = tag.end;
        textStart = i;
      } else if (c2 === 0x3e /* > */) {
        // "</>" is dropped entirely.
        flushText(lt);
        i = lt + 3;
        textStart = i;
      } else if (lt + 2 >= n) {
        i = n; // "</" at EOF stays text
      } else {
        flushText(lt);
        i = skipTo(html, '>', lt + 2);
        tokens.push({ type: 'comment', start: lt, end: i });
        textStart = i;
      }
      continue;
    }

    if (c === 0x21 /* ! */) {
      flushText(lt);
      if (html.startsWith('<!--', lt)) {
        i = commentEnd(html, lt + 4);
        tokens.push({ type: 'comment', start: lt, end: i });
      } else if (html.slice(lt + 2, lt + 9).toLowerCase() === 'doctype') {
        i = skipTo(html, '>', lt + 2);
        tokens.push({ type: 'doctype', start: lt, end: i });
      } else {
        // Bogus comment, including <![CDATA[ outside foreign content.
        i = skipTo(html, '>', lt + 2);
        tokens.push({ type: 'comment', start: lt, end: i });
      }
      textStart = i;
      continue;
    }

    if (c === 0x3f /* ? */) {
      flushText(lt);
      i = skipTo(html, '>', lt + 2);
      tokens.push({ type: 'comment', start: lt, end: i });
      textStart = i;
      continue;
    }

    // A '<' that starts nothing is text.
    i = lt + 1;
  }
  flushText(n);
  return tokens;
}

/** Position just after the next `ch` at or after `from`, or the end of input. */
function skipTo(html: string, ch: string, from: number): number {
  const k = html.indexOf(ch, from);
  return k < 0 ? html.length : k + 1;
}

function commentEnd(html: string, p: number): number {
  // "<!-->" and "<!--->" are complete (empty) comments.
  if (html.startsWith('>', p)) return p + 1;
  if (html.startsWith('->', p)) return p + 2;
  const a = html.indexOf('-->', p);
  const b = html.indexOf('--!>', p);
  if (a < 0 && b < 0) return html.length;
  if (b < 0 || (a >= 0 && a < b)) return a + 3;
  return b + 4;
}

const rawTextEndCache = new Map<string, RegExp>();

/** Offset of the `</name` that ends a raw-text element, or -1. */
function findRawTextEnd(html: string, name: string, from: number): number {
  let re = rawTextEndCache.get(name);
  if (!re) {
    re = new RegExp(`</${name}(?=[\\t\\n\\f\\r />]|$)`, 'gi');
    rawTextEndCache.set(name, re);
  }
  re.lastIndex = from;
  const m = re.exec(html);
  return m ? m.index : -1;
}

interface ParsedTag {
  name: string;
  attrs: HtmlAttr[];
  selfClosing: boolean;
  end: number;
}

/** Parses a tag whose name starts at `p` (just after "<" or "</"). Returns null at EOF. */
function parseTag(html: string, p: number): ParsedTag | null {
  const n = html.length;
  let q = p;
  while (q < n) {
    const c = html.charCodeAt(q);
    if (WS.has(c) || c === 0x2f || c === 0x3e) break;
    q++;
  }
  const name = html.slice(p, q).toLowerCase();
  const attrs: HtmlAttr[] = [];
  let selfClosing = false;
  p = q;
  for (;;) {
    while (p < n && WS.has(html.charCodeAt(p))) p++;
    if (p >= n) return null;
    const c = html.charCodeAt(p);
    if (c === 0x3e) return { name, attrs, selfClosing, end: p + 1 };
    if (c === 0x2f) {
      if (html.charCodeAt(p + 1) === 0x3e) return { name, attrs, selfClosing: true, end: p + 2 };
      p++;
      continue;
    }
    // Attribute name; a leading '=' belongs to the name.
    const nameStart = p;
    p++;
    while (p < n) {
      const d = html.charCodeAt(p);
      if (WS.has(d) || d === 0x2f || d === 0x3e || d === 0x3d) break;
      p++;
    }
    const attrName = html.slice(nameStart, p).toLowerCase();
    let k = p;
    while (k < n && WS.has(html.charCodeAt(k))) k++;
    if (html.charCodeAt(k) !== 0x3d /* = */) {
      attrs.push({ name: attrName, raw: '', value: '' });
      p = k;
      continue;
    }
    k++;
    while (k < n && WS.has(html.charCodeAt(k))) k++;
    if (k >= n) return null;
    const quote = html.charCodeAt(k);
    let raw: string;
    if (quote === 0x22 || quote === 0x27) {
      const close = html.indexOf(quote === 0x22 ? '"' : "'", k + 1);
      if (close < 0) return null;
      raw = html.slice(k + 1, close);
      p = close + 1;
    } else if (quote === 0x3e) {
      raw = '';
      p = k;
    } else {
      let e = k;
      while (e < n) {
        const d = html.charCodeAt(e);
        if (WS.has(d) || d === 0x3e) break;
        e++;
      }
      if (e >= n) return null;
      raw = html.slice(k, e);
      p = e;
    }
    attrs.push({ name: attrName, raw, value: decodeEntities(raw) });
  }
}

// ---------------------------------------------------------------------------------------
// Character references. The full HTML table has 2,000+ names; this covers the ones real
// documents use plus every name that spells punctuation an attacker could hide in a URL.
// Callers that need certainty (URL attributes) re-escape the decoded value, so a name left
// undecoded here becomes literal text in the output rather than a hidden character.

// Latin-1 names for U+00A0..U+00FF, in code point order.
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute ' +
  'micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig ' +
  'Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash ' +
  'Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc ' +
  'euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml ' +
  'yacute thorn yuml';
const GREEK = 'Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho _ Sigma Tau Upsilon Phi Chi Psi Omega';

export const NAMED_ENTITIES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  LATIN1.split(' ').forEach((name, k) => m.set(name, String.fromCodePoint(0xa0 + k)));
  GREEK.split(' ').forEach((name, k) => {
    if (name === '_') return;
    m.set(name, String.fromCodePoint(0x391 + k));
    m.set(name.toLowerCase(), String.fromCodePoint(0x3b1 + k));
  });
  m.set('sigmaf', '\u03c2');
  const more: Record<string, number> = {
    amp: 0x26, lt: 0x3c, gt: 0x3e, quot: 0x22, apos: 0x27, AMP: 0x26, LT: 0x3c, GT: 0x3e, QUOT: 0x22,
    Tab: 0x09, NewLine: 0x0a, excl: 0x21, num: 0x23, dollar: 0x24, percnt: 0x25, lpar: 0x28, rpar: 0x29,
    ast: 0x2a, midast: 0x2a, plus: 0x2b, comma: 0x2c, period: 0x2e, sol: 0x2f, colon: 0x3a, semi: 0x3b,
    equals: 0x3d, quest: 0x3f, commat: 0x40, lsqb: 0x5b, lbrack: 0x5b, bsol: 0x5c, rsqb: 0x5d, rbrack: 0x5d,
    Hat: 0x5e, lowbar: 0x5f, UnderBar: 0x5f, grave: 0x60, DiacriticalGrave: 0x60, lcub: 0x7b, lbrace: 0x7b,
    verbar: 0x7c, vert: 0x7c, VerticalLine: 0x7c, rcub: 0x7d, rbrace: 0x7d, NonBreakingSpace: 0xa0,
    ensp: 0x2002, emsp: 0x2003, thinsp: 0x2009, zwnj: 0x200c, zwj: 0x200d, lrm: 0x200e, rlm: 0x200f,
    ndash: 0x2013, mdash: 0x2014, lsquo: 0x2018, rsquo: 0x2019, sbquo: 0x201a, ldquo: 0x201c, rdquo: 0x201d,
    bdquo: 0x201e, dagger: 0x2020, Dagger: 0x2021, bull: 0x2022, hellip: 0x2026, permil: 0x2030, prime: 0x2032,
    Prime: 0x2033, lsaquo: 0x2039, rsaquo: 0x203a, oline: 0x203e, euro: 0x20ac, trade: 0x2122, larr: 0x2190,
    uarr: 0x2191, rarr: 0x2192, darr: 0x2193, harr: 0x2194, lArr: 0x21d0, uArr: 0x21d1, rArr: 0x21d2,
    dArr: 0x21d3, hArr: 0x21d4, forall: 0x2200, part: 0x2202, exist: 0x2203, empty: 0x2205, nabla: 0x2207,
    isin: 0x2208, notin: 0x2209, ni: 0x220b, prod: 0x220f, sum: 0x2211, minus: 0x2212, lowast: 0x2217,
    radic: 0x221a, prop: 0x221d, infin: 0x221e, ang: 0x2220, and: 0x2227, or: 0x2228, cap: 0x2229, cup: 0x222a,
    int: 0x222b, there4: 0x2234, sim: 0x223c, cong: 0x2245, asymp: 0x2248, ne: 0x2260, equiv: 0x2261,
    le: 0x2264, ge: 0x2265, sub: 0x2282, sup: 0x2283, nsub: 0x2284, sube: 0x2286, supe: 0x2287, oplus: 0x2295,
    otimes: 0x2297, perp: 0x22a5, sdot: 0x22c5, lceil: 0x2308, rceil: 0x2309, lfloor: 0x230a, rfloor: 0x230b,
    lang: 0x27e8, rang: 0x27e9, loz: 0x25ca, spades: 0x2660, clubs: 0x2663, hearts: 0x2665, diams: 0x2666,
    check: 0x2713, cross: 0x2717, star: 0x2606, starf: 0x2605, OElig: 0x152, oelig: 0x153, Scaron: 0x160,
    scaron: 0x161, Yuml: 0x178, fnof: 0x192, circ: 0x2c6, tilde: 0x2dc, thetasym: 0x3d1, upsih: 0x3d2, piv: 0x3d6,
  };
  for (const [name, cp] of Object.entries(more)) m.set(name, String.fromCodePoint(cp));
  return m;
})();

const ENTITY_RE = /&(?:#(\d{1,8});?|#[xX]([0-9a-fA-F]{1,7});?|([A-Za-z][A-Za-z0-9]{0,31});)/g;

function fromCodePoint(cp: number): string {
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(cp);
}

/** Decodes numeric references (with or without ';', as browsers do) and the named ones above. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY_RE, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (dec !== undefined) return fromCodePoint(parseInt(dec, 10));
    if (hex !== undefined) return fromCodePoint(parseInt(hex, 16));
    return NAMED_ENTITIES.get(name!) ?? whole;
  });
}

/** Escapes text for an element's content. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes a decoded value for a double-quoted attribute. */
export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
