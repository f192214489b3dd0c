/**
 * `quire export` embeds only the document's own images: a text file named ../x.png beside
 * the document's folder is not embedded, and the CLI says so on stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORPUS, rmrf, runQuire, tempDir } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

describe('quire export and images outside the document folder', () => {
  it('does not embed a text file named ../x.png, and warns naming it', async () => {
    const dir = tempDir('quire-cli-images-');
    dirs.push(dir);
    const secret = 'not an image: password=correct-horse-battery-staple\n';
    fs.writeFileSync(path.join(dir, 'x.png'), secret);
    fs.mkdirSync(path.join(dir, 'notes'));
    const doc = path.join(dir, 'notes', 'notes.md');
    fs.writeFileSync(doc, '# Notes\n\n![leak](../x.png)\n');
    const out = path.join(dir, 'out');

    const r = await runQuire(['export', doc, '--format', 'html', '--out', out, '--data-dir', path.join(dir, 'data'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("quire: notes.md: warning: image ../x.png is outside the document's folder and was not embedded\n");
    const html = fs.readFileSync(path.join(out, 'notes.html'), 'utf8');
    expect(html).not.toContain(Buffer.from(secret).toString('base64'));
    expect(html).not.toContain('correct-horse');
    expect(html).not.toContain('data:image');
    expect(html).toContain('<span class="quire-image-alt">leak</span>');
  }, 120_000);
});

describe('quire export of a document with its images', () => {
  it('the system-design-primer README embeds every local image; the only warning is its one remote image', async () => {
    const dir = tempDir('quire-cli-primer-');
    dirs.push(dir);
    const readme = path.join(CORPUS, 'system-design-primer', 'README.md');
    const out = path.join(dir, 'out');
    const r = await runQuire(['export', readme, '--format', 'html', '--out', out, '--data-dir', path.join(dir, 'data'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning:'));
    expect(warnings).toEqual([expect.stringMatching(/^quire: README\.md: warning: image https:\/\/camo\.githubusercontent\.com\/\S+ is on the web and was not downloaded/)]);
    const html = fs.readFileSync(path.join(out, 'README.html'), 'utf8');
    expect(html).not.toContain('quire-image-missing');
    // Every image in the folder the README uses is embedded once per use.
    expect((html.match(/<img src="data:image\//g) ?? []).length).toBeGreaterThanOrEqual(36);
  }, 120_000);
});
