import { useEffect, useId, useRef, useState } from 'react';
import type { PreviewDocumentResult } from '../../../engine/api/contract.ts';
import { applyFrameStyles } from '../lib/preview-frame.ts';
import { PREVIEW_DEBOUNCE_MS, previewErrorMessage, requestPreview } from '../store/preview-actions.ts';
import { editDocument } from '../store/saving.ts';
import { useQuireStore } from '../store/store.ts';
import { MissingAssets } from './MissingAssets.tsx';

/**
 * The engine's rendering of `source`, asked for once the text has been still for a moment;
 * the last good page stays while a newer one is on its way, or when one fails.
 */
function useEnginePreview(documentId: string, source: string | undefined, format: 'md' | 'html') {
  const [page, setPage] = useState<PreviewDocumentResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Stored images added, the host's address known, a reconnect: render again.
  // A string, so a save that returns the same assets in a new array asks for nothing.
  const assets = useQuireStore((s) => s.docs[documentId]?.assets.map((a) => `${a.ref}:${a.status}:${a.sha256}`).join('\n'));
  const hostInfo = useQuireStore((s) => s.hostInfo);
  const connection = useQuireStore((s) => s.connection);
  // The title block and metadata come from the saved document (title, front matter): each save renders again.
  const revision = useQuireStore((s) => s.docs[documentId]?.revision);
  const latest = useRef(0);
  useEffect(() => {
    if (source === undefined || connection !== 'open') return;
    const request = ++latest.current;
    const timer = setTimeout(() => {
      requestPreview(documentId, source, format).then(
        (result) => {
          if (request !== latest.current) return;
          setPage(result);
          setError(null);
        },
        (e: unknown) => {
          // A newer request replaced this one: its answer is on the way.
          if (request !== latest.current || (e as { code?: unknown } | null)?.code === 'PREVIEW_SUPERSEDED') return;
          setError(previewErrorMessage(e));
        },
      );
    }, PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [documentId, source, format, assets, hostInfo, connection, revision]);
  return { page, error };
}

/** Title and source with a live preview; every change is saved after a pause. */
export function WriteStage({ documentId }: { documentId: string }) {
  const doc = useQuireStore((s) => s.docs[documentId]);
  const titleId = useId();
  const sourceId = useId();
  const helpId = useId();
  const previewErrorId = useId();
  const format = doc?.format ?? 'md';
  const preview = useEnginePreview(documentId, doc?.source, format);
  const frame = preview.page;
  const frameRef = useRef<HTMLIFrameElement>(null);
  // Where the reader was, so a new rendering does not jump back to the top.
  const scrollY = useRef(0);
  const onFrameLoad = () => {
    const el = frameRef.current;
    if (!el || !frame) return;
    applyFrameStyles(el, frame.styles);
    el.contentWindow?.scrollTo?.(0, scrollY.current);
    el.contentWindow?.addEventListener('scroll', () => {
      scrollY.current = el.contentWindow?.scrollY ?? 0;
    });
  };
  if (!doc) return null;
  return (
    <div className="write">
      <div className="field">
        <label htmlFor={titleId}>Document title</label>
        <input id={titleId} value={doc.title} maxLength={500} onChange={(e) => editDocument(documentId, { title: e.target.value })} />
      </div>
      <div className="editor-split">
        <div className="field editor-pane">
          <label htmlFor={sourceId}>{doc.format === 'md' ? 'Markdown' : 'HTML'} source</label>
          <textarea
            id={sourceId}
            className="source"
            value={doc.source}
            spellCheck
            aria-describedby={helpId}
            onChange={(e) => editDocument(documentId, { source: e.target.value })}
          />
          <p id={helpId} className="muted small">
            Saved automatically as you type.
          </p>
        </div>
        <div className="preview-pane">
          <p className="label" id={`${sourceId}-preview`}>
            Preview
          </p>
          {preview.error && (
            <p id={previewErrorId} className="field-error" role="alert" data-testid="preview-error">
              {preview.error}
            </p>
          )}
          {/* No allow-scripts: nothing in the document can run, even if the sanitizer missed it.
              allow-same-origin: the page's styles are put back through the CSSOM (preview-frame.ts). */}
          <iframe
            ref={frameRef}
            className="preview-frame"
            title="Preview of the document"
            sandbox="allow-same-origin"
            srcDoc={frame?.html ?? ''}
            onLoad={onFrameLoad}
            aria-describedby={preview.error ? previewErrorId : undefined}
            aria-busy={frame === null}
            data-testid="preview"
          />
        </div>
      </div>
      <MissingAssets doc={doc} />
    </div>
  );
}
