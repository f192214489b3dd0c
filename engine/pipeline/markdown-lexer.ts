/**
 * marked's lexer for reading a document's structure without rendering it (its images, its
 * title): the same options as the renderer's instance (markdown-render.ts), so it sees what
 * the export parses. One instance for every such reader, which lets go of each document once
 * it is lexed: marked's shared tokenizer keeps the last lexer, and with it every token, until
 * the next call, and a large document's tokens were held by an idle worker through its whole
 * print (issue #10; engine/pipeline/heap.test.ts).
 *
 * @example
 * const tokens = lexMarkdown('# Title\n\n![a](a.png)\n');
 * walkMarkdownTokens(tokens, (t) => t.type === 'image' && console.log(t.href)); // a.png
 */
import { Marked, type Token } from 'marked';

const marked = new Marked({ gfm: true, breaks: false, pedantic: false });

/** `source`'s tokens, nothing of them kept by marked afterwards. */
export function lexMarkdown(source: string): Token[] {
  try {
    return marked.lexer(source);
  } finally {
    marked.lexer('');
  }
}

/** Calls `fn` on every token of `tokens`, nested ones (list items, table cells, inline) included. */
export function walkMarkdownTokens(tokens: Token[], fn: (token: Token) => void): void {
  marked.walkTokens(tokens, fn);
}
