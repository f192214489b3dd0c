import { afterAll, describe, expect, it } from 'vitest';
import { findDiagrams } from './diagram-slots.ts';
import { inlineDiagrams } from './diagrams.ts';
import { createPipelinePool } from './pool.ts';

const figure = (escaped: string, caption = '') =>
  `<figure class="quire-diagram" data-diagram="mermaid"><pre><code class="language-mermaid">${escaped}</code></pre>${caption}</figure>`;

const DOC = `<!doctype html><html><head><title>t</title></head><body><main>
<p>Before</p>
${figure('graph TD\n  A[&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;] --&gt; B')}
<p>Between</p>
${figure('sequenceDiagram\n  A-&gt;&gt;B: hi', '<figcaption>The flow</figcaption>')}
<figure class="quire-diagram"><img alt="drawn by hand"></figure>
</main></body></html>`;

const SVG = '<svg id="qd-1" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><style>#qd-1 .node{fill:#eee;}</style><g><text x="1" y="1">Label</text></g></svg>';

describe('findDiagrams', () => {
  it('returns each figure source decoded, in order, and skips figures of another shape', () => {
    expect(findDiagrams(DOC)).toEqual(['graph TD\n  A[<b>x</b> & "y"] --> B', 'sequenceDiagram\n  A->>B: hi']);
  });

  it('finds nothing in a document without figures', () => {
    expect(findDiagrams('<p>no diagrams</p><pre><code class="language-mermaid">graph TD</code></pre>')).toEqual([]);
  });
});

describe('inlineDiagrams', () => {
  it("replaces a drawn figure's code with its sanitized SVG, keeps a failed one's code and the captions", () => {
    const hostile = SVG.replace('<g>', '<script>alert(1)</script><g onclick="alert(2)"><a href="javascript:alert(3)"><text>x</text></a>');
    const out = inlineDiagrams(DOC, [hostile, null]);
    expect(out).toContain('<p>Before</p>\n<figure class="quire-diagram" data-diagram="mermaid"><div class="quire-diagram-svg"><svg');
    expect(out).toContain('Label</text>');
    expect(out).not.toMatch(/<script|onclick|javascript:/);
    // The first figure's code is gone; the second (failed) keeps its code and caption.
    expect(out).not.toContain('A[&lt;b&gt;x');
    expect(out).toContain(`${figure('sequenceDiagram\n  A-&gt;&gt;B: hi', '<figcaption>The flow</figcaption>')}`);
    expect(out.endsWith('<figure class="quire-diagram"><img alt="drawn by hand"></figure>\n</main></body></html>')).toBe(true);
  });

  it('refuses SVGs that do not match the figures', () => {
    expect(() => inlineDiagrams(DOC, [SVG])).toThrow('the document has 2 diagram(s) but 1 were drawn');
  });
});

describe('inlineDiagrams in a pipeline worker', () => {
  const pool = createPipelinePool({ maxThreads: 1 });
  afterAll(() => pool.close());

  it('gives the same result through the pool as in this thread', async () => {
    expect(await pool.inlineDiagrams(DOC, [SVG, SVG.replaceAll('qd-1', 'qd-2')])).toBe(inlineDiagrams(DOC, [SVG, SVG.replaceAll('qd-1', 'qd-2')]));
  });
});
