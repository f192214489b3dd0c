/**
 * The live preview's safety: Markdown (marked) or the document's HTML is parsed with
 * DOMParser (which runs nothing), stripped of scripts, frames, forms, event handlers and
 * script URLs, and then shown in an iframe sandboxed without allow-scripts. Either layer
 * alone keeps scripts from running; both together also keep the preview from navigating
 * or phoning home.
 */
import { marked } from 'marked';
import { isDataImageUri } from '../../../engine/api/media-types.ts';
import type { SourceFormat } from '../../../engine/api/types.ts';

const DROP_ELEMENTS = new Set([
  'script', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'link', 'meta', 'base',
  'form', 'input', 'button', 'select', 'textarea', 'style', 'template', 'portal', 'svg', 'math',
]);
const URL_ATTRIBUTES = new Set(['href', 'src', 'xlink:href', 'action', 'formaction', 'poster', 'background', 'cite', 'longdesc', 'srcset']);
const SAFE_URL = /^(?:https?:|mailto:|#|\/|\.{0,2}\/|[^:]*$)/i;

/**
 * Inline images: the same types an export embeds, svg included, so the preview shows what
 * the export will. An SVG loaded through <img src> is an image document: the browser runs
 * none of its scripts and loads nothing it references, and the iframe allows no scripts.
 * (Inline <svg> elements stay dropped: those would be live markup in the page.)
 */
function cleanElement(el: Element): void {
  for (const attr of [...el.attributes]) {
    const name = attr.name.toLowerCase();
    const value = attr.value.replace(/[\u0000-\u0020]+/g, '');
    if (name.startsWith('on') || name === 'srcdoc' || name === 'style') {
      el.removeAttribute(attr.name);
    } else if (URL_ATTRIBUTES.has(name) && !(SAFE_URL.test(value) || (name === 'src' && isDataImageUri(value)))) {
      el.removeAttribute(attr.name);
    }
  }
}

/**
 * Where a document's own image (a relative reference) loads from in the preview: the stored
 * file's address on the host, or null when it is missing. Only an address of that one shape
 * is ever written back, so the resolver cannot widen what the sanitizer lets through.
 */
export type ImageResolver = (ref: string) => string | null;
const STORED_ASSET_URL = /^\/[a-z-]+\/[0-9a-f]{64}(?:\?token=[A-Za-z0-9._~%-]+)?$/;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

function resolveImage(img: Element, resolve: ImageResolver): void {
  const src = img.getAttribute('src');
  if (src === null || src === '' || HAS_SCHEME.test(src) || src.startsWith('//') || src.startsWith('#')) return;
  const url = resolve(src);
  img.removeAttribute('srcset');
  if (url !== null && STORED_ASSET_URL.test(url)) {
    img.setAttribute('src', url);
    return;
  }
  // Missing: its alt text (or its name) in a dashed box, never a request to the host for the ref.
  img.removeAttribute('src');
  img.setAttribute('class', 'missing-image');
  img.setAttribute('title', `Image not added yet: ${src}`);
  if (!img.getAttribute('alt')) img.setAttribute('alt', `Missing image: ${src}`);
}

/** Safe HTML for the preview body; with `images`, the document's own images point at their stored copies. */
export function sanitizeHtml(html: string, images?: ImageResolver): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const body = doc.body;
  for (const el of [...body.querySelectorAll('*')]) {
    if (!el.isConnected) continue;
    if (DROP_ELEMENTS.has(el.localName)) el.remove();
    else {
      cleanElement(el);
      if (images && el.localName === 'img') resolveImage(el, images);
    }
  }
  return body.innerHTML;
}

export function renderPreviewHtml(source: string, format: SourceFormat, images?: ImageResolver): string {
  const html = format === 'md' ? (marked.parse(source, { async: false, gfm: true }) as string) : source;
  return sanitizeHtml(html, images);
}

/** The iframe's srcdoc: the sanitized body and the preview stylesheet (same origin, no inline CSS: CSP). */
export function previewDocument(bodyHtml: string, stylesheetHref: string, title: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><base target="_blank"><link rel="stylesheet" href="${esc(stylesheetHref)}"></head><body><main class="preview">${bodyHtml}</main></body></html>`;
}
