/**
 * Mermaid diagrams end to end: a Markdown document through a real engine (SQLite, Piscina
 * workers, Chromium) to PDF and HTML, checked the way a user would (pdftotext, the Nu HTML
 * Checker, the job's warnings).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pdftotext, rmrf, tempDir, waitFor } from '../tests/helpers.ts';
import type { JobSnapshot } from './api/types.ts';
import { createEngine, type Engine, type EngineOptions } from './engine.ts';
import { ChromiumPdfRenderer } from './pdf/chromium-pdf-renderer.ts';
import { vnuErrors } from './pipeline/test-support.ts';
import { openDatabase } from './store/db.ts';

const dirs: string[] = [];
const engines: Engine[] = [];
const pdf = new ChromiumPdfRenderer();

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await pdf.close();
  dirs.forEach(rmrf);
});

async function newEngine(options: Partial<EngineOptions> = {}, dir = tempDir()): Promise<Engine> {
  if (!dirs.includes(dir)) dirs.push(dir);
  const engine = await createEngine({ dataDir: path.join(dir, 'data'), outputDir: path.join(dir, 'out'), pdfRenderer: pdf, maxThreads: 1, ...options });
  engines.push(engine);
  return engine;
}

const GOOD = ['flowchart LR', '  Draft[Write draft] --> Review{Reviewed?}', '  Review -->|yes| Publish[Publish report]'].join('\n');
const BROKEN = ['flowchart LR', '  Start --> ', '  --> Stop (('].join('\n');

const DOC = `# Release process

How a report gets out.

\`\`\`mermaid
${GOOD}
\`\`\`

What happens when the source is wrong:

\`\`\`mermaid
${BROKEN}
\`\`\`

The end.
`;

async function exportDoc(engine: Engine, source: string, formats: Array<'pdf' | 'html' | 'md'>): Promise<{ final: JobSnapshot; seen: JobSnapshot[] }> {
  const doc = await engine.createDocument({ title: 'Release process', source, format: 'md' });
  const { jobId } = await engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats } });
  const seen: JobSnapshot[] = [];
  engine.subscribe(jobId, (j) => seen.push(j));
  const [final] = await engine.waitForJobs([jobId]);
  return { final: final!, seen };
}

describe('Mermaid diagrams in an export', () => {
  it('draws the good diagram into the PDF and HTML, keeps the broken one as code with one warning', async () => {
    const engine = await newEngine();
    const { final, seen } = await exportDoc(engine, DOC, ['pdf', 'html']);
    expect(final).toMatchObject({ status: 'completed', error: null });
    expect(final.warnings).toEqual([
      expect.stringMatching(/^Diagram 2 of 2 \("flowchart LR"\) could not be drawn and is shown as code: Parse error on line 3: .*got 'LINK'\. Fix the Mermaid source, or turn diagrams off\.$/),
    ]);
    expect(seen.some((j) => j.step === 'diagrams')).toBe(true);
    expect(seen.some((j) => /^Rendering diagram [12] of 2$/.test(j.message))).toBe(true);

    const pdfFile = final.outputs.find((o) => o.format === 'pdf')!.path;
    const htmlFile = final.outputs.find((o) => o.format === 'html')!.path;
    const keep = process.env.QUIRE_KEEP_OUTPUT; // a folder to look at the outputs in
    if (keep) for (const file of [pdfFile, htmlFile]) fs.copyFileSync(file, path.join(keep, `diagrams${path.extname(file)}`));
    const text = pdftotext(pdfFile);
    // The drawn diagram's labels, not its source; the broken one's source as code.
    expect(text).toContain('Write draft');
    expect(text).toContain('Publish report');
    expect(text).not.toContain('Draft[Write draft]');
    expect(text).not.toContain('-->|yes|');
    expect(text).toContain('--> Stop ((');

    const html = fs.readFileSync(htmlFile, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html.match(/<div class="quire-diagram-svg"><svg /g)).toHaveLength(1);
    // SVG labels are split into one <tspan> per word.
    expect(html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).toContain('Write draft');
    expect(html).not.toContain('Draft[Write draft]');
    expect(html).toContain('--&gt; Stop ((');
    expect(await vnuErrors([htmlFile])).toEqual([]);
  });

  it('keeps Markdown as written: the diagram stays a mermaid fence', async () => {
    const engine = await newEngine();
    const { final } = await exportDoc(engine, DOC, ['md', 'html']);
    expect(final.status).toBe('completed');
    const md = fs.readFileSync(final.outputs.find((o) => o.format === 'md')!.path, 'utf8');
    expect(md).toContain('```mermaid\nflowchart LR\n  Draft[Write draft]');
  });

  it('a job stopped after its diagrams were drawn resumes without drawing them again', async () => {
    const dir = tempDir();
    const slow = await newEngine({ stepDelayMs: 1_500 }, dir);
    const doc = await slow.createDocument({ title: 'Resumed', source: DOC, format: 'md' });
    const { jobId } = await slow.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html'] } });
    await waitFor(async () => (await slow.getJob(jobId)).step === 'html', { timeoutMs: 60_000 });
    await slow.close(); // the runner stops mid-job: the job goes back to the queue
    const resumer = await newEngine({}, dir);
    await resumer.runUntilIdle();
    const job = await resumer.getJob(jobId);
    expect(job).toMatchObject({ status: 'completed', attempt: 2 });
    // The warning of attempt 1's diagrams step is kept, once.
    expect(job.warnings).toHaveLength(1);
    const html = fs.readFileSync(job.outputs[0]!.path, 'utf8');
    expect(html.match(/<div class="quire-diagram-svg"><svg /g)).toHaveLength(1);
    const store = await openDatabase(resumer.dbPath);
    try {
      const rows = await store.db.selectFrom('job_checkpoints').select(['step', 'attempt']).where('job_id', '=', jobId).execute();
      expect(Object.fromEntries(rows.map((r) => [r.step, r.attempt]))).toEqual({ prepare: 1, diagrams: 1, html: 2 });
    } finally {
      await store.close();
    }
  });

  it('exports HTML with the diagrams as code, and one warning, when no browser can be started', async () => {
    const broken = new ChromiumPdfRenderer({ executablePath: '/nonexistent/chromium' });
    try {
      const engine = await newEngine({ pdfRenderer: broken });
      const { final } = await exportDoc(engine, DOC, ['html']);
      expect(final.status).toBe('completed');
      expect(final.warnings).toEqual([expect.stringMatching(/^The 2 diagrams are shown as code: The Mermaid diagrams could not be drawn \(.*\/nonexistent\/chromium/)]);
      const html = fs.readFileSync(final.outputs[0]!.path, 'utf8');
      expect(html).not.toContain('quire-diagram-svg');
      expect(html).toContain('Draft[Write draft]');
    } finally {
      await broken.close();
    }
  });

  it('skips the step unseen for a document without diagrams', async () => {
    const engine = await newEngine();
    const { final, seen } = await exportDoc(engine, '# Plain\n\nNo diagrams here.\n\n```js\nlet a = 1;\n```\n', ['html']);
    expect(final).toMatchObject({ status: 'completed', warnings: [] });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((j) => j.step === 'diagrams')).toBe(false);
  });
});
