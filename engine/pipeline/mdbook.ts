/**
 * mdBook's `<Listing number="1-1" file-name="src/main.rs" caption="…">` … `</Listing>` blocks
 * (the Rust book has hundreds) are not HTML: left alone, a browser renders the unknown
 * `<listing>` as preformatted text. This rewrites them, before marked runs, into a figure
 * whose caption is still Markdown, as mdBook's own preprocessor does.
 *
 * Only whole lines outside fenced code are touched; anything else is left as written.
 *
 * @example
 * rewriteMdBookListings('<Listing number="1-1" caption="Hello `world`">\n\n```rust\n```\n\n</Listing>');
 * // '<figure class="quire-listing">\n\n\n```rust\n```\n\n<figcaption>\n\nListing 1-1: Hello `world`\n\n</figcaption>\n</figure>'
 */
import { fencedLines } from './fences.ts';
import { escapeText } from './html-escape.ts';
import { startTagAttributes } from './html-parse.ts';

// Also inside block quotes ("> <Listing …>"): the replacement keeps the line's quote markers.
const OPEN = /^((?: {0,3}> ?)*) {0,3}<Listing((?:\s+[a-z-]+=(?:"[^"]*"|'[^']*'))*)\s*>\s*$/;
const CLOSE = /^((?: {0,3}> ?)*) {0,3}<\/Listing>\s*$/;
const quoted = (prefix: string, text: string) => (prefix ? text.split('\n').map((l) => `${prefix}${l}`).join('\n') : text);

export function rewriteMdBookListings(source: string): string {
  if (!source.includes('<Listing')) return source;
  const lines = source.split('\n');
  const captions: string[] = [];
  const fenced = fencedLines(lines);
  for (let k = 0; k < lines.length; k++) {
    if (fenced[k]) continue;
    const line = lines[k];
    const open = OPEN.exec(line);
    if (open) {
      const attrs = new Map(Object.entries(startTagAttributes(`<listing${open[2]}>`)));
      const number = attrs.get('number');
      const caption = attrs.get('caption');
      captions.push(caption ? `${number ? `Listing ${number}: ` : ''}${caption}` : number ? `Listing ${number}` : '');
      const file = attrs.get('file-name');
      lines[k] = quoted(open[1] ?? '', `<figure class="quire-listing">${file ? `\n<p class="quire-listing-file">Filename: ${escapeText(file)}</p>` : ''}\n`);
      continue;
    }
    const close = CLOSE.exec(line);
    if (close && captions.length) {
      const caption = captions.pop()!;
      lines[k] = quoted(close[1] ?? '', caption ? `<figcaption>\n\n${caption}\n\n</figcaption>\n</figure>` : '</figure>');
    }
  }
  return lines.join('\n');
}

// `{{#include path}}`, `{{#rustdoc_include path:anchor}}`, `{{#playground path}}` on a line of its own.
const INCLUDE = /^([ \t]*)\{\{#(include|rustdoc_include|playground)[ \t]+([^}\s]+)[^}]*\}\}[ \t]*$/gm;
const LINE_COMMENT: Record<string, string> = {
  rust: '//', c: '//', cpp: '//', java: '//', go: '//', javascript: '//', js: '//', typescript: '//', ts: '//',
  toml: '#', bash: '#', sh: '#', shell: '#', python: '#', yaml: '#', powershell: '#',
};

/**
 * mdBook's include directives name files of the book's repository that an export does not
 * have, so each becomes a short visible note (a comment in the code's language) saying which
 * file was not included: the reader learns where the code lives instead of seeing a raw
 * `{{#…}}` or a silently empty block.
 *
 * @example
 * replaceMdBookIncludes('{{#rustdoc_include ../listings/ch02/src/main.rs:all}}', 'rust');
 * // '// (code from listings/ch02/src/main.rs, not included)'
 */
export function replaceMdBookIncludes(code: string, lang: string): string {
  if (!code.includes('{{#')) return code;
  return code.replace(INCLUDE, (_m, indent: string, _kind: string, ref: string) => {
    const file = ref.replace(/:[\w-]*$/, '').replace(/^(?:\.\.?\/)+/, '');
    const note = `(${/\.(?:txt|out)$/.test(file) ? 'output' : 'code'} from ${file}, not included)`;
    const comment = LINE_COMMENT[lang];
    return `${indent}${comment ? `${comment} ${note}` : note}`;
  });
}

/** The same note for a directive outside fenced code, in italics. */
export function replaceMdBookIncludesOutsideCode(source: string): string {
  if (!source.includes('{{#')) return source;
  const lines = source.split('\n');
  const fenced = fencedLines(lines);
  return lines.map((line, k) => (fenced[k] || !line.includes('{{#') ? line : replaceMdBookIncludes(line, '').replace(/\((.*)\)$/, '*($1)*'))).join('\n');
}
