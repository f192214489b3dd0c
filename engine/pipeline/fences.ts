/**
 * Which lines of Markdown belong to fenced code (``` or ~~~, CommonMark's rules for opening
 * and closing), for the line-based rewrites around marked and turndown that must leave code
 * as written. Where Markdown is read for its structure (titles, headings), use marked's
 * lexer instead.
 *
 * @example
 * fencedLines(['# T', '```sh', '# not a heading', '```', 'text']);
 * // [false, true, true, true, false]
 */
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** For each line: true when it opens, closes or sits inside fenced code. An unclosed fence runs to the end. */
export function fencedLines(lines: readonly string[]): boolean[] {
  let fence: string | null = null;
  return lines.map((line) => {
    const f = FENCE.exec(line);
    if (fence) {
      // A closing fence: the same character, at least as long, and nothing after it but spaces.
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length && !line.slice(f[0].length).trim()) fence = null;
      return true;
    }
    // A backtick fence's info string may not contain a backtick (CommonMark 4.5).
    if (f && !(f[1][0] === '`' && line.slice(f[0].length).includes('`'))) {
      fence = f[1];
      return true;
    }
    return false;
  });
}
