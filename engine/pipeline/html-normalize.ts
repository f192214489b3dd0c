/**
 * HTML in one canonical spelling, to compare two renderings of the same document the way the
 * CommonMark spec's own test tools do (test/normalize.py): parsed with htmlparser2, entities
 * decoded, attributes sorted, whitespace runs collapsed to one space outside <pre>, and
 * whitespace next to block-level tags dropped; href/src are compared %-decoded (marked
 * %-encodes what the spec's reference HTML writes as is: the same URL). Used by the CommonMark round-trip measurement.
 *
 * @example
 * normalizeHtml('<p>a  &amp;\n b</p>\n<img src="x" alt="y" />'); // '<p>a &amp; b</p><img alt="y" src="x">'
 */
import { parseDocument } from 'htmlparser2';
import type { ChildNode, Element } from 'domhandler';

/** normalize.py's block-level tags: whitespace beside them does not render. */
const BLOCK = new Set(
  'article header aside hgroup blockquote hr iframe body li map button object canvas ol caption output col p colgroup pre dd progress div section dl table td dt tbody embed textarea fieldset tfoot figcaption th figure tr footer ul form h1 h2 h3 h4 h5 h6 video script style thead html head'.split(' '),
);
const VOID = new Set('area base br col embed hr img input link meta source track wbr'.split(' '));

/** One URL, two spellings ("%C3%B6" and "ö"): the same link, compared decoded. */
const URL_ATTRS = new Set(['href', 'src']);
function decodeUrl(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');

const isBlock = (n: ChildNode | null | undefined) => !!n && n.type === 'tag' && BLOCK.has((n as Element).name);

function serialize(nodes: ChildNode[], parentBlock: boolean, inPre: boolean): string {
  let out = '';
  nodes.forEach((node, k) => {
    if (node.type === 'text') {
      let text = node.data;
      // normalize.py: a line break right after <br> is the break itself.
      const prev = nodes[k - 1];
      if (prev?.type === 'tag' && (prev as Element).name === 'br') text = text.replace(/^\n+/, '');
      if (!inPre) {
        text = text.replace(/\s+/g, ' ');
        if ((k === 0 && parentBlock) || isBlock(nodes[k - 1])) text = text.replace(/^ /, '');
        if ((k === nodes.length - 1 && parentBlock) || isBlock(nodes[k + 1])) text = text.replace(/ $/, '');
      }
      out += escapeText(text);
    } else if (node.type === 'comment') {
      out += `<!--${node.data}-->`;
    } else if (node.type === 'directive') {
      out += `<${node.data}>`;
    } else if (node.type === 'cdata') {
      out += serialize(node.children, false, inPre);
    } else if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
      const el = node as Element;
      const attrs = Object.entries(el.attribs)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => [name, URL_ATTRS.has(name) ? decodeUrl(value) : value])
        .map(([name, value]) => (value === '' ? ` ${name}` : ` ${name}="${escapeAttr(value)}"`))
        .join('');
      out += `<${el.name}${attrs}>`;
      if (VOID.has(el.name)) return;
      out += serialize(el.children, BLOCK.has(el.name), inPre || el.name === 'pre');
      out += `</${el.name}>`;
    }
  });
  return out;
}

export function normalizeHtml(html: string): string {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true });
  return serialize(doc.children, true, false).trim();
}
