/**
 * The Write stage's preview: the engine renders the text through the export's own pipeline
 * (engine/jobs/document-preview.ts), with stored images at the host's address.
 */
import type { PreviewDocumentResult } from '../../../engine/api/contract.ts';
import type { SourceFormat } from '../../../engine/api/types.ts';
import { previewImageUrl } from './asset-actions.ts';
import { quire } from './quire-client.ts';

/** How long the text must stay unchanged before the preview is asked for. */
export const PREVIEW_DEBOUNCE_MS = 300;

export function requestPreview(documentId: string, source: string, format: SourceFormat): Promise<PreviewDocumentResult> {
  const imageUrl = previewImageUrl();
  return quire().previewDocument({ documentId, source, format, ...(imageUrl ? { imageUrl } : {}) });
}

/** What the preview says when it cannot show the text: the engine's message, never a stack. */
export function previewErrorMessage(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (err?.code === 'TRANSPORT_CLOSED') return 'Not connected to Quire right now; the preview will update once it has reconnected.';
  // The contract's size limit (engine/api/schemas.ts), the same as a document's.
  if (err?.code === 'INVALID_PAYLOAD' && typeof err.message === 'string' && /\bsource\b/.test(err.message)) {
    return 'The text is too long to preview (more than 10 MB); the preview shows the last text that fit.';
  }
  const message = typeof err?.message === 'string' ? err.message.split('\n')[0]! : 'The preview could not be rendered.';
  return message.length > 300 ? `${message.slice(0, 297)}...` : message;
}
