/**
 * The preview page with its styles taken out of the markup, for the Write stage's iframe.
 *
 * That iframe's srcdoc document inherits the app page's CSP, whose `style-src 'self'` refuses
 * inline `<style>` and `style=""` (where the export's theme, KaTeX layout and diagrams live);
 * the app cannot parse the page to move them either, since any HTML parse in that page
 * reports each one as a violation. So the engine moves them here, with htmlparser2, and the
 * renderer puts them back through the CSSOM (constructed sheets, `element.style`), which CSP
 * does not govern (renderer/src/lib/preview-frame.ts). Only offsets are used: the page is
 * otherwise returned byte for byte.
 *
 * @example
 * splitStyles('<style>p{color:red}</style><p style="margin:0">x</p>');
 * // { html: '<p data-quire-style="margin:0">x</p>', styles: ['p{color:red}'] }
 */
import { Parser } from 'htmlparser2';

/** The attribute a `style` attribute becomes (the renderer reads it back). */
export const STYLE_DATA_ATTRIBUTE = 'data-quire-style';

/** One attribute of a start tag's source: its name, and its value quoted or not (consumed, so nothing inside it matches). */
const ATTRIBUTE = /(\s+)([^\s"'>/=]+)(\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;

export function splitStyles(html: string): { html: string; styles: string[] } {
  const styles: string[] = [];
  /** Source ranges to replace, in order: [start, end (exclusive), replacement]. */
  const edits: Array<[number, number, string]> = [];
  let styleStart = -1;
  let styleText = '';
  let parser: Parser | null = null;
  parser = new Parser(
    {
      onopentag(name, attribs) {
        const p = parser!;
        if (name === 'style') {
          styleStart = p.startIndex;
          styleText = '';
        } else if (Object.hasOwn(attribs, 'style')) {
          const tag = html.slice(p.startIndex, p.endIndex + 1);
          const renamed = tag.replace(ATTRIBUTE, (all, space: string, attr: string, value: string | undefined) =>
            attr.toLowerCase() === 'style' ? `${space}${STYLE_DATA_ATTRIBUTE}${value ?? ''}` : all,
          );
          if (renamed !== tag) edits.push([p.startIndex, p.endIndex + 1, renamed]);
        }
      },
      ontext(text) {
        if (styleStart >= 0) styleText += text;
      },
      onclosetag(name) {
        if (name !== 'style' || styleStart < 0) return;
        styles.push(styleText);
        // An implied close (end of input) has no source of its own: cut to the end.
        edits.push([styleStart, Math.min(html.length, parser!.endIndex + 1), '']);
        styleStart = -1;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  let out = '';
  let at = 0;
  for (const [start, end, replacement] of edits) {
    if (start < at) continue;
    out += html.slice(at, start) + replacement;
    at = end;
  }
  return { html: out + html.slice(at), styles };
}
