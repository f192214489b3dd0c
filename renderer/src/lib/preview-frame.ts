/**
 * The engine's preview page (previewDocument: a standalone export-style page, sanitized by the
 * export's own policy) shown in the Write stage's iframe.
 *
 * An iframe's srcdoc document inherits the app page's CSP, whose `style-src 'self'` refuses
 * inline `<style>` and `style=""`, and the export's theme, KaTeX layout and diagrams live in
 * exactly those. The engine hands them over apart from the markup (engine/jobs/preview-styles.ts;
 * parsing the page here would itself be reported as violations), and they are put back through
 * the CSSOM once the page has loaded: constructed style sheets and `element.style` are not
 * markup, and CSP does not govern them. Nothing runs either way: the iframe has no
 * allow-scripts, and the page's own CSP allows no script.
 *
 * @example
 * <iframe sandbox="allow-same-origin" srcDoc={preview.html} onLoad={(e) => applyFrameStyles(e.currentTarget, preview.styles)} />
 */

const STYLE_ATTR = 'data-quire-style';

type SheetWindow = Window & { CSSStyleSheet: { new (): CSSStyleSheet & { replaceSync(css: string): void } } };

/** Puts the page's styles back into the loaded iframe (same origin: allow-same-origin). */
export function applyFrameStyles(frame: HTMLIFrameElement, styles: string[]): void {
  const doc = frame.contentDocument;
  const win = frame.contentWindow as SheetWindow | null;
  if (!doc || !win) return;
  // A sheet can only be adopted by the document whose window constructed it.
  if (typeof win.CSSStyleSheet === 'function' && 'adoptedStyleSheets' in doc) {
    const sheets = styles.map((css) => {
      const sheet = new win.CSSStyleSheet();
      sheet.replaceSync(css);
      return sheet;
    });
    (doc as Document & { adoptedStyleSheets: CSSStyleSheet[] }).adoptedStyleSheets = sheets;
  }
  for (const el of doc.querySelectorAll(`[${STYLE_ATTR}]`)) {
    (el as HTMLElement).style.cssText = el.getAttribute(STYLE_ATTR) ?? '';
  }
}
