import { describe, expect, it } from 'vitest';
import { generateExportHtml } from './export-html.ts';
import { rewriteMdBookListings } from './mdbook.ts';

const render = (source: string) => {
  const { html } = generateExportHtml({ title: '', source, format: 'md', baseDir: null, meta: {} });
  return html.slice(html.indexOf('<main class="quire-content">\n') + 29, html.lastIndexOf('\n</main>'));
};

describe('mdBook listings', () => {
  it('become a figure: file name above the code, Markdown caption below', () => {
    const html = render('<Listing number="1-1" file-name="src/main.rs" caption="Prints `hi` &amp; exits">\n\n```rust\nfn main() {}\n```\n\n</Listing>\n\nAfter.');
    expect(html).toBe(
      '<figure class="quire-listing">\n<p class="quire-listing-file">Filename: src/main.rs</p>' +
        '<pre><code class="hljs language-rust"><span class="hljs-keyword">fn</span> <span class="hljs-title function_">main</span>() {}\n</code></pre>\n' +
        '<figcaption><p>Listing 1-1: Prints <code>hi</code> &amp; exits</p>\n</figcaption>\n</figure><p>After.</p>\n',
    );
  });

  it('without caption or file name', () => {
    expect(render('<Listing>\n\n    code\n\n</Listing>')).toBe('<figure class="quire-listing"><pre><code>code\n</code></pre>\n</figure>');
    expect(rewriteMdBookListings('<Listing number="2">\nx\n</Listing>')).toContain('Listing 2\n');
  });

  it('leaves listings inside fenced code and documents without listings alone', () => {
    const fenced = '````md\n<Listing number="1">\n</Listing>\n````\n';
    expect(rewriteMdBookListings(fenced)).toBe(fenced);
    const plain = '# Title\n\ntext';
    expect(rewriteMdBookListings(plain)).toBe(plain);
  });
});

describe('rewriteMdBookListings inside a block quote', () => {
  it('keeps the quote markers, so the code is not left inside a raw <Listing> (printed as <pre>)', () => {
    const src = '> Text:\n>\n> <Listing file-name="src/main.rs">\n>\n> ```rust\n> fn main() {}\n> ```\n>\n> </Listing>\n';
    const out = rewriteMdBookListings(src);
    expect(out).not.toContain('<Listing');
    expect(out).toContain('> <figure class="quire-listing">');
    expect(out).toContain('> </figure>');
  });
});

describe('rewriteMdBookListings with single-quoted attributes', () => {
  it("reads caption='…' as mdBook writes it when the caption holds double quotes", () => {
    const out = rewriteMdBookListings(`<Listing number="16-7" caption='Sending \`"hi"\`'>\n\n\`\`\`rust\nfn main() {}\n\`\`\`\n\n</Listing>\n`);
    expect(out).not.toContain('<Listing');
    expect(out).toContain('Listing 16-7: Sending `"hi"`');
  });
});
