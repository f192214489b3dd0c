/**
 * The pathological documents of issue 11, generated into a folder at test time (never
 * committed as big files). Each case says what it is, which formats it is exported to, and
 * what a user must get: a completed export, or a refusal whose message names the problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { FULL } from './input-support.ts';

/** The CI slice shrinks the super-linear cases (marked's emphasis and bracket scans) tenfold. */
const SCALE = FULL ? 1 : 0.1;
const n = (count: number) => Math.round(count * SCALE);

export interface PathologicalCase {
  name: string;
  /** What the file is, for the test title and the figures. */
  what: string;
  /** The Markdown/HTML file to export (written by `write`). */
  file: string;
  formats: string;
  /** Full mode only (too slow or too big for the CI slice). */
  fullOnly?: boolean;
  /** A refusal is acceptable only when its message matches this (it names the problem). */
  refusal?: RegExp;
  /** When the export must complete (no refusal allowed). */
  mustComplete?: boolean;
  write(dir: string): void;
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A tiny, valid-looking PNG whose header claims `w`×`h` pixels (a decompression bomb if a decoder believed it). */
export function hugeDimensionPng(w = 0x7fff_fff0, h = 0x7fff_fff0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  // A few KB of zlib data that inflates to 64 MB of zero rows: the rest of the "image" is missing.
  const idat = zlib.deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** The classic "billion laughs": ten levels of ten references, 10^9 "lol"s if expanded. */
export const BILLION_LAUGHS_SVG = `<?xml version="1.0"?>
<!DOCTYPE svg [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="0" y="20">&lol9;</text></svg>
`;

const write = (dir: string, name: string, text: string | Buffer) => fs.writeFileSync(path.join(dir, name), text);

export const PATHOLOGICAL_CASES: PathologicalCase[] = [
  {
    name: 'deep-blockquote',
    what: '10,000 nested blockquotes (">" ×10,000)',
    file: 'deep-blockquote.md',
    formats: 'html,md,pdf',
    refusal: /(too deep|nest|level)/i,
    write: (d) => write(d, 'deep-blockquote.md', `# Deep quotes\n\n${'>'.repeat(10_000)} bottom\n`),
  },
  {
    name: 'deep-list',
    what: '20,000 nested list markers ("* " ×20,000)',
    file: 'deep-list.md',
    formats: 'html,md',
    refusal: /(too deep|nest|level)/i,
    write: (d) => write(d, 'deep-list.md', `# Deep list\n\n${'* '.repeat(20_000)}bottom\n`),
  },
  {
    name: 'deep-html',
    what: '10,000 nested <div> and <span> elements',
    file: 'deep-html.md',
    formats: 'html,md',
    fullOnly: true,
    refusal: /(too deep|nest|level)/i,
    write: (d) => write(d, 'deep-html.md', `# Deep HTML\n\n${'<div>'.repeat(10_000)}x${'</div>'.repeat(10_000)}\n\n<p>${'<span>'.repeat(10_000)}y</p>\n`),
  },
  {
    name: 'wide-table',
    what: 'a table of 5,000 columns and 20 rows',
    file: 'wide-table.md',
    formats: 'html,md,pdf',
    fullOnly: true,
    // 100,000 cells: the PDF may hit its time limit, which must then say so.
    refusal: /(took longer|too large|split)/i,
    write: (d) => {
      const cols = 5_000;
      const row = (f: (i: number) => string) => `|${Array.from({ length: cols }, (_, i) => f(i)).join('|')}|`;
      const rows = [row((i) => `h${i}`), row(() => '---'), ...Array.from({ length: 20 }, (_, r) => row((i) => `${r}.${i}`))];
      write(d, 'wide-table.md', `# Wide table\n\n${rows.join('\n')}\n`);
    },
  },
  {
    name: 'many-lines',
    what: 'a 100,000-line file (headings, paragraphs, list items, code)',
    file: 'many-lines.md',
    formats: 'html,md',
    fullOnly: true,
    mustComplete: true,
    write: (d) => {
      const lines: string[] = ['# Many lines', ''];
      for (let i = 0; lines.length < 100_000; i++) {
        if (i % 500 === 0) lines.push(`## Part ${i / 500}`, '');
        else if (i % 7 === 0) lines.push(`- item ${i} with *emphasis* and \`code\``);
        else lines.push(`Line ${i} of plain text, long enough to wrap once or twice in a paragraph.`);
      }
      write(d, 'many-lines.md', `${lines.join('\n')}\n`);
    },
  },
  {
    name: 'nul-bytes',
    what: 'NUL bytes inside text, a heading and a code block',
    file: 'nul-bytes.md',
    formats: 'html,md,pdf',
    refusal: /(binary|NUL|not (a )?text)/i,
    write: (d) => write(d, 'nul-bytes.md', '# Nul\u0000 heading\n\nText with a NUL \u0000 byte and \u0000\u0000 two.\n\n```\ncode \u0000 here\n```\n'),
  },
  {
    name: 'emphasis-runs',
    what: `pathological emphasis: "*a**a*" ×${n(20_000)}, "_a__" ×${n(20_000)}, ${n(50_000)} unclosed "**"`,
    file: 'emphasis-runs.md',
    formats: FULL ? 'html,md,pdf' : 'html,md',
    // marked's emphasis scan is super-linear: at full size the step's time limit may stop it, and must say so.
    refusal: /(took longer|too complex|split)/i,
    write: (d) => write(d, 'emphasis-runs.md', `# Emphasis\n\n${'*a**a*'.repeat(n(20_000))}\n\n${'_a__'.repeat(n(20_000))}\n\n${'**'.repeat(n(50_000))}x\n\n${'*'.repeat(n(30_000))}a${'_'.repeat(n(30_000))}\n`),
  },
  {
    name: 'link-runs',
    what: `${n(20_000)} link reference definitions, ${n(50_000)} references, ${n(30_000)} unclosed "[" and "![["`,
    file: 'link-runs.md',
    formats: 'html,md',
    refusal: /(took longer|too complex|split)/i,
    write: (d) => {
      const defs = Array.from({ length: n(20_000) }, (_, i) => `[r${i}]: https://example.invalid/${i} "t${i}"`).join('\n');
      const refs = Array.from({ length: n(50_000) }, (_, i) => `[x][r${i % n(20_000)}]`).join(' ');
      write(d, 'link-runs.md', `# Links\n\n${refs}\n\n${'['.repeat(n(30_000))}a${']('.repeat(n(10_000))}\n\n${'![['.repeat(n(10_000))}\n\n${defs}\n`);
    },
  },
  {
    name: 'huge-line',
    what: 'a 50 MB single line',
    file: 'huge-line.md',
    formats: 'html,md',
    // Larger than any document Quire takes (10 MB): refused before anything is written.
    refusal: /(too large|larger|MB|limit)/i,
    write: (d) => write(d, 'huge-line.md', 'x'.repeat(50 * 1024 * 1024)),
  },
  {
    name: 'long-line',
    what: 'a 9 MB single line of words (just under the 10 MB document limit)',
    file: 'long-line.md',
    formats: 'html,md,pdf',
    fullOnly: true,
    // Not "nested too deeply": a long line is not nested.
    refusal: /^(?![\s\S]*nested too deep)[\s\S]*(too large|too long|larger|limit|took longer|split)/i,
    write: (d) => write(d, 'long-line.md', `# Long line\n\n${'word '.repeat((9 * 1024 * 1024) / 5)}\n`),
  },
  {
    name: 'png-bomb',
    what: 'a 64 KB PNG claiming 2,147,483,632 × 2,147,483,632 pixels, as a file and as a data: URI',
    file: 'png-bomb.md',
    formats: 'html,md,pdf',
    mustComplete: true,
    write: (d) => {
      const png = hugeDimensionPng();
      write(d, 'bomb.png', png);
      write(d, 'png-bomb.md', `# PNG bomb\n\n![file](bomb.png)\n\n![inline](data:image/png;base64,${png.toString('base64')})\n\nafter the images\n`);
    },
  },
  {
    name: 'huge-data-uri',
    what: 'a 9 MB base64 data: URI image inline in the text',
    file: 'huge-data-uri.md',
    formats: 'html,md,pdf',
    refusal: /^(?![\s\S]*nested too deep)[\s\S]*(too large|too long|larger|limit|took longer|split)/i,
    write: (d) => {
      const png = hugeDimensionPng(4000, 4000);
      const pad = Buffer.alloc(6.5 * 1024 * 1024 - png.length, 0);
      write(d, 'huge-data-uri.md', `# Data URI\n\n![big](data:image/png;base64,${Buffer.concat([png, pad]).toString('base64')})\n\nafter the image\n`);
    },
  },
  {
    name: 'svg-bomb',
    what: 'an SVG billion-laughs entity bomb, as an image file and inline in the document',
    file: 'svg-bomb.md',
    formats: 'html,md,pdf',
    mustComplete: true,
    write: (d) => {
      write(d, 'lol.svg', BILLION_LAUGHS_SVG);
      // Inline: the raw SVG markup (with its DOCTYPE) straight in the Markdown.
      write(d, 'svg-bomb.md', `# SVG bomb\n\n![laughs](lol.svg)\n\n${BILLION_LAUGHS_SVG.replace(/^<\?xml[^>]*>\n/, '')}\n\nafter the bomb\n`);
    },
  },
];
