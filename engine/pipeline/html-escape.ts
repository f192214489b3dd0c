/**
 * Escaping for markup the engine writes itself (title blocks, image placeholders, listings).
 * Untrusted markup never goes through here: it goes through sanitize.ts.
 *
 * @example
 * `<p title="${escapeAttr(t)}">${escapeText(t)}</p>`
 */

/** Escapes text for an element's content. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes a decoded value for a double-quoted attribute. */
export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
