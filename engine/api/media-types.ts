/**
 * The image types Quire embeds, and the one check for an inline image (`data:image/…`):
 * used by the export pipeline (what it embeds and keeps), and by the renderer's preview
 * sanitizer, so the preview keeps exactly the images an export keeps. Pure TypeScript.
 *
 * @example
 * isDataImageUri('data:image/png;base64,iVBOR…'); // true
 * isDataImageUri('data:text/html,<script>…');     // false
 */

/** Every image type Quire embeds, by MIME type. */
export const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/svg+xml'] as const;

export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

/** The same list in words, for messages: "png, jpeg, gif, webp, avif, bmp or svg". */
export const IMAGE_TYPE_NAMES = ((names: string[]) => `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`)(
  IMAGE_MEDIA_TYPES.map((t) => t.slice('image/'.length).replace(/\+xml$/, '')),
);

const DATA_IMAGE = new RegExp(`^data:(?:${IMAGE_MEDIA_TYPES.map((t) => t.replace(/[+/]/g, '\\$&')).join('|')})[;,]`, 'i');

/**
 * Whether `url` is an inline image of a type Quire embeds. The caller decides about
 * whitespace: the value is tested as given.
 */
export function isDataImageUri(url: string): boolean {
  return DATA_IMAGE.test(url);
}
