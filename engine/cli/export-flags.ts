/**
 * `quire export`'s flags as the call's options (the top layer of resolveExport): each value is
 * checked by the one model's own rule (checkCallOption, checkCallMetadata), its message led by
 * the flag, so "--theme fancy" is refused before any file is read.
 *
 * @example
 * exportCallOptions({ theme: 'book', toc: true, math: false, keywords: 'a, b' }, '/home/ada');
 * // { theme: 'book', toc: true, math: false, metadata: { keywords: ['a', 'b'] } }
 */
import path from 'node:path';
import { Errors } from '../api/errors.ts';
import { MARGIN_LIMITS_MM, PAGE_SIZES, checkCallMetadata, checkCallOption, type DetailsStageData, type ExportCallOptions, type PageSize } from '../api/export-spec.ts';

/** The export command's flag values (args.ts: a string, or true/false for a switch and its --no- form). */
export interface ExportFlagValues {
  theme?: string;
  css?: string;
  toc?: boolean;
  math?: boolean;
  diagrams?: boolean;
  highlight?: boolean;
  'page-size'?: string;
  margins?: string;
  landscape?: boolean;
  'header-footer'?: boolean;
  title?: string;
  subtitle?: string;
  author?: string;
  date?: string;
  subject?: string;
  keywords?: string;
  lang?: string;
}

const MARGINS_USAGE = `--margins takes millimetres from ${MARGIN_LIMITS_MM.min} to ${MARGIN_LIMITS_MM.max}: one number for every side ("15") or four, top,right,bottom,left ("20,15,20,15")`;

/** "--margins 15" or "20,15,20,15" as margins in millimetres. */
function parseMargins(text: string): { top: number; right: number; bottom: number; left: number } {
  const parts = text.split(',').map((s) => s.trim());
  const numbers = parts.map((s) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN));
  if ((numbers.length !== 1 && numbers.length !== 4) || numbers.some((n) => !(n >= MARGIN_LIMITS_MM.min && n <= MARGIN_LIMITS_MM.max))) {
    throw Errors.invalidOptions(`${MARGINS_USAGE} (got "${text}").`);
  }
  const [top, right = top, bottom = top, left = top] = numbers;
  return { top, right, bottom, left };
}

/**
 * The call's options from the flags given (absent flags add nothing, so the settings, the
 * front matter and the Details stage still apply). `--css` becomes a full path against `cwd`;
 * whether the file can be read is checked by the caller (user-css.ts), with the other inputs.
 */
export function exportCallOptions(values: ExportFlagValues, cwd: string): ExportCallOptions {
  const options: ExportCallOptions = {};
  if (values.theme !== undefined) options.theme = checkCallOption('theme', values.theme.trim().toLowerCase() as ExportCallOptions['theme'], '--theme');
  if (values.css !== undefined) options.css = checkCallOption('css', values.css.trim() ? path.resolve(cwd, values.css.trim()) : '', '--css');
  for (const key of ['toc', 'math', 'diagrams', 'highlight'] as const) {
    if (values[key] !== undefined) options[key] = values[key];
  }

  const pdf: NonNullable<ExportCallOptions['pdf']> = {};
  if (values['page-size'] !== undefined) {
    // "a4" and "letter" are what people type; the model's names are A4 and Letter.
    const typed = values['page-size'].trim();
    const size = PAGE_SIZES.find((s) => s.toLowerCase() === typed.toLowerCase()) ?? typed;
    pdf.pageSize = checkCallOption('pdf', { pageSize: size as PageSize }, '--page-size')!.pageSize;
  }
  if (values.margins !== undefined) pdf.margins = checkCallOption('pdf', { margins: parseMargins(values.margins) }, '--margins')!.margins;
  if (values.landscape !== undefined) pdf.landscape = values.landscape;
  if (values['header-footer'] !== undefined) pdf.headerFooter = values['header-footer'];
  if (Object.keys(pdf).length) options.pdf = pdf;

  const metadata: DetailsStageData = {};
  for (const key of ['title', 'subtitle', 'author', 'date', 'subject', 'lang'] as const) {
    if (values[key] !== undefined) metadata[key] = checkCallMetadata(key, values[key].trim(), `--${key}`);
  }
  if (values.keywords !== undefined) {
    const list = values.keywords.split(',').map((k) => k.trim()).filter(Boolean);
    metadata.keywords = checkCallMetadata('keywords', list, '--keywords');
  }
  if (Object.keys(metadata).length) options.metadata = metadata;
  return options;
}
