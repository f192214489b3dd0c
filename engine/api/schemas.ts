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
import { exportCallOptionsSchema, settingsSchema, sourceFormatSchema } from './export-spec.ts';

export { settingsSchema };

const id = z.string().min(1).max(200);
/** 10 MB of text: the same limit as a file import. */
const source = z.string().max(10 * 1024 * 1024);
const sourceFormat = sourceFormatSchema;
// Which kind's schema applies depends on the document's workflow: the engine checks it with
// parseStageData, whose message names the stage and the field.
const stageData = z.record(z.string(), z.unknown());
/** Base64 characters one addDocumentAssets call may carry (the renderer batches well below it). */
export const MAX_ASSET_CALL_BASE64 = 24 * 1024 * 1024;
const startExportRequest = z.strictObject({ documentId: id, stageId: id, options: exportCallOptionsSchema.optional() });

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
  // At most 64 files and 24 MB of base64 per call (the browser host's WebSocket takes 32 MB
  // messages): a folder's images go in several calls.
  addDocumentAssets: z.tuple([
    id,
    z
      .array(z.strictObject({ path: z.string().min(1).max(1024), data: z.string().max(MAX_ASSET_CALL_BASE64).regex(/^[A-Za-z0-9+/]*={0,2}$/) }))
      .min(1)
      .max(64)
      .refine((files) => files.reduce((n, f) => n + f.data.length, 0) <= MAX_ASSET_CALL_BASE64, 'more than 24 MB of base64 in one call: send the files in several calls'),
  ]),
  getStageStates: z.tuple([id]),
  saveStageState: z.tuple([
    id,
    id,
    z.strictObject({ status: z.enum(['pending', 'in_progress', 'done']).optional(), data: stageData.optional() }),
  ]),
  resolveExport: z.tuple([startExportRequest]),
  startExport: z.tuple([startExportRequest]),
  previewDocument: z.tuple([
    z.strictObject({
      documentId: id,
      source: source.optional(),
      format: sourceFormat.optional(),
      // Only a same-origin stored-asset address: the preview's CSP allows no other image source.
      imageUrl: z.string().max(500).regex(/^(?:\/[a-z-]+)+\/\{sha256\}(?:\?token=[A-Za-z0-9._~%-]+)?$/, 'must look like /document-assets/{sha256}?token=…').optional(),
    }),
  ]),
  cancelExport: z.tuple([id]),
  retryExport: z.tuple([id]),
  listJobs: z.tuple([z.strictObject({ documentId: id.optional(), limit: z.number().int().min(1).max(1000).optional() }).optional()]),
  listJobsPage: z.tuple([
    z
      .strictObject({
        documentId: id.optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        // An opaque cursor listJobsPage returned (base64url of two numbers).
        cursor: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/).optional(),
      })
      .optional(),
  ]),
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
