/**
 * Removes what would make a style sheet load anything: `@import` rules, and `url()`,
 * `image-set()`, `src()` … whose target is not a data: URL (or, for url(), a "#fragment" of
 * the page itself). The standalone HTML's CSP blocks such loads too; this makes the file hold
 * no reference at all, so opening it elsewhere (another viewer, a CSP-less copy) cannot leak.
 *
 * A tokenizer, not a regular expression: comments and strings are skipped as CSS reads them,
 * and escapes are decoded before judging ("u\72l(", "@\69mport", "ht\74p:" are caught).
 * postcss is in node_modules only as sanitize-html's dependency, so it is not used here.
 *
 * @example
 * stripRemoteCss('@import "x.css"; a { background: url(https://x/a.png) red }');
 * // { css: ' a { background: none red }', removed: ['@import "x.css"', 'url(https://x/a.png)'] }
 */

/** CSS functions whose arguments name something to load. */
const LOADING_FUNCTIONS = new Set(['url', 'src', 'image', 'image-set', '-webkit-image-set', 'cross-fade', '-webkit-cross-fade', 'element', '-moz-element']);

export interface StrippedCss {
  css: string;
  /** What was removed, as written (each cut to 80 characters), in order. */
  removed: string[];
}

const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);
const isNameChar = (c: string | undefined) => c !== undefined && (/[A-Za-z0-9_-]/.test(c) || c.charCodeAt(0) >= 0x80);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/** An escape at `i` (a backslash): its value and where it ends (CSS Syntax §4.3.7). */
function readEscape(s: string, i: number): { value: string; end: number } {
  let j = i + 1;
  if (j >= s.length) return { value: '\uFFFD', end: j };
  if (!isHex(s[j]!)) return { value: s[j]!, end: j + 1 };
  let hex = '';
  while (j < s.length && hex.length < 6 && isHex(s[j]!)) hex += s[j++];
  if (s[j] === '\r' && s[j + 1] === '\n') j += 2;
  else if (isSpace(s[j])) j++;
  const cp = parseInt(hex, 16);
  return { value: cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\uFFFD' : String.fromCodePoint(cp), end: j };
}

/** A name (identifier) at `i`, escapes decoded; `end === i` when there is none. */
function readName(s: string, i: number): { value: string; end: number } {
  let value = '';
  let j = i;
  while (j < s.length) {
    if (s[j] === '\\' && s[j + 1] !== '\n') {
      const e = readEscape(s, j);
      value += e.value;
      j = e.end;
    } else if (isNameChar(s[j])) {
      value += s[j++];
    } else break;
  }
  return { value, end: j };
}

/** A quoted string at `i` (its quote): its decoded value and the index after it. */
function readString(s: string, i: number): { value: string; end: number } {
  const quote = s[i];
  let value = '';
  let j = i + 1;
  while (j < s.length && s[j] !== quote) {
    if (s[j] === '\n') return { value, end: j }; // a bad string ends at the line
    if (s[j] === '\\') {
      if (s[j + 1] === '\n') {
        j += 2;
        continue;
      }
      const e = readEscape(s, j);
      value += e.value;
      j = e.end;
    } else {
      // Plain text up to the next quote, backslash or newline in one slice (fonts are megabytes).
      STRING_SPECIAL.lastIndex = j;
      const next = STRING_SPECIAL.exec(s)?.index ?? s.length;
      value += s.slice(j, Math.max(j + 1, next));
      j = Math.max(j + 1, next);
    }
  }
  return { value, end: Math.min(s.length, j + 1) };
}

const STRING_SPECIAL = /["'\\\n]/g;

function commentEnd(s: string, i: number): number {
  const j = s.indexOf('*/', i + 2);
  return j < 0 ? s.length : j + 2;
}

/** From an opening "(" at `i`: the index after its ")", and every string and url() target inside. */
function readCall(s: string, i: number): { end: number; targets: string[] } {
  const targets: string[] = [];
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '/' && s[j + 1] === '*') j = commentEnd(s, j);
    else if (c === '"' || c === "'") {
      const str = readString(s, j);
      targets.push(str.value);
      j = str.end;
    } else if (c === '(') {
      depth++;
      j++;
    } else if (c === ')') {
      depth--;
      j++;
      if (depth === 0) return { end: j, targets };
    } else if (c === '\\' || isNameChar(c)) {
      const name = readName(s, j);
      if (name.end === j) j++;
      else {
        if (name.value.toLowerCase() === 'url' && s[name.end] === '(') {
          const url = readUrl(s, name.end);
          targets.push(url.target);
          j = url.end;
        } else j = name.end;
      }
    } else j++;
  }
  return { end: s.length, targets };
}

/** `url(` … `)` from the "(" at `i`: its target (decoded) and the index after ")". */
function readUrl(s: string, i: number): { target: string; end: number } {
  let j = i + 1;
  while (isSpace(s[j])) j++;
  if (s[j] === '"' || s[j] === "'") {
    const str = readString(s, j);
    // Anything after the string (a url() modifier) up to the ")" belongs to the call.
    const rest = readCall(s, i);
    return { target: str.value, end: Math.max(rest.end, str.end) };
  }
  let target = '';
  while (j < s.length && s[j] !== ')') {
    if (s[j] === '\\') {
      const e = readEscape(s, j);
      target += e.value;
      j = e.end;
    } else {
      URL_SPECIAL.lastIndex = j;
      const next = URL_SPECIAL.exec(s)?.index ?? s.length;
      target += s.slice(j, next);
      j = next;
    }
  }
  return { target: target.trim(), end: Math.min(s.length, j + 1) };
}

/** From an at-rule's name end: the index after its ";" (or its block, or the sheet's end). */
function statementEnd(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const c = s[j]!;
    if (c === ';') return j + 1;
    if (c === '/' && s[j + 1] === '*') j = commentEnd(s, j);
    else if (c === '"' || c === "'") j = readString(s, j).end;
    else if (c === '(') j = readCall(s, j).end;
    else if (c === '{') return readBlockEnd(s, j);
    else j++;
  }
  return s.length;
}

function readBlockEnd(s: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '/' && s[j + 1] === '*') j = commentEnd(s, j);
    else if (c === '"' || c === "'") j = readString(s, j).end;
    else if (c === '{') {
      depth++;
      j++;
    } else if (c === '}') {
      depth--;
      j++;
      if (depth === 0) return j;
    } else j++;
  }
  return s.length;
}

const URL_SPECIAL = /[)\\\\]/g;
const isData = (t: string) => /^data:/i.test(t.trim());
const short = (t: string) => (t.length > 80 ? `${t.slice(0, 77)}…` : t);

/** The sheet without @import rules and without loads of anything but data: URLs; see the file comment. */
export function stripRemoteCss(css: string): StrippedCss {
  const removed: string[] = [];
  let out = '';
  let i = 0;
  while (i < css.length) {
    const c = css[i]!;
    if (c === '/' && css[i + 1] === '*') {
      const end = commentEnd(css, i);
      out += css.slice(i, end);
      i = end;
    } else if (c === '"' || c === "'") {
      const end = readString(css, i).end;
      out += css.slice(i, end);
      i = end;
    } else if (c === '@') {
      const name = readName(css, i + 1);
      if (name.value.toLowerCase() === 'import') {
        const end = statementEnd(css, name.end);
        removed.push(short(css.slice(i, end).replace(/;$/, '').trim()));
        i = end;
      } else {
        out += css.slice(i, Math.max(i + 1, name.end));
        i = Math.max(i + 1, name.end);
      }
    } else if (c === '\\' || isNameChar(c)) {
      const name = readName(css, i);
      if (name.end === i) {
        out += c;
        i++;
        continue;
      }
      const fn = name.value.toLowerCase();
      if (css[name.end] === '(' && LOADING_FUNCTIONS.has(fn)) {
        const call = fn === 'url' ? (({ target, end }) => ({ targets: [target], end }))(readUrl(css, name.end)) : readCall(css, name.end);
        // url(#id) points into the page itself (SVG filters, markers); data: is embedded.
        const keep = call.targets.every((t) => isData(t) || (fn === 'url' && t.startsWith('#')));
        if (keep) out += css.slice(i, call.end);
        else {
          out += 'none';
          removed.push(short(css.slice(i, call.end)));
        }
        i = call.end;
      } else {
        out += css.slice(i, name.end);
        i = name.end;
      }
    } else {
      out += c;
      i++;
    }
  }
  return { css: out, removed };
}
