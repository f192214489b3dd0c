/**
 * How deep a Markdown document nests block quotes and lists, found by one linear pass before
 * marked sees it. marked parses nested containers by recursion, and builds a regular
 * expression per list indent: 10,000 ">" overflow its stack ("Maximum call stack size exceeded
 * … please report this to marked"), 20,000 "* " make V8's regexp compiler run out of memory
 * and kill the whole process, and a few hundred indented levels already take seconds. So a
 * document nested deeper than MAX_MARKDOWN_NESTING is refused with what and where.
 *
 * The count is conservative (it never sees more levels than marked would build): fenced code
 * is skipped, a thematic break ("* * *") is not a list, and a marker indented 4 or more
 * columns past its container is code.
 *
 * @example
 * deepestNesting('>>> x\n', 2); // { kind: 'block quotes', depth: 3, line: 1 }
 */

/** Levels of block quotes and lists Quire converts; real documents stay far below it. */
export const MAX_MARKDOWN_NESTING = 200;

export interface DeepNesting {
  kind: 'block quotes' | 'lists' | 'block quotes and lists';
  depth: number;
  /** 1-based line of the source. */
  line: number;
}

/** One container marker at the start of what is left of a line: ">" or a list marker, with up to 3 spaces before it. */
const MARKER = /[ ]{0,3}(?:(>)[ \t]?|([*+-]|\d{1,9}[.)])(?:[ \t]+|$))/y;
const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;
const THEMATIC_BREAK = /^[ \t]{0,3}([*_-])(?:[ \t]*\1){2,}[ \t]*$/;

/**
 * The first line where block quotes and lists nest deeper than `limit`, or undefined.
 * Linear in the source's length.
 */
export function deepestNesting(source: string, limit = MAX_MARKDOWN_NESTING): DeepNesting | undefined {
  // Each level takes at least one character before a line's text (a ">", a marker, or the
  // indentation up to its item's content): no line starting with `limit` such characters, no
  // nesting past it. Lines are skipped with indexOf: almost every document costs a few ms per MB.
  if (!hasLongPrefix(source, limit)) return undefined;
  // Content columns of the open list items found by indentation (one per level).
  const items: number[] = [];
  let fence: string | null = null;
  let lineNo = 0;
  for (const line of source.split('\n')) {
    lineNo++;
    if (fence !== null) {
      if (line.trimStart().startsWith(fence)) fence = null;
      continue;
    }
    const f = FENCE.exec(line);
    if (f) {
      fence = f[1]!;
      continue;
    }
    if (THEMATIC_BREAK.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    if (line.trim() === '') continue;
    // Lists nested by indentation: an item inside every open item whose content column it reaches.
    while (items.length && indent < items[items.length - 1]!) items.pop();
    const inCode = indent >= (items.length ? items[items.length - 1]! : 0) + 4;
    let quotes = 0;
    let lists = 0;
    if (!inCode) {
      MARKER.lastIndex = Math.max(0, indent - 3);
      let firstContent = -1;
      for (let m = MARKER.exec(line); m; m = MARKER.exec(line)) {
        if (m[1]) quotes++;
        else lists++;
        if (firstContent < 0 && m[2]) firstContent = MARKER.lastIndex;
        if (MARKER.lastIndex >= line.length) break;
      }
      if (lists && !quotes && firstContent >= 0) items.push(firstContent);
    }
    const depth = quotes + lists + Math.max(0, items.length - (lists && !quotes ? 1 : 0));
    if (depth > limit) {
      const kind = quotes && (lists || items.length) ? 'block quotes and lists' : quotes ? 'block quotes' : 'lists';
      return { kind, depth, line: lineNo };
    }
    // A paragraph line at the left edge ends the indented lists (a lazy continuation only if it is not).
    if (!lists && !quotes && indent === 0) items.length = 0;
  }
  return undefined;
}

/** Characters that can stand before a line's text at some nesting level: space, tab, > * + - digits . ) */
const PREFIX_CHAR = new Uint8Array(128);
for (const c of ' \t>*+-0123456789.)') PREFIX_CHAR[c.charCodeAt(0)] = 1;

/** Whether some line starts with at least `n` PREFIX_CHARs. */
function hasLongPrefix(s: string, n: number): boolean {
  let i = 0;
  while (i < s.length) {
    let j = i;
    for (let c = s.charCodeAt(j); c < 128 && PREFIX_CHAR[c] === 1; c = s.charCodeAt(++j));
    if (j - i >= n) return true;
    const nl = s.indexOf('\n', j);
    if (nl < 0) return false;
    i = nl + 1;
  }
  return false;
}

/** "block quotes nested 10,000 deep at line 3": what a refusal names. */
export function describeNesting(n: DeepNesting): string {
  return `${n.kind} nested ${n.depth.toLocaleString('en-US')} deep at line ${n.line}`;
}
