/**
 * The export HTML's Mermaid figures (found by diagram-slots.ts) replaced by their drawn SVG.
 * Inlining sanitizes every SVG and copies the whole document, so it runs in a pipeline worker.
 *
 * @example
 * const sources = findDiagrams(html);            // ['graph TD\n A-->B'] (diagram-slots.ts)
 * const out = inlineDiagrams(html, [svgOrNull]); // the figure's <pre> becomes <div class="quire-diagram-svg"><svg …></div>
 */
import { slots } from './diagram-slots.ts';
import { sanitizeHtml } from './sanitize.ts';

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
