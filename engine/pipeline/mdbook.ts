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
import { decodeEntities, escapeText } from './html-tokenizer.ts';

const OPEN = /^ {0,3}<Listing((?:\s+[a-z-]+="[^"]*")*)\s*>\s*$/;
const CLOSE = /^ {0,3}<\/Listing>\s*$/;

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
      const attrs = new Map([...open[1].matchAll(/([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], decodeEntities(m[2])]));
      const number = attrs.get('number');
      const caption = attrs.get('caption');
      captions.push(caption ? `${number ? `Listing ${number}: ` : ''}${caption}` : number ? `Listing ${number}` : '');
      const file = attrs.get('file-name');
      lines[k] = `<figure class="quire-listing">${file ? `\n<p class="quire-listing-file">Filename: ${escapeText(file)}</p>` : ''}\n`;
      continue;
    }
    if (CLOSE.test(line) && captions.length) {
      const caption = captions.pop()!;
      lines[k] = caption ? `<figcaption>\n\n${caption}\n\n</figcaption>\n</figure>` : '</figure>';
    }
  }
  return lines.join('\n');
}
