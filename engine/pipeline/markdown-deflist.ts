/**
 * Definition lists for marked, PHP Markdown Extra / Pandoc style. Written here because no
 * maintained extension exists for marked 18 (npm has none under marked-definition-list or
 * marked-def-list; older ones target marked 4 and its removed APIs).
 *
 *     Term one
 *     Term two (several terms may share definitions)
 *     : First definition, *inline* Markdown.
 *       Continuation lines are indented.
 *     : Second definition
 *
 *     Another term
 *
 *     : A blank line before the ":" makes the definition loose (its text in <p>).
 *
 * @example
 * new Marked().use(markdownDeflist()).parse('Apple\n: A fruit.');
 * // '<dl>\n<dt>Apple</dt>\n<dd>A fruit.</dd>\n</dl>\n'
 */
import type { MarkedExtension, Token, Tokens } from 'marked';

interface Group {
  terms: Token[][];
  defs: Token[][];
  loose: boolean[];
}

interface DeflistToken extends Tokens.Generic {
  type: 'deflist';
  groups: Group[];
  /** Every child list, for marked's walkTokens (childTokens). */
  children: Token[][];
}

interface Lexer {
  inlineTokens(src: string): Token[];
  blockTokens(src: string, tokens?: Token[]): Token[];
}

// A term: a non-blank line that does not itself start a definition or another block.
const TERM = /^ {0,3}(?![:>#|]|[-*+][ \t]|\d{1,9}[.)][ \t]|```|~~~)\S[^\n]*$/;
const DEF = /^ {0,3}:[ \t]+(?=\S)/;
const BLANK = /^[ \t]*$/;
// Continuation of a definition: indented by two or more spaces or a tab.
const INDENTED = /^(?: {2,}|\t)/;

export function markdownDeflist(): MarkedExtension {
  return {
    extensions: [
      {
        name: 'deflist',
        level: 'block',
        childTokens: ['children'],
        tokenizer(this: { lexer: Lexer }, src: string) {
          // Cheap refusal first: a definition line must follow the first line(s).
          if (!/^(?:[ \t]*\S[^\n]*\n)+?(?:[ \t]*\n)? {0,3}:[ \t]+\S/.test(src.slice(0, 4000))) return undefined;
          const lines = src.split('\n');
          let i = 0;
          const groups: Group[] = [];
          for (;;) {
            const start = i;
            const terms: string[] = [];
            while (i < lines.length && TERM.test(lines[i])) terms.push(lines[i++].trim());
            if (terms.length === 0) { i = start; break; }
            let blankBefore = false;
            if (i < lines.length && BLANK.test(lines[i]) && i + 1 < lines.length && DEF.test(lines[i + 1])) {
              blankBefore = true;
              i++;
            }
            if (i >= lines.length || !DEF.test(lines[i])) { i = start; break; }
            const defs: string[] = [];
            const loose: boolean[] = [];
            let looseNext = blankBefore;
            while (i < lines.length && DEF.test(lines[i])) {
              const body = [lines[i].replace(DEF, '')];
              i++;
              for (;;) {
                const line = i < lines.length ? lines[i] : '';
                const startsGroup = TERM.test(line) && i + 1 < lines.length && DEF.test(lines[i + 1]);
                if (!BLANK.test(line) && (INDENTED.test(line) || (TERM.test(line) && !startsGroup))) {
                  // An indented line, or a lazy continuation (plain text that starts no other block).
                  body.push(line.replace(/^(?: {1,4}|\t)/, ''));
                  i++;
                } else if (i + 1 < lines.length && BLANK.test(lines[i]) && INDENTED.test(lines[i + 1]) && !BLANK.test(lines[i + 1])) {
                  // A blank line then an indented one: another paragraph of this definition.
                  body.push('');
                  i++;
                } else break;
              }
              defs.push(body.join('\n'));
              loose.push(looseNext || body.includes(''));
              looseNext = false;
              // A blank line between two definitions of one term makes the next one loose.
              if (i + 1 < lines.length && BLANK.test(lines[i]) && DEF.test(lines[i + 1])) { i++; looseNext = true; }
            }
            groups.push({
              terms: terms.map((t) => this.lexer.inlineTokens(t)),
              defs: defs.map((d) => this.lexer.blockTokens(d, [])),
              loose,
            });
            // A blank line and another "term / : definition" continue the same list.
            let j = i;
            while (j < lines.length && BLANK.test(lines[j])) j++;
            if (j > i && j < lines.length && TERM.test(lines[j])) {
              let k = j;
              while (k < lines.length && TERM.test(lines[k])) k++;
              if (k < lines.length && BLANK.test(lines[k])) k++;
              if (k < lines.length && DEF.test(lines[k])) { i = j; continue; }
            }
            break;
          }
          if (groups.length === 0) return undefined;
          // Trailing blank lines belong to the list, as marked does for its own blocks.
          while (i < lines.length && BLANK.test(lines[i]) && i < lines.length - 1) i++;
          const raw = lines.slice(0, i).join('\n') + (i < lines.length ? '\n' : '');
          const token: DeflistToken = {
            type: 'deflist', raw, groups,
            children: groups.flatMap((g) => [...g.terms, ...g.defs]),
          };
          return token;
        },
        renderer(this: { parser: { parse(t: Token[]): string; parseInline(t: Token[]): string } }, token: Tokens.Generic) {
          const { groups } = token as DeflistToken;
          let out = '<dl>\n';
          for (const g of groups) {
            for (const t of g.terms) out += `<dt>${this.parser.parseInline(t)}</dt>\n`;
            g.defs.forEach((d, k) => {
              // A tight definition that is one paragraph prints without <p>, like a tight list item.
              const only = d.length === 1 && d[0].type === 'paragraph' ? (d[0] as Tokens.Paragraph) : null;
              const inner = !g.loose[k] && only ? this.parser.parseInline(only.tokens) : this.parser.parse(d);
              out += `<dd>${inner.trimEnd()}</dd>\n`;
            });
          }
          return `${out}</dl>\n`;
        },
      },
    ],
  };
}
