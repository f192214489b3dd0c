/**
 * The live preview's safety: Markdown (marked) or the document's HTML is parsed with
 * DOMParser (which runs nothing), stripped of scripts, frames, forms, event handlers and
 * script URLs, and then shown in an iframe sandboxed without allow-scripts. Either layer
 * alone keeps scripts from running; both together also keep the preview from navigating
 * or phoning home.
 */
import { marked } from 'marked';
import type { SourceFormat } from '../../../engine/api/types.ts';

const DROP_ELEMENTS = new Set([
  'script', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'link', 'meta', 'base',
  'form', 'input', 'button', 'select', 'textarea', 'style', 'template', 'portal', 'svg', 'math',
]);
const URL_ATTRIBUTES = new Set(['href', 'src', 'xlink:href', 'action', 'formaction', 'poster', 'background', 'cite', 'longdesc', 'srcset']);
const SAFE_URL = /^(?:https?:|mailto:|#|\/|\.{0,2}\/|[^:]*$)/i;
const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpe?g|webp);/i;

function cleanElement(el: Element): void {
  for (const attr of [...el.attributes]) {
    const name = attr.name.toLowerCase();
    const value = attr.value.replace(/[\u0000-\u0020]+/g, '');
    if (name.startsWith('on') || name === 'srcdoc' || name === 'style') {
      el.removeAttribute(attr.name);
    } else if (URL_ATTRIBUTES.has(name) && !(SAFE_URL.test(value) || (name === 'src' && SAFE_DATA_IMAGE.test(value)))) {
      el.removeAttribute(attr.name);
    }
  }
}

/** Safe HTML for the preview body. */
export function sanitizeHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const body = doc.body;
  for (const el of [...body.querySelectorAll('*')]) {
    if (!el.isConnected) continue;
    if (DROP_ELEMENTS.has(el.localName)) el.remove();
    else cleanElement(el);
  }
  return body.innerHTML;
}

export function renderPreviewHtml(source: string, format: SourceFormat): string {
  const html = format === 'md' ? (marked.parse(source, { async: false, gfm: true }) as string) : source;
  return sanitizeHtml(html);
}

/** The iframe's srcdoc: the sanitized body and the preview stylesheet (same origin, no inline CSS: CSP). */
export function previewDocument(bodyHtml: string, stylesheetHref: string, title: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><base target="_blank"><link rel="stylesheet" href="${esc(stylesheetHref)}"></head><body><main class="preview">${bodyHtml}</main></body></html>`;
}
