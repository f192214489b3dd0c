/**
 * Output file names made from titles and file names: pure string rules, no disk. A name
 * made here never leaves the output folder (no separator, no "..", no drive letter, no
 * leading dot), is not a name Windows reserves (CON, AUX, LPT1, …), and fits in 255 bytes
 * with the longest extension and a " (NNNNN)" suffix, so the same name works on every OS the
 * file may be copied to.
 *
 * @example
 * const base = safeBaseName('../Q3: "final"?');   // 'Q3- -final'
 * nthName(base, 2);                                // 'Q3- -final (2)'
 */

/** The file-name limit of ext4, APFS, NTFS (in UTF-16 units there; bytes are the stricter). */
export const MAX_NAME_BYTES = 255;
/** ".html", the longest extension we write. */
const LONGEST_EXT_BYTES = '.html'.length;
/** Room for " (99999)": the suffix never pushes a name over the limit. */
const SUFFIX_BYTES = ' (99999)'.length;
export const MAX_BASE_BYTES = MAX_NAME_BYTES - LONGEST_EXT_BYTES - SUFFIX_BYTES;
/** Beyond this many namesakes in one folder something is wrong; stop instead of looping. */
export const MAX_NAME_NUMBER = 99_999;
/** Titles are cut to this many characters to keep names readable (as before). */
const MAX_BASE_CHARS = 80;

/** Windows reserves these device names, also with any extension and in any case. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/**
 * Characters that become "-": path separators, what Windows forbids, C0/C1 controls, and
 * bidirectional overrides (a name that displays as "exe.pdf" while being "fdp.exe").
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|\u202a-\u202e\u2066-\u2069]+/g;

// One of each: making a Segmenter costs more than segmenting a title (a batch names thousands).
// Made on first use: loading ICU's break rules costs ~15 ms, which a start naming only ASCII files skips.
let segmenter: Intl.Segmenter | null | undefined;
const graphemeSegmenter = () => (segmenter ??= typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null);
const ENCODER = new TextEncoder();

/** Printable ASCII: every character a grapheme of its own (no combining marks, no CR LF pair). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function graphemes(s: string): string[] {
  if (PRINTABLE_ASCII.test(s)) return s.split('');
  const seg = graphemeSegmenter();
  if (seg) return Array.from(seg.segment(s), (g) => g.segment);
  return Array.from(s); // code points: never half a surrogate pair
}

function utf8Bytes(s: string): number {
  return ENCODER.encode(s).byteLength;
}

/** Cuts to at most `maxBytes` of UTF-8, on a character (grapheme) boundary. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8Bytes(s) <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const g of graphemes(s)) {
    const n = utf8Bytes(g);
    if (used + n > maxBytes) break;
    out += g;
    used += n;
  }
  return out;
}

/** Leading dots (hidden files, ".."), dashes and spaces; trailing ones too (Windows drops dots and spaces). */
function trimEnds(s: string): string {
  return s.replace(/^[\s.-]+/u, '').replace(/[\s.-]+$/u, '');
}

/**
 * The base name (without extension) for a title or a file's name: one path segment that
 * stays inside the folder it is joined to, on every OS. Never empty ("document").
 */
export function safeBaseName(title: string): string {
  let s = SAFE_NAMES.get(title);
  if (s === undefined) {
    // A batch names thousands of jobs from a few titles (grapheme splitting is the cost).
    if (SAFE_NAMES.size >= SAFE_NAMES_MAX) SAFE_NAMES.clear();
    SAFE_NAMES.set(title, (s = computeSafeBaseName(title)));
  }
  return s;
}
const SAFE_NAMES = new Map<string, string>();
const SAFE_NAMES_MAX = 1_000;

function computeSafeBaseName(title: string): string {
  let s = title.normalize('NFC').replace(UNSAFE, '-').replace(/\s+/g, ' ');
  s = trimEnds(s);
  s = graphemes(s).slice(0, MAX_BASE_CHARS).join('');
  s = trimEnds(truncateUtf8(s, MAX_BASE_BYTES));
  if (!s) return 'document';
  // "aux.txt" is as reserved as "aux": the device name is the part before the first dot.
  const stem = s.split('.')[0]!.replace(/\s+$/, '');
  if (RESERVED.test(stem)) s = trimEnds(truncateUtf8(`${stem}_${s.slice(stem.length)}`, MAX_BASE_BYTES));
  return s;
}

/** The n-th candidate for a base: n = 1 is the base itself, then "base (2)", "base (3)", … */
export function nthName(base: string, n: number): string {
  return n <= 1 ? base : `${base} (${n})`;
}
