/**
 * Issue 11, hostile documents: a Markdown and an HTML document full of everything that could
 * reach the network, run a script or pull in a file from outside the document's folder, exported
 * to PDF, HTML and Markdown by the real CLI in a child process. Every remote address points at a
 * local server that counts requests: it must see zero, during the export and when the exported
 * HTML is opened in Chromium. A fake secret outside the document's folder (by absolute path,
 * file:// URL, ../ path, symlink and ~/.ssh/id_rsa under a fake HOME) must appear in no output,
 * the PDF's text included.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../engine/pdf/find-chromium.ts';
import { rmrf, tempDir } from '../helpers.ts';
import { decodedDataUris, expectClearMessage, runMeasured, startHitServer, type HitServer } from './input-support.ts';
import { hugeDimensionPng } from './pathological-corpus.ts';

const CANARY = 'QUIRE-CANARY-SECRET-5f3a9c';
const EXPORT_LIMIT_MS = 150_000;

let dir: string;
let server: HitServer;
let secretDir: string;
let docDir: string;
let home: string;

function chromiumPath(): string | null {
  try {
    return findChromium();
  } catch {
    return null;
  }
}

/** A real PNG that carries the canary in a tEXt chunk: embedding it would put the canary in base64. */
function secretPng(): Buffer {
  const png = hugeDimensionPng(1, 1);
  // Insert a tEXt chunk after IHDR (8 + 25 bytes); its CRC is not checked by sniffing.
  const text = Buffer.from(`Comment\0${CANARY}`, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(text.length);
  return Buffer.concat([png.subarray(0, 33), len, Buffer.from('tEXt'), text, Buffer.alloc(4), png.subarray(33)]);
}

function hostileMarkdown(s: string, secrets: Record<string, string>): string {
  return `# Hostile markdown

<script>document.title = 'PWNED'; document.body.textContent = 'PWNED'; fetch('${s}/script.js')</script>

<iframe src="${s}/iframe.html"></iframe>

<meta http-equiv="refresh" content="0;url=${s}/refresh">

<base href="${s}/base/">

<link rel="stylesheet" href="${s}/link.css">

<style>@import url(${s}/import.css); @import '${s}/import2.css'; body { background: url(${s}/bg.png) } @font-face { font-family: x; src: url(${s}/font.woff2) }</style>

<p style="background-image: url(${s}/inline-style.png); border-image: url('${s}/border.png') 30">styled paragraph</p>

<div style="background: image-set('${s}/set.png' 1x)">image-set</div>

![remote image](${s}/remote.png)

<img src="${s}/img.png" srcset="${s}/srcset.png 2x" onerror="fetch('${s}/onerror')">

<picture><source srcset="${s}/picture.png"><img src="${s}/picture-img.png"></picture>

<video src="${s}/video.mp4" poster="${s}/poster.png"></video> <audio src="${s}/audio.mp3"></audio>

<object data="${s}/object.swf"></object> <embed src="${s}/embed.swf">

<form action="${s}/form"><input type="image" src="${s}/input.png"><button formaction="${s}/button">go</button></form>

[javascript link](javascript:fetch('${s}/js-link')) and <a href="javascript:document.title='PWNED'">html js link</a> and <a href="vbscript:x">vb</a>

<a href="data:text/html,<script>fetch('${s}/data-link')</script>">data link</a>

<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="20"><script>fetch('${s}/svg-script')</script><use href="${s}/use.svg#a"/><use xlink:href="${s}/use2.svg#b"/><image href="${s}/svg-image.png"/><foreignObject><iframe src="${s}/fo.html"></iframe></foreignObject><a href="javascript:alert(1)"><rect width="5" height="5" fill="url(${s}/fill.svg#g)"/></a></svg>

<math><annotation-xml encoding="text/html"><img src="${s}/mathml.png" onerror="fetch('${s}/mathml-onerror')"></annotation-xml></math>

<noscript><img src="${s}/noscript.png"></noscript>

<details open ontoggle="fetch('${s}/ontoggle')"><summary>details</summary>inside</details>

![hostile svg file](hostile.svg)

![secret by absolute path](${secrets.png})

![secret svg by absolute path](${secrets.svg})

![secret by file url](file://${secrets.png})

![secret by ../ path](../secret/secret.png)

![secret through a symlink](link-to-secret.png)

![ssh key](~/.ssh/id_rsa)

![ssh key by absolute path](${secrets.ssh})

<img src="file:///etc/passwd"> <img src="/etc/passwd"> <img src="${secrets.txt}">

[link to the secret file](file://${secrets.txt})

Last paragraph.
`;
}

function hostileHtml(s: string, secrets: Record<string, string>): string {
  return `<!doctype html>
<html><head>
<title>Hostile HTML</title>
<meta http-equiv="refresh" content="0;url=${s}/html-refresh">
<base href="${s}/html-base/">
<link rel="stylesheet" href="${s}/html-link.css">
<link rel="preload" href="${s}/preload.js" as="script"><link rel="dns-prefetch" href="${s}"><link rel="prefetch" href="${s}/prefetch">
<script src="${s}/html-script.js"></script>
<script>document.title = 'PWNED'; fetch('${s}/html-inline-script')</script>
<style>@import "${s}/html-import.css"; h1 { background: url("${s}/html-bg.png") }</style>
</head><body onload="fetch('${s}/body-onload')">
<h1>Hostile HTML</h1>
<p>Visible paragraph.</p>
<iframe srcdoc="<script>parent.document.title='PWNED'</script>"></iframe>
<img src="${s}/html-img.png">
<img src="${secrets.png}"> <img src="file://${secrets.svg}"> <img src="../secret/secret.png"> <img src="link-to-secret.png">
<svg><use href="${s}/html-use.svg#x"/></svg>
<a href="javascript:fetch('${s}/html-js')">js</a>
<p style="background:url(${s}/html-style.png)">styled</p>
<template><img src="${s}/template.png"></template>
</body></html>
`;
}

/** A document-folder SVG image with a script, an external <use>, remote and file images. */
function hostileSvgFile(s: string, secrets: Record<string, string>): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="60" height="20">
<script>fetch('${s}/svgfile-script'); document.title = 'PWNED'</script>
<use href="${s}/svgfile-use.svg#x"/>
<image href="${s}/svgfile-image.png" width="10" height="10"/>
<image xlink:href="file://${secrets.png}" width="10" height="10"/>
<style>@import url(${s}/svgfile-import.css);</style>
<text x="0" y="15">svg file</text>
</svg>`;
}

beforeAll(async () => {
  dir = tempDir('quire-hostile-');
  server = await startHitServer();
  // The counter counts: a request of our own is seen, then forgotten.
  await (await fetch(`${server.origin}/control.png`)).arrayBuffer();
  expect(server.hits).toContain('GET /control.png');
  server.hits.length = 0;
  secretDir = path.join(dir, 'secret');
  docDir = path.join(dir, 'doc');
  home = path.join(dir, 'home');
  fs.mkdirSync(secretDir);
  fs.mkdirSync(docDir);
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  const secrets = {
    png: path.join(secretDir, 'secret.png'),
    svg: path.join(secretDir, 'secret.svg'),
    txt: path.join(secretDir, 'secret.txt'),
    ssh: path.join(home, '.ssh', 'id_rsa'),
  };
  fs.writeFileSync(secrets.png, secretPng());
  fs.writeFileSync(secrets.svg, `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="20"><text x="0" y="15">${CANARY}</text></svg>`);
  fs.writeFileSync(secrets.txt, `${CANARY}\n`);
  fs.writeFileSync(secrets.ssh, `-----BEGIN OPENSSH PRIVATE KEY-----\n${CANARY}\n-----END OPENSSH PRIVATE KEY-----\n`);
  fs.symlinkSync(secrets.png, path.join(docDir, 'link-to-secret.png'));
  fs.writeFileSync(path.join(docDir, 'hostile.svg'), hostileSvgFile(server.origin, secrets));
  fs.writeFileSync(path.join(docDir, 'hostile.md'), hostileMarkdown(server.origin, secrets));
  fs.writeFileSync(path.join(docDir, 'hostile-page.html'), hostileHtml(server.origin, secrets));
  // Positive control: the same secret files INSIDE a document's folder are embedded, so the
  // checks below would see them if a hostile document ever got them in.
  const control = path.join(dir, 'control');
  fs.mkdirSync(control);
  fs.copyFileSync(secrets.png, path.join(control, 'inside.png'));
  fs.copyFileSync(secrets.svg, path.join(control, 'inside.svg'));
  fs.writeFileSync(path.join(control, 'control.md'), '# Control\n\n![png](inside.png)\n\n![svg](inside.svg)\n');
});

afterAll(async () => {
  await server?.close();
  if (dir) rmrf(dir);
});

/** Tags in the HTML that name the hit server: only a plain link (<a href>) or a placeholder's data-src may. */
function tagsReachingServer(html: string, origin: string): string[] {
  const bad: string[] = [];
  for (const m of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    const tag = m[0];
    if (!tag.includes(origin.replace('http://', ''))) continue;
    const name = /^<([a-zA-Z][\w-]*)/.exec(tag)![1]!.toLowerCase();
    const attrs = [...tag.matchAll(/\s([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/g)].filter((a) => a[2]!.includes(origin.replace('http://', '')));
    const ok = attrs.every(([, attr]) => (name === 'a' && attr === 'href') || attr === 'data-src');
    if (!ok) bad.push(tag.slice(0, 200));
  }
  return bad;
}

describe('hostile documents exported by the real CLI (pdf, html, md)', () => {
  const outputs: Record<string, { html: string; md: string; pdf: string }> = {};

  it('exports both documents with no request to the network, no script run and within bounds', async () => {
    const out = path.join(dir, 'out');
    const run = await runMeasured(
      ['export', path.join(docDir, 'hostile.md'), path.join(docDir, 'hostile-page.html'), path.join(dir, 'control', 'control.md'), '--format', 'pdf,html,md', '--out', out, '--data-dir', path.join(dir, 'data'), '--concurrency', '2'],
      { timeoutMs: EXPORT_LIMIT_MS, reportDir: dir, env: { HOME: home } },
    );
    console.log(`hostile export: ${run.ms} ms, peak RSS ${run.peakRssMb.toFixed(0)} MB, server hits ${server.hits.length}`);
    expect(run.timedOut).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    expect(expectClearMessage(run.stdout + run.stderr)).toEqual([]);
    // Warnings name what was not embedded and why.
    expect(run.stderr).toMatch(/outside the document's folder/);
    expect(run.stderr).toMatch(/on the web and was not downloaded/);
    expect(server.hits, 'requests the export made to the local server').toEqual([]);
    for (const name of ['hostile', 'hostile-page']) {
      outputs[name] = {
        html: path.join(out, `${name}.html`),
        md: path.join(out, `${name}.md`),
        pdf: path.join(out, `${name}.pdf`),
      };
      for (const f of Object.values(outputs[name]!)) expect(fs.existsSync(f), f).toBe(true);
    }
    // The control document's own copy of the secret is embedded and found: the detectors work.
    const controlHtml = fs.readFileSync(path.join(out, 'control.html'), 'utf8');
    expect(decodedDataUris(controlHtml).some((d) => d.includes(CANARY)), 'control: a secret inside the folder is embedded').toBe(true);
    expect(spawnSync('pdftotext', [path.join(out, 'control.pdf'), '-'], { encoding: 'utf8' }).stdout).toContain(CANARY);
  }, EXPORT_LIMIT_MS + 30_000);

  it('embeds no file from outside the document folder in any output (pdftotext included)', () => {
    expect(Object.keys(outputs)).toHaveLength(2);
    for (const [name, files] of Object.entries(outputs)) {
      const html = fs.readFileSync(files.html, 'utf8');
      const md = fs.readFileSync(files.md, 'utf8');
      const pdf = fs.readFileSync(files.pdf);
      const text = spawnSync('pdftotext', ['-layout', files.pdf, '-'], { encoding: 'utf8' }).stdout;
      expect(text.length, `${name}.pdf has text`).toBeGreaterThan(10);
      for (const [where, content] of [
        ['html', html],
        ['md', md],
        ['pdf bytes', pdf.toString('latin1')],
        ['pdf text', text],
      ] as const) {
        expect(content.includes(CANARY), `${name} ${where} holds the secret`).toBe(false);
      }
      for (const data of decodedDataUris(html)) expect(data.includes(CANARY), `${name}.html embeds a secret file as data:`).toBe(false);
      // The symlinked and absolute-path secret PNG is 1x1 with a tEXt chunk: its bytes must not be in the HTML.
      expect(html.includes(secretPng().toString('base64').slice(0, 60)), `${name}.html embeds secret.png`).toBe(false);
    }
  });

  it('leaves no script, frame, refresh, base, remote stylesheet or remote image in the standalone HTML', () => {
    expect(Object.keys(outputs)).toHaveLength(2);
    for (const [name, files] of Object.entries(outputs)) {
      const html = fs.readFileSync(files.html, 'utf8');
      const body = html.slice(html.indexOf('<body'));
      expect(body, name).not.toMatch(/<script/i);
      expect(html, name).not.toMatch(/<iframe|<object|<embed|<frame|<base[\s>]|<link[^>]+(stylesheet|preload|prefetch)[^>]*http/i);
      expect(html, name).not.toMatch(/<meta[^>]+http-equiv\s*=\s*["']?refresh/i);
      expect(html, name).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html, name).not.toMatch(/(href|src|action|formaction)\s*=\s*["']?\s*(javascript|vbscript|data:text)/i);
      // CSS that could load something: @import and url(http…) in <style> and style="" (helper D strips them).
      expect(html, name).not.toMatch(/@import/i);
      expect(html, name).not.toMatch(/url\(\s*['"]?\s*(https?:|\/\/|file:)/i);
      expect(html, name).not.toMatch(/image-set\(/i);
      expect(tagsReachingServer(html, server.origin), `${name}: tags that would load from the network`).toEqual([]);
      const pdfText = spawnSync('pdftotext', [files.pdf, '-'], { encoding: 'utf8' }).stdout;
      expect(pdfText, `${name}.pdf: a script ran or a remote resource loaded`).not.toMatch(/PWNED|REMOTE-LOADED/);
      const info = spawnSync('pdfinfo', [files.pdf], { encoding: 'utf8' }).stdout;
      expect(info, `${name}.pdf title written by a script`).not.toMatch(/PWNED/);
    }
    expect(server.hits).toEqual([]);
  });

  const browser = chromiumPath();
  it.skipIf(!browser)('the exported HTML, opened in Chromium, makes no request and runs no script', async () => {
    expect(Object.keys(outputs)).toHaveLength(2);
    const b = await chromium.launch({ executablePath: browser!, args: ['--no-sandbox'] });
    try {
      for (const [name, files] of Object.entries(outputs)) {
        const page = await b.newPage();
        const requests: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith('data:') && r.url() !== `file://${files.html}`) requests.push(r.url());
        });
        await page.goto(`file://${files.html}`, { waitUntil: 'load' });
        await page.waitForTimeout(1000);
        expect(await page.title(), name).not.toBe('PWNED');
        expect(await page.evaluate(() => document.body.textContent ?? ''), name).not.toContain('PWNED');
        expect(requests, `${name}.html opened in Chromium requested`).toEqual([]);
        await page.close();
      }
      expect(server.hits, 'requests to the local server while the HTML was open').toEqual([]);
      // Control: this browser does reach the server when a page asks it to.
      const page = await b.newPage();
      await page.setContent(`<img src="${server.origin}/browser-control.png">`, { waitUntil: 'load' });
      expect(server.hits).toContain('GET /browser-control.png');
      server.hits.length = 0;
    } finally {
      await b.close();
    }
  }, 60_000);
});
