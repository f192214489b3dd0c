import { describe, expect, it } from 'vitest';
import { splitStyles } from './preview-styles.ts';

describe('splitStyles', () => {
  it('takes style elements out (HTML and SVG alike, in order) and renames style attributes, leaving the rest as it was', () => {
    const html =
      '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><style>\nbody > p { color: red }\n</style></head>' +
      '<body><main><h1 id="a">A</h1><span class="katex" style="height: 1em">x</span>' +
      '<svg id="m"><style>#m .node { fill: blue }</style><g style=\'opacity: 0.5\'></g></svg>' +
      '<p title="a style=&quot;b&quot;" STYLE="margin: 0">style="in text" &lt;style&gt;</p></main></body></html>';
    const { html: out, styles } = splitStyles(html);
    expect(styles).toEqual(['\nbody > p { color: red }\n', '#m .node { fill: blue }']);
    expect(out).toBe(
      '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"></head>' +
        '<body><main><h1 id="a">A</h1><span class="katex" data-quire-style="height: 1em">x</span>' +
        '<svg id="m"><g data-quire-style=\'opacity: 0.5\'></g></svg>' +
        '<p title="a style=&quot;b&quot;" data-quire-style="margin: 0">style="in text" &lt;style&gt;</p></main></body></html>',
    );
  });

  it('leaves a page without styles untouched', () => {
    const html = '<!doctype html><html><body><p class="x">plain</p></body></html>';
    expect(splitStyles(html)).toEqual({ html, styles: [] });
  });
});
