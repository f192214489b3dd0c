/**
 * The Write-stage preview on a real engine with a real worker pool: the export's pipeline
 * (front matter hidden, heading ids, theme), stored images linked at the host's address
 * instead of embedded, nothing active from a hostile document, and the time limit and
 * supersession that keep typing responsive.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { validateCall } from '../api/schemas.ts';
import { createEngine, type Engine } from '../engine.ts';
import { ChromiumPdfRenderer } from '../pdf/chromium-pdf-renderer.ts';
import { createPipelinePool, type PipelinePool } from '../pipeline/pool.ts';
import { activeContent, parseWithJsdom, wideTableMarkdown } from '../pipeline/test-support.ts';
import { DocumentPreviews, PREVIEW_CSP } from './document-preview.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const IMAGE_URL = '/document-assets/{sha256}?token=t0k-en';

let dir: string;
let engine: Engine;

beforeAll(async () => {
  dir = tempDir();
  // No job runner: a preview needs only the store and the worker pool (no Chromium).
  engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: path.join(dir, 'out'), maxThreads: 1, runJobs: false });
});

afterAll(async () => {
  await engine?.close();
  rmrf(dir);
});

describe('previewDocument', () => {
  it('renders like the export: front matter hidden, heading ids, theme CSS, the preview CSP', async () => {
    const doc = await engine.createDocument({
      title: 'Notes',
      format: 'md',
      source: '---\ntitle: Field notes\nauthor: Ada Lovelace\ntoc: false\n---\n# Field notes\n\n## Revenue and costs\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nconst x = 1;\n```\n',
    });
    const { html, styles, warnings } = await engine.previewDocument({ documentId: doc.id });
    expect(warnings).toEqual([]);
    const page = await parseWithJsdom(html);
    const main = page.querySelectorAll('main')[0]!;
    expect(main.textContent).not.toMatch(/author:|title:|toc:/);
    expect(main.querySelectorAll('h2')[0]!.getAttribute('id')).toBe('revenue-and-costs');
    expect(main.querySelectorAll('table')).toHaveLength(1);
    // The export's own stylesheet, apart from the markup, and the preview's policy in place of the export's.
    expect(styles.join('\n')).toContain('.quire-content');
    expect(page.querySelectorAll('style')).toHaveLength(0);
    const csp = page.querySelectorAll('meta[http-equiv="Content-Security-Policy"]');
    expect(csp).toHaveLength(1);
    expect(csp[0]!.getAttribute('content')).toBe(PREVIEW_CSP);
  });

  it('shows unsaved text, and links stored images at the host address instead of embedding them', async () => {
    const folder = path.join(dir, 'doc-with-image');
    fs.mkdirSync(path.join(folder, 'images'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'images', 'a.png'), PNG);
    const doc = await engine.createDocument({ title: 'Pictures', format: 'md', source: '# Saved\n\n![A](images/a.png)\n', baseDir: folder });
    const sha = doc.assets.find((a) => a.ref === 'images/a.png')!.sha256!;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);

    const { html, warnings } = await engine.previewDocument({
      documentId: doc.id,
      source: '# Unsaved\n\n![A](images/a.png)\n\n![B](images/missing.png)\n',
      imageUrl: IMAGE_URL,
    });
    const main = (await parseWithJsdom(html)).querySelectorAll('main')[0]!;
    expect(main.textContent).toContain('Unsaved');
    expect(main.textContent).not.toContain('Saved\n');
    const img = main.querySelectorAll('img')[0]!;
    expect(img.getAttribute('src')).toBe(`/document-assets/${sha}?token=t0k-en`);
    expect(html).not.toContain('data:image/png');
    // A ref with no stored file is the export's placeholder and warning, never a request.
    expect(main.querySelectorAll('img')).toHaveLength(1);
    expect(warnings.join('\n')).toContain('images/missing.png');

    // Without an address (a host that serves no files) the preview embeds nothing either: placeholders.
    const bare = await engine.previewDocument({ documentId: doc.id });
    expect(bare.html).not.toContain(sha);
  });

  it('runs nothing from a hostile document', async () => {
    const doc = await engine.createDocument({ title: 'Hostile', format: 'md', source: '# ok' });
    const source = [
      '<script>window.x = 1</script>',
      '<img src="x.png" onerror="alert(1)">',
      '[link](javascript:alert(1))',
      '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
      '<svg><script>alert(1)</script><a href="javascript:alert(1)"><text>t</text></a></svg>',
      '<a href="data:text/html,<script>alert(1)</script>">d</a>',
      '<form action="https://evil.example"><input></form>',
    ].join('\n\n');
    for (const format of ['md', 'html'] as const) {
      const { html } = await engine.previewDocument({ documentId: doc.id, source, format });
      const page = await parseWithJsdom(html);
      expect(activeContent(page.body), format).toEqual([]);
      expect(html).not.toMatch(/<script/i);
    }
  });

  it('refuses what the contract does not allow: an image address of another shape, a source over the limit', () => {
    expect(() => validateCall('previewDocument', [{ documentId: 'd', imageUrl: 'https://evil.example/{sha256}' }])).toThrow(/imageUrl/);
    expect(() => validateCall('previewDocument', [{ documentId: 'd', imageUrl: 'javascript:alert(1)//{sha256}' }])).toThrow(/imageUrl/);
    expect(() => validateCall('previewDocument', [{ documentId: 'd', source: 'x'.repeat(10 * 1024 * 1024 + 1) }])).toThrow(/source/);
    expect(validateCall('previewDocument', [{ documentId: 'd', source: '# x', format: 'md', imageUrl: IMAGE_URL }])).toHaveLength(1);
    expect(validateCall('previewDocument', [{ documentId: 'd', imageUrl: '/document-assets/{sha256}' }])).toHaveLength(1);
  });

  it('a newer preview of the same document supersedes the older one', async () => {
    const doc = await engine.createDocument({ title: 'Typing', format: 'md', source: '# t' });
    const older = engine.previewDocument({ documentId: doc.id, source: wideTableMarkdown(3000) });
    const newer = engine.previewDocument({ documentId: doc.id, source: '# Newest text' });
    await expect(older).rejects.toMatchObject({ code: 'PREVIEW_SUPERSEDED' });
    expect((await newer).html).toContain('Newest text');
    // Another document's preview is not affected by this one's.
    const other = await engine.createDocument({ title: 'Other', format: 'md', source: '# o' });
    const [a, b] = await Promise.all([engine.previewDocument({ documentId: doc.id }), engine.previewDocument({ documentId: other.id })]);
    expect(a.html).toContain('<h1');
    expect(b.html).toContain('<h1');
  });

  it('draws Mermaid diagrams as the export does (the PDF renderer\'s browser), keeping a broken one as code', async () => {
    const doc = await engine.createDocument({
      title: 'Diagram',
      format: 'md',
      source: '# Flow\n\n```mermaid\nflowchart LR\n  Write --> Export\n```\n\n```mermaid\nflowchart LR\n  A -->\n```\n',
    });
    const { html, warnings } = await engine.previewDocument({ documentId: doc.id });
    const main = (await parseWithJsdom(html)).querySelectorAll('main')[0]!;
    expect(main.querySelectorAll('svg').length).toBe(1);
    expect(main.textContent).toContain('Export');
    expect(main.textContent).not.toContain('Write --> Export');
    expect(warnings.join('\n')).toMatch(/Diagram 2 of 2 .* shown as code/);
    expect(html).not.toMatch(/<script/i);
  }, 60_000);

  it('an unknown document is DOCUMENT_NOT_FOUND', async () => {
    await expect(engine.previewDocument({ documentId: 'nope' })).rejects.toMatchObject({ code: 'DOCUMENT_NOT_FOUND' });
  });
});

describe('DocumentPreviews time limit', () => {
  let pool: PipelinePool;
  beforeAll(() => {
    pool = createPipelinePool({ maxThreads: 1 });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('stops a preview over its time limit with PREVIEW_TIMEOUT, and the pool still works after', async () => {
    const doc = await engine.createDocument({ title: 'Slow', format: 'md', source: wideTableMarkdown(20_000) });
    const previews = new DocumentPreviews({
      getDocument: (id) => engine.getDocument(id),
      resolve: (documentId, stageId) => engine.resolveExport({ documentId, stageId }),
      pipeline: async () => pool,
      assetPath: (sha) => path.join(dir, sha),
      timeLimitMs: 150,
    });
    const started = Date.now();
    await expect(previews.render({ documentId: doc.id })).rejects.toMatchObject({ code: 'PREVIEW_TIMEOUT', message: expect.stringContaining('0.2 s') });
    expect(Date.now() - started).toBeLessThan(5_000);
    const fast = new DocumentPreviews({
      getDocument: (id) => engine.getDocument(id),
      resolve: (documentId, stageId) => engine.resolveExport({ documentId, stageId }),
      pipeline: async () => pool,
      assetPath: (sha) => path.join(dir, sha),
    });
    expect((await fast.render({ documentId: doc.id, source: '# Quick' })).html).toContain('Quick');
  });

  it('diagrams that run out of their own budget stay code with a warning; the text is still shown', async () => {
    const doc = await engine.createDocument({ title: 'Slow diagram', format: 'md', source: '# Flow\n\n```mermaid\nflowchart LR\n  Write --> Export\n```\n' });
    const renderer = new ChromiumPdfRenderer();
    try {
      const previews = new DocumentPreviews({
        getDocument: (id) => engine.getDocument(id),
        resolve: (documentId, stageId) => engine.resolveExport({ documentId, stageId }),
        pipeline: async () => pool,
        diagramRenderer: async () => renderer,
        assetPath: (sha) => path.join(dir, sha),
        diagramTimeLimitMs: 100,
      });
      const { html, warnings } = await previews.render({ documentId: doc.id });
      expect(warnings).toEqual(['The diagrams are shown as code in this preview: they took longer than 0.1 s to draw. An export draws them on its own.']);
      const main = (await parseWithJsdom(html)).querySelectorAll('main')[0]!;
      expect(main.querySelectorAll('svg')).toHaveLength(0);
      expect(main.textContent).toContain('Write --> Export');
      expect(main.querySelectorAll('h1')[0]!.textContent).toBe('Flow');
    } finally {
      await renderer.close();
    }
  }, 60_000);
});
