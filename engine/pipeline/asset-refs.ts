/**
 * The local files (images) a document refers to, and the one spelling of such a reference.
 * Import records a document's assets by these refs and the export pipeline looks images up by
 * them, so both must read a reference the same way: `normaliseAssetRef` is that one way.
 *
 * @example
 * normaliseAssetRef('./images/my%20chart.png?v=2'); // 'images/my chart.png'
 * normaliseAssetRef('https://example.com/a.png');   // null (remote: not an asset)
 * scanAssetRefs('![a](./a.png) <img src="b.svg">', 'md'); // ['a.png', 'b.svg']
 */
import type { Token } from 'marked';
import { normaliseAssetRef } from '../api/asset-ref.ts';
import type { SourceFormat } from '../api/types.ts';
import { imgSources } from './html-parse.ts';
import { lexMarkdown, walkMarkdownTokens } from './markdown-lexer.ts';
import { rewriteMdBookListings } from './mdbook.ts';
import { deepestNesting } from './nesting.ts';

export { normaliseAssetRef };

/**
 * Whether Markdown can hold an image at all: every image token starts with "![" and every
 * <img> with "<img". Most documents have neither, and are then not lexed (on the main thread,
 * at every import and save).
 */
function mayHaveImages(source: string): boolean {
  return source.includes('![') || /<img/i.test(source);
}

/**
 * The distinct local refs of a document's images, normalised, in order of first use:
 * Markdown image tokens and <img> inside its HTML (marked's lexer decides what is code), or
 * every <img> of an HTML document.
 */
export function scanAssetRefs(source: string, format: SourceFormat): string[] {
  const sources: string[] = [];
  if (format === 'html') {
    sources.push(...imgSources(source));
  } else if (mayHaveImages(source) && !deepestNesting(source)) {
    // Too deep for marked (see nesting.ts): its images are not looked for; the export refuses it by name.
    let tokens: Token[] = [];
    try {
      tokens = lexMarkdown(rewriteMdBookListings(source));
    } catch (e) {
      // A paragraph of megabytes (a huge data: URI) overflows marked's regexps: like a too-deep
      // document, its images are not looked for and the export refuses it with a message.
      if (!(e instanceof RangeError)) throw e;
    }
    walkMarkdownTokens(tokens, (token: Token) => {
      if (token.type === 'image') sources.push(token.href);
      else if (token.type === 'html') sources.push(...imgSources(token.raw));
    });
  }
  const refs = new Set<string>();
  for (const src of sources) {
    const ref = normaliseAssetRef(src);
    if (ref !== null) refs.add(ref);
  }
  return [...refs];
}
