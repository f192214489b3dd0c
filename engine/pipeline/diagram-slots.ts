/**
 * Where the export HTML's Mermaid figures are (markdown-render.ts writes them), by a few indexOf
 * calls: cheap, and free of the sanitizer, so the main thread's modules (the job runner, the
 * preview) load without it. diagrams.ts replaces them by their drawn SVG, in a worker.
 *
 * @example
 * findDiagrams(html); // ['graph TD\n A-->B']
 */

/** What every diagram figure starts with; a document without it has no diagrams. */
export const DIAGRAM_MARK = '<figure class="quire-diagram"';

/** One figure: where its <pre> block is, and its source (entities decoded). */
export interface DiagramSlot {
  preStart: number;
  preEnd: number;
  source: string;
}

const FIGURE = /<figure class="quire-diagram"[^>]*>\s*(<pre\b[^>]*>\s*<code\b[^>]*>([\s\S]*?)<\/code>\s*<\/pre>)/y;

/** The document's diagram figures in order; one not shaped as markdown-render.ts writes them is skipped. */
export function slots(html: string): DiagramSlot[] {
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

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Text of a <code> element: only character references, since the figure's code holds no tags. */
function decodeText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref.toLowerCase()] ?? all;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}
