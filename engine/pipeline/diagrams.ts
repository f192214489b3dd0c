/**
 * The export HTML's Mermaid figures (markdown-render.ts writes them), found and replaced by
 * their drawn SVG. Finding is a few indexOf calls and runs on the main thread; inlining
 * sanitizes every SVG and copies the whole document, so it runs in a pipeline worker.
 *
 * @example
 * const sources = findDiagrams(html);            // ['graph TD\n A-->B']
 * const out = inlineDiagrams(html, [svgOrNull]); // the figure's <pre> becomes <div class="quire-diagram-svg"><svg …></div>
 */
import { sanitizeHtml } from './sanitize.ts';

/** What every diagram figure starts with; a document without it has no diagrams. */
export const DIAGRAM_MARK = '<figure class="quire-diagram"';

/** One figure: where its <pre> block is, and its source (entities decoded). */
interface DiagramSlot {
  preStart: number;
  preEnd: number;
  source: string;
}

const FIGURE = /<figure class="quire-diagram"[^>]*>\s*(<pre\b[^>]*>\s*<code\b[^>]*>([\s\S]*?)<\/code>\s*<\/pre>)/y;

function slots(html: string): DiagramSlot[] {
  const found: DiagramSlot[] = [];
  for (let at = html.indexOf(DIAGRAM_MARK); at >= 0; at = html.indexOf(DIAGRAM_MARK, at + 1)) {
    FIGURE.lastIndex = at;
    const m = FIGURE.exec(html);
    // A figure without the <pre><code> shape (written by hand in raw HTML) is left as it is.
    if (!m) continue;
    const preStart = at + m[0].length - m[1].length;
    found.push({ preStart, preEnd: at + m[0].length, source: decodeText(m[2]) });
  }
  return found;
}

/** The Mermaid sources of the document's diagram figures, in document order. */
export function findDiagrams(html: string): string[] {
  if (!html.includes(DIAGRAM_MARK)) return [];
  return slots(html).map((s) => s.source);
}

/**
 * `html` with figure n's <pre> replaced by `svgs[n]`, sanitized, in a
 * `<div class="quire-diagram-svg">`; a null entry (a diagram that failed) keeps its code.
 * The figure itself (and a figcaption) stays.
 */
export function inlineDiagrams(html: string, svgs: ReadonlyArray<string | null>): string {
  const found = slots(html);
  if (found.length !== svgs.length) {
    throw new Error(`the document has ${found.length} diagram(s) but ${svgs.length} were drawn`);
  }
  const parts: string[] = [];
  let from = 0;
  found.forEach((slot, i) => {
    const svg = svgs[i];
    if (svg == null) return;
    parts.push(html.slice(from, slot.preStart), `<div class="quire-diagram-svg">${sanitizeHtml(svg).html}</div>`);
    from = slot.preEnd;
  });
  parts.push(html.slice(from));
  return parts.join('');
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Text of a <code> element: only character references, since the figure's code holds no tags. */
function decodeText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref.toLowerCase()] ?? all;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}
