/**
 * The one model of an export: zod schemas that are the single source of the TypeScript types
 * (options, settings, stage data, the resolved spec), and the one pure function that resolves
 * what a job will run. Every merge, default and limit of an export option lives here; the
 * engine, the CLI, the hosts and the renderer's forms call it, none re-implements it.
 *
 * Resolution order, field by field, each layer over the one before:
 *   workflow stage defaults ← settings ← front matter ← the stage's saved options ← the call
 * Title and metadata: the document's title ← front matter ← the Details stage ← the call's `metadata`.
 *
 * @example
 * const spec = resolveExport(
 *   { documentId, stageId: 'export', title: doc.title, revision: doc.revision, format: 'md', source: { sha256, bytes } },
 *   { stage: stageDef.exportOptions, settings, saved: exportStageData, details: detailsData, defaultOutDir: '/home/ada/Quire' },
 * );
 * spec.formats; // ['pdf', 'html']  — what the job runs, stored on it, shown by the UI
 */
import { z } from 'zod';
import { Errors } from './errors.ts';
import { safeBaseName } from './output-names.ts';

// ---- options ------------------------------------------------------------------------------

export const EXPORT_FORMATS = ['pdf', 'html', 'md'] as const;
const exportFormatSchema = z.enum(EXPORT_FORMATS, { error: (issue) => `"${String(issue.input)}" is not an export format; use pdf, html or md` });
export type ExportFormat = z.infer<typeof exportFormatSchema>;

const SOURCE_FORMATS = ['md', 'html'] as const;
export const sourceFormatSchema = z.enum(SOURCE_FORMATS);
export type SourceFormat = z.infer<typeof sourceFormatSchema>;

export const PAGE_SIZES = ['A3', 'A4', 'A5', 'Letter', 'Legal', 'Tabloid'] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

/** Margins in millimetres: 0 (borderless) to 100 (more would leave no room on A5). */
export const MARGIN_LIMITS_MM = { min: 0, max: 100 } as const;
const mm = z.number().finite().min(MARGIN_LIMITS_MM.min).max(MARGIN_LIMITS_MM.max);
const marginsSchema = z.strictObject({ top: mm, right: mm, bottom: mm, left: mm });

const pdfOptionsSchema = z.strictObject({
  pageSize: z.enum(PAGE_SIZES, { error: (issue) => `"${String(issue.input)}" is not a page size; use ${PAGE_SIZES.join(', ')}` }),
  /** Margins in millimetres. */
  margins: marginsSchema,
  landscape: z.boolean(),
  printBackground: z.boolean(),
  /** Header with the title, footer with "page / total". */
  headerFooter: z.boolean(),
  /** PDF bookmarks built from the headings. */
  outline: z.boolean(),
  /** Tagged (accessible) PDF. */
  tagged: z.boolean(),
});
export type PdfOptions = z.infer<typeof pdfOptionsSchema>;

export const DEFAULT_PDF_OPTIONS: PdfOptions = {
  pageSize: 'A4',
  margins: { top: 18, right: 16, bottom: 18, left: 16 },
  landscape: false,
  printBackground: true,
  headerFooter: true,
  outline: true,
  tagged: true,
};

/** An absolute path on any OS: "/x", "C:\x", "C:/x" or "\\server\share". Relative folders mean nothing to a desktop app. */
function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

const folder = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(4096)
  .refine(isAbsolutePath, 'must be a full folder path, such as /home/ada/Documents or C:\\Users\\Ada\\Documents');

const formats = z.array(exportFormatSchema).min(1, 'needs at least one of pdf, html, md').max(EXPORT_FORMATS.length);

/** The built-in themes (resources/themes/<name>.css), each made for print and screen. */
export const THEMES = ['github', 'book', 'report'] as const;
export type ThemeName = (typeof THEMES)[number];
export const THEME_DESCRIPTIONS: Record<ThemeName, string> = {
  github: 'clean sans-serif, like a README on GitHub (the default)',
  book: 'serif text with generous margins, for long reading',
  report: 'compact sans-serif with numbered-looking headings, for reports and manuals',
};
const themeSchema = z.enum(THEMES, { error: (issue) => `"${String(issue.input)}" is not a theme; use ${THEMES.join(', ')}` });

/** A user CSS file layered over the theme: an absolute path, or (front matter only) one relative to the document's folder. */
const cssPathSchema = z.string().trim().min(1, 'is empty').max(4096);

/**
 * What any layer may ask for; every field optional. `outDir: null` means the default folder.
 * `fileName` is the output's base name (made safe for every OS when resolved).
 */
export const exportOptionsPatchSchema = z.strictObject({
  formats: formats.optional(),
  outDir: folder.nullable().optional(),
  fileName: z.string().trim().min(1).max(200).optional(),
  /** Replace a file at the output path that Quire did not write for this document (never a source). */
  overwrite: z.boolean().optional(),
  pdf: pdfOptionsSchema.partial().extend({ margins: marginsSchema.partial().optional() }).optional(),
  /** The look: one of THEMES. */
  theme: themeSchema.optional(),
  /** A table of contents after the title block, built from the headings. */
  toc: z.boolean().optional(),
  /** TeX math ($…$, $$…$$, \(…\), \[…\]) rendered with KaTeX; off: printed as written. */
  math: z.boolean().optional(),
  /** ```mermaid blocks rendered as diagrams; off: printed as code. */
  diagrams: z.boolean().optional(),
  /** Code blocks coloured by language. */
  highlight: z.boolean().optional(),
  /** A CSS file layered over the theme; null: none. */
  css: cssPathSchema.nullable().optional(),
});
export type ExportOptionsPatch = z.infer<typeof exportOptionsPatchSchema>;

/** A document's front matter may choose how it looks, never where it is written or what it replaces. */
const frontMatterOptionsSchema = exportOptionsPatchSchema.omit({ outDir: true, overwrite: true });

// ---- stage data -----------------------------------------------------------------------------

const STAGE_KINDS = ['write', 'details', 'export'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

const text = z.string().max(500, 'is longer than 500 characters');
/** A BCP 47 language tag such as en, pt-BR or zh-Hans. */
const langSchema = z.string().trim().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'is not a language tag such as en, de or zh-Hans');
const documentMetaSchema = z.strictObject({
  /** One or more authors, as shown ("Ada Lovelace, Charles Babbage"). */
  author: text.optional(),
  date: text.optional(),
  subtitle: text.optional(),
  /** What the document is about (PDF Subject, HTML description). */
  subject: z.string().max(2000, 'is longer than 2000 characters').optional(),
  keywords: z.array(z.string().trim().min(1, 'has an empty keyword').max(200, 'has a keyword longer than 200 characters')).max(100, 'has more than 100 keywords').optional(),
  /** The document's language (html lang, PDF /Lang); unset: guessed for CJK, else none. */
  lang: langSchema.optional(),
});
export type DocumentMeta = z.infer<typeof documentMetaSchema>;

/** What each stage kind keeps in its saved data. A saved state is checked against its kind's schema. */
export const STAGE_DATA_SCHEMAS = {
  write: z.strictObject({}),
  details: documentMetaSchema.extend({ title: text.optional() }),
  export: z.strictObject({ exportOptions: exportOptionsPatchSchema.optional() }),
} as const satisfies Record<StageKind, z.ZodType>;

export type StageDataOf<K extends StageKind> = z.infer<(typeof STAGE_DATA_SCHEMAS)[K]>;
export type WriteStageData = StageDataOf<'write'>;

/**
 * What one call may ask for: the options patch, plus title and metadata that sit over the
 * Details stage for this export only (CLI --title, --author …); never saved with the document.
 */
export const exportCallOptionsSchema = exportOptionsPatchSchema.extend({ metadata: STAGE_DATA_SCHEMAS.details.optional() });
export type ExportCallOptions = z.infer<typeof exportCallOptionsSchema>;
export type DetailsStageData = StageDataOf<'details'>;
export type ExportStageData = StageDataOf<'export'>;

/** "Details" for messages: the stage's title if known, else its id. */
function issueText(issue: z.core.$ZodIssue, withPath = true): string {
  const where = withPath && issue.path.length ? issue.path.join('.') : '';
  return where ? `${where} ${issue.message}` : issue.message;
}

/**
 * A stage's saved data checked against its kind's schema. Throws INVALID_STAGE_DATA naming the
 * stage and the field: never a crash further on, never silently dropped.
 */
export function parseStageData<K extends StageKind>(kind: K, stageTitle: string, data: unknown): StageDataOf<K> {
  const result = STAGE_DATA_SCHEMAS[kind].safeParse(data ?? {});
  if (result.success) return result.data as StageDataOf<K>;
  throw Errors.invalidStageData(stageTitle, result.error.issues.slice(0, 3).map((i) => issueText(i)).join('; '));
}

// ---- settings -------------------------------------------------------------------------------

export const CONCURRENCY_LIMITS = { min: 1, max: 16 } as const;
const concurrency = z
  .number({ error: `must be a whole number from ${CONCURRENCY_LIMITS.min} to ${CONCURRENCY_LIMITS.max}` })
  .int(`must be a whole number from ${CONCURRENCY_LIMITS.min} to ${CONCURRENCY_LIMITS.max}`)
  .min(CONCURRENCY_LIMITS.min, `must be a whole number from ${CONCURRENCY_LIMITS.min} to ${CONCURRENCY_LIMITS.max}`)
  .max(CONCURRENCY_LIMITS.max, `must be a whole number from ${CONCURRENCY_LIMITS.min} to ${CONCURRENCY_LIMITS.max}`);

/** How many jobs run at once, checked as the settings check it; the message is led by `label` ("--concurrency"). */
export function checkConcurrency(value: number, label: string): number {
  const result = concurrency.safeParse(value);
  if (result.success) return result.data;
  throw Errors.invalidOptions(`${label} ${result.error.issues[0]!.message}.`);
}

export const settingsSchema = z.strictObject({
  /** Where exports go when nothing else names a folder. */
  outputDir: folder,
  /** Formats every export stage starts with; null: each workflow's own (a quick note: PDF). */
  defaultFormats: formats.nullable(),
  pdf: pdfOptionsSchema,
  theme: z.enum(['system', 'light', 'dark']),
  /** Jobs run at once (takes effect at the next start). */
  concurrency,
  openFolderWhenDone: z.boolean(),
  /** Exports replace files at their output path that Quire did not write (never a source file). */
  overwriteOutputs: z.boolean(),
  /** How exports look unless a document or stage says otherwise (absent in settings saved before it: nothing). */
  exportStyle: exportOptionsPatchSchema
    .pick({ theme: true, toc: true, math: true, diagrams: true, highlight: true })
    .extend({ css: cssPathSchema.refine(isAbsolutePath, 'must be a full path, such as /home/ada/print.css').nullable().optional() })
    .default({}),
});
export type Settings = z.infer<typeof settingsSchema>;
export type Theme = Settings['theme'];

/** A settings patch over the current settings (pdf per field), checked; throws INVALID_OPTIONS naming the field. */
export function applySettingsPatch(current: Settings, patch: Partial<Settings>): Settings {
  const pdf = { ...current.pdf, ...patch.pdf, margins: { ...current.pdf.margins, ...patch.pdf?.margins } };
  const result = settingsSchema.safeParse({ ...current, ...patch, pdf });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw Errors.invalidOptions(`Setting ${issue.path.join('.')} is invalid: ${issue.message}`);
}

/** The export options a user's settings contribute (their layer in resolveExport). */
function settingsLayer(s: Settings): ExportOptionsPatch {
  return {
    ...(s.defaultFormats ? { formats: s.defaultFormats } : {}),
    outDir: s.outputDir,
    pdf: s.pdf,
    overwrite: s.overwriteOutputs,
    ...s.exportStyle,
  };
}

// ---- the resolved spec ------------------------------------------------------------------------

export const DEFAULT_STYLE_OPTIONS = { theme: 'github', toc: false, math: true, diagrams: true, highlight: true } as const;

const styleSchema = z.strictObject({
  theme: themeSchema,
  toc: z.boolean(),
  math: z.boolean(),
  diagrams: z.boolean(),
  highlight: z.boolean(),
  /**
   * The user's CSS over the theme: the file as it was when the job started (its text is kept
   * with the job, so a resume prints the same), or null. `from` says which layer named it.
   */
  css: z
    .strictObject({
      path: z.string().min(1).max(4096),
      from: z.enum(['stage', 'settings', 'frontMatter', 'saved', 'call']),
      text: z.string().max(1_000_000),
    })
    .nullable(),
});
export type ExportStyle = z.infer<typeof styleSchema>;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest');

const assetRefSchema = z.strictObject({
  /** The reference exactly as the document writes it (e.g. "images/a.png"). */
  ref: z.string().min(1).max(4096),
  sha256,
  bytes: z.number().int().min(0),
});
export type AssetRef = z.infer<typeof assetRefSchema>;

export const exportSpecSchema = z.strictObject({
  version: z.literal(1),
  documentId: z.string().min(1),
  stageId: z.string().min(1),
  formats: formats,
  /** Absolute folder the outputs go to. */
  outDir: folder,
  /** Base name of the outputs when the folder is free ("notes" → notes.pdf); the job records the one it got. */
  fileBase: z.string().min(1),
  overwrite: z.boolean(),
  pdf: pdfOptionsSchema,
  /** Theme, table of contents, math, diagrams, highlighting and user CSS (absent on specs stored before them: the defaults). */
  style: styleSchema.default({ ...DEFAULT_STYLE_OPTIONS, css: null }),
  /** One title for the PDF header, its metadata, and the HTML <title>. */
  title: z.string(),
  metadata: documentMetaSchema,
  /** The exact source the job exports: a snapshot kept with the job (null only on jobs from before 0006 that had ended). */
  source: z.strictObject({
    revision: z.number().int().min(0),
    format: sourceFormatSchema,
    sha256: sha256.nullable(),
    bytes: z.number().int().min(0),
  }),
  /** The document's files (images) by content, as they were when the export was started. */
  assets: z.array(assetRefSchema),
  /** The document's files that were not there (missing or refused at import), each with the warning the export gives. */
  // Defaults to none: a spec stored before the field existed still reads.
  unavailableAssets: z.array(z.strictObject({ ref: z.string().min(1).max(4096), warning: z.string().max(2000) })).default([]),
});
export type ExportSpec = z.infer<typeof exportSpecSchema>;

/** The options part of a spec: what a retry asks for again. */
export type ExportOptions = Pick<ExportSpec, 'formats' | 'outDir' | 'overwrite' | 'pdf'> & { fileName?: string };

export interface ExportSubject {
  documentId: string;
  stageId: string;
  /** The document's own title (its first heading or file name). */
  title: string;
  revision: number;
  format: SourceFormat;
  source: { sha256: string | null; bytes: number };
  assets?: AssetRef[];
  unavailableAssets?: ExportSpec['unavailableAssets'];
}

export interface ExportLayers {
  /** The workflow stage's defaults (StageDefinition.exportOptions). */
  stage?: ExportOptionsPatch;
  settings?: Settings;
  /** What the document's front matter asks for (parsed by the authoring step). */
  frontMatter?: { options?: unknown; title?: string; metadata?: unknown };
  /** The export stage's saved data ({ exportOptions }). */
  saved?: unknown;
  /** The Details stage's saved data (title, author, date, subtitle), if the workflow has one. */
  details?: unknown;
  /** This call's overrides (CLI flags, startExport's options). */
  call?: unknown;
  /** The folder used when no layer names one (the host's default output folder). */
  defaultOutDir: string;
}

/** Built-in defaults under every layer: a stage that names nothing exports all three formats, A4. */
const BUILT_IN_OPTIONS = {
  formats: [...EXPORT_FORMATS],
  outDir: null,
  overwrite: false,
  pdf: DEFAULT_PDF_OPTIONS,
  ...DEFAULT_STYLE_OPTIONS,
  css: null,
} as const satisfies ExportOptionsPatch;

function parseLayer<T>(schema: z.ZodType<T>, value: unknown, where: string, withPath = true): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw Errors.invalidOptions(`${where}: ${result.error.issues.slice(0, 3).map((i) => issueText(i, withPath)).join('; ')}.`);
}

/** The options of a patch that become the spec's `style`. */
const STYLE_OPTION_KEYS = ['theme', 'toc', 'math', 'diagrams', 'highlight', 'css'] as const satisfies ReadonlyArray<keyof ExportOptionsPatch>;

/** Field-by-field merge of option patches, later over earlier (margins side by side). */
export function mergeOptionPatches(...parts: Array<ExportOptionsPatch | undefined>): ExportOptionsPatch {
  const out: ExportOptionsPatch = {};
  for (const p of parts) {
    if (!p) continue;
    if (p.formats !== undefined) out.formats = [...p.formats];
    if (p.outDir !== undefined) out.outDir = p.outDir;
    if (p.fileName !== undefined) out.fileName = p.fileName;
    if (p.overwrite !== undefined) out.overwrite = p.overwrite;
    for (const key of STYLE_OPTION_KEYS) {
      if (p[key] !== undefined) (out as Record<string, unknown>)[key] = p[key];
    }
    if (p.pdf) {
      const margins = out.pdf?.margins || p.pdf.margins ? { ...out.pdf?.margins, ...p.pdf.margins } : undefined;
      out.pdf = { ...out.pdf, ...p.pdf, ...(margins ? { margins } : {}) };
    }
  }
  return out;
}

const byRef = (a: { ref: string }, b: { ref: string }) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);

const trimmed = (s: string | undefined) => (s && s.trim() ? s.trim() : undefined);

/**
 * Resolves what an export runs. Pure: no disk, no clock. Each layer is checked with its schema
 * first; a bad value throws INVALID_OPTIONS naming the layer and the field.
 */
export function resolveExport(subject: ExportSubject, layers: ExportLayers): ExportSpec {
  return resolvePreparedExport(subject, prepareExportLayers(layers), layers.call);
}

/** A layer checked once: its value, or the error resolving with it throws (in the layers' order). */
type Checked<T> = { ok: true; value: T } | { ok: false; error: unknown };

function check<T>(parse: () => T): Checked<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    return { ok: false, error };
  }
}

function take<T>(c: Checked<T>): T {
  if (!c.ok) throw c.error;
  return c.value;
}

/** Every layer but the call's, checked: what many exports of one document share (a batch). */
export interface PreparedLayers {
  readonly stage: Checked<ExportOptionsPatch>;
  readonly settings: Checked<ExportOptionsPatch | undefined>;
  readonly front: Checked<ExportOptionsPatch>;
  readonly saved: Checked<ExportOptionsPatch | undefined>;
  readonly details: Checked<DetailsStageData>;
  readonly frontMeta: Checked<DocumentMeta>;
  readonly frontMatterTitle: string | undefined;
  readonly defaultOutDir: string;
}

/**
 * Checks the layers other than the call once, for resolvePreparedExport to use with each
 * call's options; a bad layer's error is kept and thrown where resolveExport would throw it.
 *
 * @example
 * const prepared = prepareExportLayers({ stage, settings, saved, details, defaultOutDir });
 * const specs = calls.map((call) => resolvePreparedExport(subject, prepared, call));
 */
export function prepareExportLayers(layers: Omit<ExportLayers, 'call'>): PreparedLayers {
  return {
    stage: check(() => parseLayer(exportOptionsPatchSchema, layers.stage, 'The workflow stage defaults')),
    settings: check(() => (layers.settings ? settingsLayer(parseLayer(settingsSchema, layers.settings, 'The settings')) : undefined)),
    front: check(() => parseLayer(frontMatterOptionsSchema, layers.frontMatter?.options, "The document's front matter")),
    saved: check(() => parseLayer(STAGE_DATA_SCHEMAS.export, layers.saved, "The export stage's saved options").exportOptions),
    details: check(() => parseLayer(STAGE_DATA_SCHEMAS.details, layers.details, "The Details stage's saved data")),
    frontMeta: check(() => parseLayer(documentMetaSchema, layers.frontMatter?.metadata, "The document's front matter")),
    frontMatterTitle: layers.frontMatter?.title,
    defaultOutDir: layers.defaultOutDir,
  };
}

/** resolveExport with the layers checked by prepareExportLayers and this call's options. */
export function resolvePreparedExport(subject: ExportSubject, layers: PreparedLayers, callOptions: unknown): ExportSpec {
  const spec = buildSpec(subject, layers, checkCallOptions(callOptions));
  // Checking the spec whole is a net under buildSpec. A batch resolves many calls on one
  // document's layers, and the check cost ≈30 µs a job (issue #10, case 8), so it is skipped
  // once the layers are proven (below). A job's spec is checked again when it runs.
  if (layersProven(subject, layers)) return spec;
  return parseLayer(exportSpecSchema, spec, 'The resolved export');
}

/**
 * Every field of a spec comes from the call, checked by a schema with the spec's own rules for
 * that field, or from the layers and the subject. So once the spec of a call that sets nothing
 * (every field from the layers) passes the whole check unchanged, any call's spec on these
 * layers and this subject passes it too. Kept per layers object, for one subject object.
 */
function layersProven(subject: ExportSubject, layers: PreparedLayers): boolean {
  if (provenLayers.get(layers) === subject) return true;
  const bare = buildSpec(subject, layers, {});
  const result = exportSpecSchema.safeParse(bare);
  if (!result.success || !sameData(result.data, bare)) return false;
  provenLayers.set(layers, subject);
  return true;
}

/** Prepared layers whose call-free spec passed the whole check unchanged, with the subject it was for. */
const provenLayers = new WeakMap<PreparedLayers, ExportSubject>();

/** The same JSON-like data, whatever the order of keys (the check may rebuild objects in its own order). */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The spec of these layers with this call's checked options, not checked whole. Throws a bad layer's error. */
function buildSpec(subject: ExportSubject, layers: PreparedLayers, call: ExportCallOptions): ExportSpec {
  const stage = take(layers.stage);
  const settings = take(layers.settings);
  const front = take(layers.front);
  const saved = take(layers.saved);
  const details = take(layers.details);
  const frontMeta = take(layers.frontMeta);

  const merged = mergeOptionPatches(BUILT_IN_OPTIONS, stage, settings, front, saved, call);
  const callMeta = call.metadata ?? {};
  const title = trimmed(callMeta.title) ?? trimmed(details.title) ?? trimmed(layers.frontMatterTitle) ?? subject.title;
  const metadata: DocumentMeta = {};
  for (const key of ['author', 'date', 'subtitle', 'subject', 'lang'] as const) {
    const value = trimmed(callMeta[key]) ?? trimmed(details[key]) ?? trimmed(frontMeta[key]);
    if (value) metadata[key] = value;
  }
  const keywords = callMeta.keywords ?? details.keywords ?? frontMeta.keywords;
  if (keywords?.length) metadata.keywords = [...keywords];
  // Which layer named the CSS file: a relative path is only allowed from the front matter.
  const cssLayers = { stage, settings, frontMatter: front, saved, call } as const;
  let cssFrom: NonNullable<ExportStyle['css']>['from'] | null = null;
  for (const [name, layer] of Object.entries(cssLayers) as Array<[keyof typeof cssLayers, ExportOptionsPatch | undefined]>) {
    if (layer?.css !== undefined) cssFrom = layer.css === null ? null : name;
  }
  const spec: ExportSpec = {
    version: 1,
    documentId: subject.documentId,
    stageId: subject.stageId,
    // One order whatever order they were asked in: pdf, html, md.
    formats: EXPORT_FORMATS.filter((f) => merged.formats!.includes(f)),
    outDir: merged.outDir ?? layers.defaultOutDir,
    fileBase: safeBaseName(merged.fileName ?? title),
    overwrite: merged.overwrite ?? false,
    pdf: merged.pdf as PdfOptions,
    style: {
      theme: merged.theme!,
      toc: merged.toc!,
      math: merged.math!,
      diagrams: merged.diagrams!,
      highlight: merged.highlight!,
      // The text is read by the caller (job-spec.ts), which may touch the disk.
      css: merged.css && cssFrom ? { path: merged.css, from: cssFrom, text: '' } : null,
    },
    title,
    metadata,
    source: { revision: subject.revision, format: subject.format, sha256: subject.source.sha256, bytes: subject.source.bytes },
    assets: [...(subject.assets ?? [])].sort(byRef),
    unavailableAssets: [...(subject.unavailableAssets ?? [])].sort(byRef),
  };
  return spec;
}

/**
 * The call's options checked on their own, before anything is recorded (the CLI checks its
 * flags with this, so a bad --format is refused before a file is read).
 */
function checkCallOptions(options: unknown, where = 'The export request'): ExportCallOptions {
  return parseLayer(exportCallOptionsSchema, options, where);
}

/** One field of the call checked alone, its message led by `label` (a CLI flag: "--format"). */
export function checkCallOption<K extends keyof ExportCallOptions>(field: K, value: ExportCallOptions[K], label: string): ExportCallOptions[K] {
  const shape = exportCallOptionsSchema.shape[field] as z.ZodType<ExportCallOptions[K]>;
  return parseLayer(z.strictObject({ value: shape }), { value }, label, false).value;
}

/** One metadata field of the call checked alone (--author, --lang …), its message led by `label`. */
export function checkCallMetadata<K extends keyof DetailsStageData>(field: K, value: DetailsStageData[K], label: string): DetailsStageData[K] {
  const result = (STAGE_DATA_SCHEMAS.details.shape[field] as z.ZodType<DetailsStageData[K]>).safeParse(value);
  if (result.success) return result.data;
  // "--lang "en_US" is not a language tag …": the flag, the value and the rule in one line.
  const shown = typeof value === 'string' && value.length <= 60 ? ` "${value}"` : '';
  throw Errors.invalidOptions(`${label}${shown} ${result.error.issues[0]!.message}.`);
}

/** A spec read back from storage; a damaged one is an error naming the job, not a crash. */
export function parseStoredSpec(jobId: string, json: string): ExportSpec {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw Errors.invalidOptions(`The export settings stored with job ${jobId} are damaged (not JSON). Start the export again.`);
  }
  return parseLayer(exportSpecSchema, value, `The export settings stored with job ${jobId}`);
}
