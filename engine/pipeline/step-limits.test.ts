import { describe, expect, it } from 'vitest';
import { stepTimeLimitFor, timeoutCause, widestHtmlTable, widestMarkdownTable } from './step-limits.ts';
import { wideTableMarkdown } from './test-support.ts';

describe('step time limits', () => {
  it('start from a generous floor and grow with the input', () => {
    for (const step of ['prepare', 'md'] as const) {
      expect(stepTimeLimitFor(step, 0)).toBe(60_000);
      expect(stepTimeLimitFor(step, 120 * 1024)).toBeGreaterThanOrEqual(60_000);
      expect(stepTimeLimitFor(step, 120 * 1024)).toBeLessThan(65_000);
      expect(stepTimeLimitFor(step, 10 * 1024 * 1024)).toBe(60_000 + 10 * 30_000);
      expect(stepTimeLimitFor(step, 2 * 1024 * 1024)).toBeGreaterThan(stepTimeLimitFor(step, 1024 * 1024));
    }
  });

  it('find the widest table in Markdown and in HTML', () => {
    expect(widestMarkdownTable(wideTableMarkdown(5000))).toBe(5000);
    expect(widestMarkdownTable('| a | b |\n|---|:-:|\n| 1 | 2 |\n\n---\n')).toBe(2);
    expect(widestMarkdownTable('text\n\n---\n\n- a\n')).toBe(0);
    expect(widestHtmlTable('<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td><td>3</td></tr></table>')).toBe(3);
    expect(widestHtmlTable('<p>no table</p>')).toBe(0);
  });

  it('name a wide table as the cause, with what to do; else the size', () => {
    const html = `<table><tr>${'<td>x</td>'.repeat(5000)}</tr></table>`;
    expect(timeoutCause('md', html)).toBe('The document has a table with 5,000 columns, which the Markdown converter handles slowly. Split the table, or export PDF and HTML only.');
    expect(timeoutCause('prepare', { title: 't', source: wideTableMarkdown(2000), format: 'md', baseDir: '.', meta: {} })).toMatch(/a table with 2,000 columns/);
    expect(timeoutCause('md', '<p>plain</p>')).toMatch(/too large or too complex for the Markdown converter/);
    expect(timeoutCause('pdfMetadata', { pdfBytes: 12 * 1024 * 1024 })).toBe(
      'The PDF (12.0 MB) took too long to write its metadata into. Split the document, or retry when the computer is less busy.',
    );
    expect(stepTimeLimitFor('pdfMetadata', 100 * 1024 * 1024)).toBe(60_000 + 100 * 5_000);
  });
});
