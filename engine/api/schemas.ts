/**
 * zod schemas for every QuireApi call's arguments, checked on the receiving side of any
 * transport. A bad payload becomes QuireError INVALID_PAYLOAD naming the field, never a crash.
 *
 * @example
 * serve(api, transport, { methods: API_METHODS, events: API_EVENTS, validate: validateCall });
 */
import { z } from 'zod';
import { Errors } from './errors.ts';
import type { ApiMethod } from './contract.ts';
import { EXPORT_FORMATS, PAGE_SIZES } from './types.ts';

const id = z.string().min(1).max(200);
const format = z.enum(EXPORT_FORMATS as [string, ...string[]]);
const margins = z.strictObject({
  top: z.number().min(0).max(100),
  right: z.number().min(0).max(100),
  bottom: z.number().min(0).max(100),
  left: z.number().min(0).max(100),
});
const pdfOptions = z.strictObject({
  pageSize: z.enum(PAGE_SIZES as [string, ...string[]]),
  margins,
  landscape: z.boolean(),
  printBackground: z.boolean(),
  headerFooter: z.boolean(),
  outline: z.boolean(),
  tagged: z.boolean(),
});
const exportOptionsPatch = z.strictObject({
  formats: z.array(format).min(1).max(3).optional(),
  outDir: z.string().min(1).max(4096).nullable().optional(),
  fileName: z.string().min(1).max(200).optional(),
  overwrite: z.boolean().optional(),
  pdf: pdfOptions.partial().extend({ margins: margins.partial().optional() }).optional(),
});
/** 10 MB of text: the same limit as a file import. */
const source = z.string().max(10 * 1024 * 1024);
const sourceFormat = z.enum(['md', 'html']);
const stageData = z.record(z.string(), z.unknown());

export const settingsSchema = z.strictObject({
  outputDir: z.string().min(1).max(4096),
  defaultFormats: z.array(format).min(1).max(3),
  pdf: pdfOptions,
  theme: z.enum(['system', 'light', 'dark']),
  concurrency: z.number().int().min(1).max(16),
  openFolderWhenDone: z.boolean(),
  overwriteOutputs: z.boolean(),
});

export const CALL_SCHEMAS: Record<ApiMethod, z.ZodTuple> = {
  listWorkflows: z.tuple([]),
  listDocuments: z.tuple([]),
  getDocument: z.tuple([id]),
  createDocument: z.tuple([
    z.strictObject({ title: z.string().max(500), source, format: sourceFormat, workflowId: id.optional() }),
  ]),
  importDocument: z.tuple([z.strictObject({ fileName: z.string().min(1).max(500), content: source, workflowId: id.optional() })]),
  saveDocument: z.tuple([id, z.strictObject({ title: z.string().max(500).optional(), source: source.optional() })]),
  deleteDocument: z.tuple([id]),
  getStageStates: z.tuple([id]),
  saveStageState: z.tuple([
    id,
    id,
    z.strictObject({ status: z.enum(['pending', 'in_progress', 'done']).optional(), data: stageData.optional() }),
  ]),
  startExport: z.tuple([z.strictObject({ documentId: id, stageId: id, options: exportOptionsPatch.optional() })]),
  cancelExport: z.tuple([id]),
  retryExport: z.tuple([id]),
  listJobs: z.tuple([z.strictObject({ documentId: id.optional(), limit: z.number().int().min(1).max(1000).optional() }).optional()]),
  getJob: z.tuple([id]),
  getSettings: z.tuple([]),
  updateSettings: z.tuple([settingsSchema.partial()]),
  getHostInfo: z.tuple([]),
  openOutput: z.tuple([z.string().min(1).max(4096)]),
  showOutputInFolder: z.tuple([z.string().min(1).max(4096)]),
};

/** Validates one call's arguments; throws INVALID_PAYLOAD with the first problems. */
export function validateCall(method: string, args: unknown[]): unknown[] {
  const schema = CALL_SCHEMAS[method as ApiMethod];
  if (!schema) throw Errors.invalidPayload(method, 'unknown method');
  // Optional trailing arguments may be omitted entirely.
  const result = schema.safeParse(args);
  if (result.success) return result.data as unknown[];
  const issues = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? `argument ${i.path.join('.')}` : 'arguments'}: ${i.message}`)
    .join('; ');
  throw Errors.invalidPayload(method, issues);
}
