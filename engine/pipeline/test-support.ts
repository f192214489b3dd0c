/** Helpers shared by the pipeline's tests (not used by the product). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The content of <main class="quire-content"> in an export HTML (what golden files hold). */
export function mainOf(html: string): string {
  const open = '<main class="quire-content">\n';
  const from = html.indexOf(open);
  const to = html.lastIndexOf('\n</main>');
  if (from < 0 || to < from) throw new Error('no <main class="quire-content"> in the HTML');
  return html.slice(from + open.length, to);
}

/**
 * Counts Markdown headings line by line (ATX and setext, also inside block quotes), skipping
 * fenced code and HTML comments. Deliberately independent of marked, so a test can compare.
 */
export function countMarkdownHeadings(src: string): number {
  let fence: string | null = null;
  let comment = false;
  let prev = '';
  let n = 0;
  for (const raw of src.split(/\r?\n/)) {
    if (comment) {
      if (raw.includes('-->')) comment = false;
      prev = '';
      continue;
    }
    if (!fence && /^ {0,3}<!--/.test(raw) && !raw.includes('-->')) {
      comment = true;
      prev = '';
      continue;
    }
    const line = raw.replace(/^( {0,3}> ?)+/, '');
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length && /^ {0,3}[`~]+\s*$/.test(line)) fence = null;
      prev = '';
      continue;
    }
    if (m) {
      fence = m[1];
      prev = '';
      continue;
    }
    if (/^ {0,3}#{1,6}(\s|$)/.test(line)) n++;
    else if (/^ {0,3}(=+|-+)\s*$/.test(line) && prev.trim() !== '' && !/^ {0,3}([-*_+]|\d+[.)]|>|#)/.test(prev) && !prev.includes('|')) n++;
    prev = line;
  }
  return n;
}

/** The bits of a DOM the tests read; jsdom ships no types and tsconfig has no DOM lib. */
export interface TestElement {
  tagName: string;
  attributes: ArrayLike<{ name: string; value: string }>;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<TestElement>;
}
export interface TestDocument extends TestElement {
  title: string;
  documentElement: TestElement;
  body: TestElement;
}

/** Parses HTML with jsdom (a real HTML5 parser, dev dependency), scripts off. */
export async function parseWithJsdom(html: string): Promise<TestDocument> {
  const { JSDOM } = (await import('jsdom' as string)) as { JSDOM: new (html: string) => { window: { document: TestDocument } } };
  return new JSDOM(html).window.document;
}

const URL_ATTRIBUTES = new Set(['href', 'xlink:href', 'src', 'action', 'formaction', 'data', 'poster', 'background', 'values', 'to', 'from', 'cite']);

/** Elements and attributes a browser could run script with, found anywhere in `doc`. */
export function activeContent(doc: TestElement): string[] {
  const found: string[] = [];
  for (const el of Array.from(doc.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'applet', 'base', 'meta', 'form'].includes(tag)) {
      // The export's own head carries two metas; callers pass a fragment or the body.
      found.push(`<${tag}>`);
    }
    for (const a of Array.from(el.attributes)) {
      const value = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
      if (a.name.toLowerCase().startsWith('on')) found.push(`${tag}[${a.name}]`);
      else if (/^(javascript|vbscript|data:text)/.test(value) && URL_ATTRIBUTES.has(a.name.toLowerCase())) {
        found.push(`${tag}[${a.name}=${a.value}]`);
      } else if (['srcdoc', 'formaction', 'action', 'http-equiv'].includes(a.name.toLowerCase())) found.push(`${tag}[${a.name}]`);
    }
  }
  return found;
}

/** A GFM table `columns` wide with one row, ~24 bytes per column (the slow case of the Markdown converter). */
export function wideTableMarkdown(columns: number): string {
  const cells = (f: (i: number) => string) => `| ${Array.from({ length: columns }, (_, i) => f(i)).join(' | ')} |`;
  return `# Wide\n\n${cells((i) => `h${i}`)}\n${cells(() => '---')}\n${cells((i) => `v${i}`)}\n`;
}

/** One problem the Nu HTML Checker reported. */
export interface VnuMessage {
  file: string;
  type: string;
  message: string;
  line?: number;
}

/**
 * Runs the Nu HTML Checker (npm vnu-jar, on the machine's Java) on HTML files and returns its
 * errors (warnings are left out). One JVM for all the files: it takes a few seconds to start.
 */
export async function vnuErrors(files: string[]): Promise<VnuMessage[]> {
  const { execFile } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const jar = createRequire(import.meta.url).resolve('vnu-jar/build/dist/vnu.jar');
  const out = await new Promise<string>((resolve, reject) => {
    execFile('java', ['-Xss4m', '-jar', jar, '--errors-only', '--format', 'json', '--exit-zero-always', ...files], { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`vnu could not run: ${err.message}\n${stderr}`)) : resolve(stderr),
    );
  });
  const parsed = JSON.parse(out) as { messages: Array<{ url?: string; type: string; message: string; lastLine?: number }> };
  return parsed.messages
    .filter((m) => m.type === 'error' || m.type === 'non-document-error')
    .map((m) => ({ file: (m.url ?? '').replace(/^file:/, ''), type: m.type, message: m.message, ...(m.lastLine ? { line: m.lastLine } : {}) }));
}
