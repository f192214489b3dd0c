/**
 * Only the document's own files, and only real images: references outside the document's
 * folder (../, absolute paths, file: URLs, symlinks leading out) and files whose bytes are not
 * a supported image are never embedded; each gets a warning naming the reference.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { generateExportHtml } from './export-html.ts';
import { isSvgDocument, resolveInsideFolder, sniffImage } from './images.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const OUTSIDE_PNG = Buffer.concat([PNG, Buffer.from('outside-marker')]);
const SECRET = 'TOP SECRET: api_key=hunter2-0123456789\n';
// Minimal headers are enough for the sniffer (the browser is not asked to draw them here).
const BMP = Buffer.concat([Buffer.from('BM', 'latin1'), Buffer.alloc(12), Buffer.from([40, 0, 0, 0]), Buffer.alloc(40)]);
const AVIF = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif\0\0\0\0avifmif1miaf', 'latin1'), Buffer.alloc(8)]);
const SVG_FULL = `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Generator: Adobe Illustrator -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
  <!ENTITY ns_svg "http://www.w3.org/2000/svg">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink='http://www.w3.org/1999/xlink' width="10" height="10">
  <style><![CDATA[ .a > .b { fill: red } ]]></style>
  <sodipodi:namedview id="base"/>
  <g><text x="1" y="2">a &amp; b</text><title>T</title></g>
</svg>
<!-- trailing comment -->
`;

let dir: string;
let doc: string;

beforeAll(() => {
  dir = tempDir('quire-images-');
  doc = path.join(dir, 'doc');
  fs.mkdirSync(path.join(doc, 'img'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'doc-evil'));
  fs.writeFileSync(path.join(dir, 'fake-secret.png'), SECRET);
  fs.writeFileSync(path.join(dir, 'real.png'), OUTSIDE_PNG);
  fs.writeFileSync(path.join(dir, 'doc-evil', 'x.png'), OUTSIDE_PNG);
  fs.writeFileSync(path.join(doc, 'img', 'inside.png'), PNG);
  fs.writeFileSync(path.join(doc, 'img', 'renamed.jpg'), PNG);
  fs.writeFileSync(path.join(doc, 'img', 'fake.png'), SECRET);
  fs.writeFileSync(path.join(doc, 'img', 'empty.gif'), '');
  fs.writeFileSync(path.join(doc, 'img', 'good.svg'), SVG_FULL);
  fs.writeFileSync(path.join(doc, 'img', 'words.svg'), 'just some words');
  fs.writeFileSync(path.join(doc, 'img', 'page.svg'), '<!doctype html><html><body>secret page</body></html>');
  fs.writeFileSync(path.join(doc, 'img', 'picture.bmp'), BMP);
  fs.writeFileSync(path.join(doc, 'img', 'picture.avif'), AVIF);
  fs.writeFileSync(path.join(doc, 'img', 'bm.bmp'), 'BMW owners club minutes, page 12 of the annual report');
  fs.symlinkSync(path.join(dir, 'real.png'), path.join(doc, 'link-out.png'));
  fs.symlinkSync(dir, path.join(doc, 'up'));
  fs.symlinkSync(path.join(doc, 'img', 'inside.png'), path.join(doc, 'link-in.png'));
});
afterAll(() => rmrf(dir));

const exportOf = (source: string, baseDir: string | null = doc) => generateExportHtml({ title: '', source, format: 'md', baseDir, meta: {} });
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');

describe('images outside the document folder', () => {
  it('a text file named ../fake-secret.png is not embedded, and the warning names it', () => {
    const { html, warnings } = exportOf('![secret](../fake-secret.png)');
    expect(warnings).toEqual(["image ../fake-secret.png is outside the document's folder and was not embedded"]);
    expect(html).not.toContain(b64(SECRET));
    expect(html).not.toContain('hunter2');
    expect(html).not.toContain('data:image');
    expect(html).toContain('<span class="quire-image-alt">secret</span>');
  });

  it('a real PNG in ../, by absolute path, by file: URL or in a sibling folder that shares a prefix is not embedded', () => {
    const abs = path.join(dir, 'real.png');
    for (const src of ['../real.png', abs, pathToFileURL(abs).href, '../doc-evil/x.png', 'img/../../real.png']) {
      const { html, warnings } = exportOf(`![o](${src})`);
      expect(warnings, src).toEqual([`image ${src} is outside the document's folder and was not embedded`]);
      expect(html, src).not.toContain(b64(OUTSIDE_PNG));
    }
  });

  it('a symlink inside the folder that leads outside is refused; one that stays inside is followed', () => {
    for (const src of ['link-out.png', 'up/real.png', 'up/fake-secret.png']) {
      const { html, warnings } = exportOf(`![l](${src})`);
      expect(warnings, src).toEqual([`image ${src} is outside the document's folder and was not embedded`]);
      expect(html, src).not.toContain(b64(OUTSIDE_PNG));
      expect(html, src).not.toContain(b64(SECRET));
    }
    const inside = exportOf('![l](link-in.png)');
    expect(inside.warnings).toEqual([]);
    expect(inside.html).toContain(`<img src="data:image/png;base64,${b64(PNG)}" data-src="link-in.png" alt="l">`);
  });

  it('a document without a folder embeds no local file, even by absolute path', () => {
    const abs = path.join(doc, 'img', 'inside.png');
    const { html, warnings } = exportOf(`![a](${abs})`, null);
    expect(warnings).toEqual([`image ${abs} was not embedded: Quire embeds only images from the document's own folder, and this document has none (it was not imported from a file)`]);
    expect(html).not.toContain('data:image');
  });
});

describe('images inside the document folder', () => {
  it('absolute paths and file: URLs inside the folder still work', () => {
    const abs = path.join(doc, 'img', 'inside.png');
    for (const src of [abs, pathToFileURL(abs).href, './img/inside.png', 'img/../img/inside.png']) {
      const { html, warnings } = exportOf(`![i](${src})`);
      expect(warnings, src).toEqual([]);
      expect(html, src).toContain(`src="data:image/png;base64,${b64(PNG)}"`);
    }
  });

  it('the bytes decide the type: a PNG named .jpg is embedded as image/png', () => {
    const { html, warnings } = exportOf('![r](img/renamed.jpg)');
    expect(warnings).toEqual([]);
    expect(html).toContain(`<img src="data:image/png;base64,${b64(PNG)}" data-src="img/renamed.jpg" alt="r">`);
  });

  it('a text file named x.png inside the folder is refused by its content', () => {
    const { html, warnings } = exportOf('![f](img/fake.png) ![e](img/empty.gif)');
    expect(warnings).toEqual([
      'image img/fake.png is not a png, jpeg, gif, webp, avif, bmp or svg image (its content is text) and was not embedded',
      'image img/empty.gif is not a png, jpeg, gif, webp, avif, bmp or svg image (its content is empty) and was not embedded',
    ]);
    expect(html).not.toContain(b64(SECRET));
    expect(html).not.toContain('data:image');
  });

  it('an SVG is embedded only when it is an XML document whose root is <svg>', () => {
    const good = exportOf('![s](img/good.svg)');
    expect(good.warnings).toEqual([]);
    expect(good.html).toContain(`src="data:image/svg+xml;base64,${b64(SVG_FULL)}"`);
    const bad = exportOf('![w](img/words.svg) ![p](img/page.svg)');
    expect(bad.warnings).toEqual([
      'image img/words.svg is not a png, jpeg, gif, webp, avif, bmp or svg image (its content is text that is not a well-formed SVG document) and was not embedded',
      'image img/page.svg is not a png, jpeg, gif, webp, avif, bmp or svg image (its content is text that is not a well-formed SVG document) and was not embedded',
    ]);
    expect(bad.html).not.toContain('data:image');
  });

  it('BMP and AVIF are embedded with their types; a text file starting with "BM" is not', () => {
    const { html, warnings } = exportOf('![b](img/picture.bmp) ![a](img/picture.avif) ![t](img/bm.bmp)');
    expect(html).toContain(`src="data:image/bmp;base64,${b64(BMP)}"`);
    expect(html).toContain(`src="data:image/avif;base64,${b64(AVIF)}"`);
    expect(warnings).toEqual(['image img/bm.bmp is not a png, jpeg, gif, webp, avif, bmp or svg image (its content is text) and was not embedded']);
  });
});

describe('resolveInsideFolder', () => {
  it('takes the folder by its own name or through a symlink, and nothing beside it', () => {
    const viaLink = path.join(dir, 'doc-link');
    fs.symlinkSync(doc, viaLink);
    const real = fs.realpathSync(path.join(doc, 'img', 'inside.png'));
    expect(resolveInsideFolder(viaLink, 'img/inside.png')).toEqual({ ok: true, path: real, size: PNG.length });
    expect(resolveInsideFolder(viaLink, real)).toEqual({ ok: true, path: real, size: PNG.length });
    expect(resolveInsideFolder(doc, path.join(dir, 'doc-evil', 'x.png'))).toEqual({ ok: false, reason: 'outside' });
    expect(resolveInsideFolder(doc, 'img')).toEqual({ ok: false, reason: 'not-a-file' });
    expect(resolveInsideFolder(doc, 'img/nope.png')).toMatchObject({ ok: false, reason: 'missing' });
  });
});

describe('sniffImage and isSvgDocument', () => {
  it('knows the signatures and refuses look-alikes', () => {
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(Buffer.from('\x89PNG but then text', 'latin1'))).toBeNull();
    expect(sniffImage(Buffer.from('GIF89a......', 'latin1'))).toBe('image/gif');
    expect(sniffImage(Buffer.from('GIF8 is a nice name', 'latin1'))).toBeNull();
    expect(sniffImage(Buffer.from(SECRET))).toBeNull();
  });

  it('accepts well-formed SVG and refuses broken structure', () => {
    expect(isSvgDocument(Buffer.from(SVG_FULL))).toBe(true);
    expect(isSvgDocument(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(true);
    expect(isSvgDocument(Buffer.from('\ufeff<svg:svg xmlns:svg="http://www.w3.org/2000/svg"></svg:svg>'))).toBe(true);
    // Illustrator declares its namespaces as entities in the DOCTYPE.
    const illustrator =
      '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n' +
      '<!ENTITY ns_svg "http://www.w3.org/2000/svg">\n]>\n<svg xmlns="&ns_svg;" width="10" height="10"><rect width="10" height="10"/></svg>';
    expect(isSvgDocument(Buffer.from(illustrator))).toBe(true);
    // An entity bomb is still an SVG document, but checking it expands nothing (fast, small).
    const lols = ['<!ENTITY lol0 "lol">', ...Array.from({ length: 9 }, (_, k) => `<!ENTITY lol${k + 1} "${`&lol${k};`.repeat(10)}">`)].join('');
    const started = Date.now();
    expect(isSvgDocument(Buffer.from(`<!DOCTYPE svg [${lols}]><svg><text>&lol9;</text></svg>`))).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const bad of [
      '<svg><g></svg>',
      '<svg></svg><svg></svg>',
      '<svg></svg> trailing text',
      'text first <svg></svg>',
      '<html><svg></svg></html>',
      '<svg width=10></svg>',
      '<svg><!-- unclosed comment </svg>',
      '<svg>',
      '<svg>&undefined;</svg>',
      '',
    ]) {
      expect(isSvgDocument(Buffer.from(bad)), bad).toBe(false);
    }
    expect(isSvgDocument(Buffer.from([0x3c, 0x73, 0x76, 0x67, 0x3e, 0xff, 0x3c, 0x2f, 0x73, 0x76, 0x67, 0x3e]))).toBe(false); // not UTF-8
  });
});

describe("a job's stored assets", () => {
  it('embeds only the listed files with the hash they were started with, whatever the folder holds', () => {
    const store = path.join(dir, 'store-copy.png');
    fs.writeFileSync(store, PNG);
    const sha256 = createHash('sha256').update(PNG).digest('hex');
    const run = (source: string, files: Record<string, { path: string; sha256: string }>, problems: Record<string, string> = {}) =>
      generateExportHtml({ title: '', source, format: 'md', baseDir: doc, meta: {}, assets: { files, problems } });

    const ok = run('![a](./img/x%20y.png?v=1)', { 'img/x y.png': { path: store, sha256 } });
    expect(ok.warnings).toEqual([]);
    expect(ok.html).toContain(`<img src="data:image/png;base64,${b64(PNG)}" data-src="./img/x%20y.png?v=1" alt="a">`);

    // In the folder but not in the list: not read from the folder.
    const notListed = run('![i](img/inside.png)', {});
    expect(notListed.warnings).toEqual(['image img/inside.png not found: it was not imported with the document (add it in the Write stage)']);
    expect(notListed.html).not.toContain('data:image');

    const refused = run('![o](../real.png)', {}, { '../real.png': "image ../real.png is outside the document's folder and was not embedded" });
    expect(refused.warnings).toEqual(["image ../real.png is outside the document's folder and was not embedded"]);

    fs.writeFileSync(store, OUTSIDE_PNG);
    const changed = run('![a](img/a.png)', { 'img/a.png': { path: store, sha256 } });
    expect(changed.warnings).toEqual(['image img/a.png: its copy in the data folder was changed since the export started; add it again in the Write stage']);
    expect(changed.html).not.toContain('data:image');
  });
});
