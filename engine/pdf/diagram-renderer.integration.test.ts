/**
 * Mermaid diagrams drawn on the real system Chromium, through the ChromiumPdfRenderer that
 * also prints PDFs (the same browser).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isQuireError } from '../api/errors.ts';
import { ChromiumPdfRenderer } from './chromium-pdf-renderer.ts';
import { chromiumChildren } from './test-support.ts';
import { inlineDiagrams } from '../pipeline/diagrams.ts';
import { vnuErrors } from '../pipeline/test-support.ts';
import { mermaidMessage, scopeSvgIds, tidySvg } from './diagram-renderer.ts';
import type { DiagramResult } from './pdf-renderer.ts';

const renderer = new ChromiumPdfRenderer();
afterAll(() => renderer.close());

const FLOWCHART = 'flowchart LR\n  Start[Collect data] --> Check{Valid?}\n  Check -->|yes| Store[Save report]';
const SEQUENCE = 'sequenceDiagram\n  Alice->>Bob: Hello Bob\n  Bob-->>Alice: Hi Alice';
const BROKEN = 'flowchart LR\n  A --> \n  --> B ((';
const HOSTILE = [
  'flowchart LR',
  '  A[Open me] --> B["<script>alert(1)</script> label"]',
  '  B --> C["<img src=x onerror=alert(2)>"]',
  '  click A call alert()',
  '  click B href "javascript:alert(3)"',
].join('\n');

function svgOf(result: DiagramResult | undefined): string {
  if (!result?.ok) throw new Error(`expected an SVG, got ${JSON.stringify(result)}`);
  return result.svg;
}

/** The SVG's text (labels split over <tspan>s joined by one space), without its <style>. */
function labels(svg: string): string {
  return svg.replace(/<style>[^<]*<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

describe('ChromiumPdfRenderer.renderDiagrams', () => {
  it('draws a flowchart and a sequence diagram, fails only the broken one, and keeps every id unique', async () => {
    const progress: string[] = [];
    const results = await renderer.renderDiagrams({
      sources: [FLOWCHART, BROKEN, SEQUENCE, SEQUENCE],
      idPrefix: 'qd-test',
      onProgress: (i, n) => progress.push(`${i + 1}/${n}`),
    });
    expect(progress).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(results).toHaveLength(4);

    const flow = svgOf(results[0]);
    expect(flow).toMatch(/^<svg id="qd-test-1"/);
    expect(labels(flow)).toContain('Collect');
    expect(labels(flow)).toContain('Save report');
    // Text labels, not HTML in foreignObject: they print as text and need no HTML in SVG.
    expect(flow).not.toContain('foreignObject');

    expect(results[1]).toEqual({ ok: false, error: expect.stringMatching(/^Parse error on line 3: Expecting .* got 'LINK'$/) });

    const seq = svgOf(results[2]);
    expect(seq).toMatch(/^<svg id="qd-test-3"/);
    expect(labels(seq)).toContain('Hello Bob');
    // Two copies of one diagram: every id in the document still appears once.
    const ids = [flow, seq, svgOf(results[3])].flatMap((svg) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    expect(ids.length).toBeGreaterThan(20);
    expect(new Set(ids).size).toBe(ids.length);
    // Mermaid scopes its <style> by the id given.
    expect(flow).toContain('<style>#qd-test-1{');
  });

  it('escapes markup in labels and drops click handlers (strict)', async () => {
    const [result] = await renderer.renderDiagrams({ sources: [HOSTILE], idPrefix: 'qd-hostile' });
    const svg = svgOf(result);
    expect(svg).not.toMatch(/<script|<img|\son\w+=|javascript:/i);
    // Mermaid's DOMPurify drops the script with its text; the img stays as escaped text.
    expect(labels(svg)).toContain(' label ');
    expect(labels(svg)).not.toContain('alert(1)');
    expect(labels(svg)).toContain('Open me');
  });

  it('fails a diagram that runs out of time alone, then draws on a fresh page', async () => {
    const slow = await renderer.renderDiagrams({ sources: [FLOWCHART, SEQUENCE], idPrefix: 'qd-slow', diagramTimeoutMs: 1 });
    expect(slow).toEqual([
      { ok: false, error: 'took longer than 0.1 s to draw' },
      { ok: false, error: 'took longer than 0.1 s to draw' },
    ]);
    const [again] = await renderer.renderDiagrams({ sources: [FLOWCHART], idPrefix: 'qd-again' });
    expect(labels(svgOf(again))).toContain('Save report');
  });

  it('marks the diagrams it did not reach when the batch runs out of time', async () => {
    const results = await renderer.renderDiagrams({ sources: [FLOWCHART, FLOWCHART], idPrefix: 'qd-batch', timeoutMs: 1 });
    expect(results.every((r) => !r.ok && /took longer than/.test(r.error))).toBe(true);
  });

  it('rejects with JOB_CANCELLED when the signal aborts mid-batch', async () => {
    const controller = new AbortController();
    const run = renderer.renderDiagrams({
      sources: [FLOWCHART, SEQUENCE, FLOWCHART],
      idPrefix: 'qd-cancel',
      signal: controller.signal,
      onProgress: (i) => i === 1 && controller.abort(),
    });
    const error = await run.then(() => null, (e: unknown) => e);
    expect(isQuireError(error) && error.code).toBe('JOB_CANCELLED');
    // The next batch is not held up by the cancelled one.
    const [after] = await renderer.renderDiagrams({ sources: [SEQUENCE], idPrefix: 'qd-after' });
    expect(labels(svgOf(after))).toContain('Hi Alice');
  });
});

/** One of each kind of diagram mermaid 11 draws without extra packages. */
const KINDS = [
  FLOWCHART,
  SEQUENCE,
  'classDiagram\n  class Animal {\n    +String name\n    +eat()\n  }\n  Animal <|-- Duck',
  'stateDiagram-v2\n  [*] --> Still\n  Still --> Moving\n  Moving --> [*]',
  'erDiagram\n  CUSTOMER ||--o{ ORDER : places\n  ORDER ||--|{ LINE-ITEM : contains',
  'gantt\n  title Plan\n  dateFormat YYYY-MM-DD\n  section Work\n  Design :a1, 2026-01-01, 10d\n  Build :after a1, 20d',
  'pie title Pets\n  "Dogs" : 386\n  "Cats" : 85',
  'journey\n  title My day\n  section Work\n    Make tea: 5: Me\n    Do work: 1: Me, Cat',
  'gitGraph\n  commit\n  branch feature\n  commit\n  checkout main\n  merge feature',
  'mindmap\n  root((Quire))\n    Export\n      PDF\n      HTML\n    Write',
];

describe('every kind of diagram in an export page', () => {
  it('draws each kind, and the sanitized page passes the Nu HTML Checker', async () => {
    const results = await renderer.renderDiagrams({ sources: KINDS, idPrefix: 'qd-kind' });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const figures = KINDS.map((s) => `<figure class="quire-diagram" data-diagram="mermaid"><pre><code class="language-mermaid">${s.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code></pre></figure>`);
    const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kinds</title></head><body>${figures.join('\n')}</body></html>`;
    const html = inlineDiagrams(page, results.map((r) => (r.ok ? r.svg : null)));
    expect(html.match(/<div class="quire-diagram-svg"><svg /g)).toHaveLength(KINDS.length);
    const dir = mkdtempSync(path.join(tmpdir(), 'quire-kinds-'));
    try {
      const file = path.join(dir, 'kinds.html');
      writeFileSync(file, html);
      expect(await vnuErrors([file])).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the diagram page and its browser', () => {
  it('survives its browser being killed mid-batch, then close() leaves no Chromium running', async () => {
    const own = new ChromiumPdfRenderer({ executablePath: '/usr/bin/chromium' });
    const before = new Set(chromiumChildren().map((b) => b.pid));
    const ours = () => chromiumChildren().filter((b) => !before.has(b.pid));
    try {
      await own.renderDiagrams({ sources: [FLOWCHART], idPrefix: 'qd-warm' });
      const [browser] = ours();
      expect(browser).toBeDefined();
      const results = await own.renderDiagrams({
        sources: [FLOWCHART, SEQUENCE, FLOWCHART],
        idPrefix: 'qd-kill',
        onProgress: (i) => i === 1 && process.kill(browser!.pid, 'SIGKILL'),
      });
      // The diagram in flight when the browser died may fail; the next one is drawn on a new browser.
      expect(results[0]!.ok).toBe(true);
      expect(labels(svgOf(results[2]))).toContain('Save report');
      expect(ours().map((b) => b.pid)).not.toContain(browser!.pid);
    } finally {
      await own.close();
    }
    expect(ours()).toEqual([]);
  });
});

describe('scopeSvgIds', () => {
  it('prefixes ids mermaid left unscoped, with their references, and leaves scoped ones', () => {
    const svg = '<svg id="d-1"><g id="actor0"></g><use href="#actor0"/><path marker-end="url(#d-1_end)" fill="url(#root-0)"/><g id="root-0" aria-labelledby="actor0"/><marker id="d-1_end"/></svg>';
    expect(scopeSvgIds(svg, 'd-1')).toBe(
      '<svg id="d-1"><g id="d-1-actor0"></g><use href="#d-1-actor0"/><path marker-end="url(#d-1_end)" fill="url(#d-1-root-0)"/><g id="d-1-root-0" aria-labelledby="d-1-actor0"/><marker id="d-1_end"/></svg>',
    );
  });
});

describe('tidySvg', () => {
  it('drops attributes SVG does not have and empty ones, and makes repeated ids unique', () => {
    expect(tidySvg('<svg id="a"><rect name="Bob" x="1"/><tspan font-weight="" class="t">x</tspan><path viewBox="0 0 1 1" d="M0 0"/><g id="a"></g><g id="a"/></svg>')).toBe(
      '<svg id="a"><rect x="1"/><tspan class="t">x</tspan><path d="M0 0"/><g id="a-2"></g><g id="a-3"/></svg>',
    );
  });
});

describe('mermaidMessage', () => {
  it('keeps a parse error on one line without the caret drawing', () => {
    expect(mermaidMessage("Parse error on line 3:\n...chart LR  A -->   --> B ((\n---------------------^\nExpecting 'AMP', got 'LINK'")).toBe(
      "Parse error on line 3: Expecting 'AMP', got 'LINK'",
    );
    expect(mermaidMessage('No diagram type detected matching given configuration for text: hello\nmore')).toBe(
      'No diagram type detected matching given configuration for text: hello',
    );
    expect(mermaidMessage('')).toBe('mermaid gave no reason');
  });
});
