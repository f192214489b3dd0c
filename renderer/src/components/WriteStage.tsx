import { useDeferredValue, useId, useMemo } from 'react';
import { previewDocument, renderPreviewHtml } from '../lib/sanitize.ts';
import { previewImageResolver } from '../store/asset-actions.ts';
import { editDocument } from '../store/saving.ts';
import { useQuireStore } from '../store/store.ts';
import { MissingAssets } from './MissingAssets.tsx';

/** Title and source with a live preview; every change is saved after a pause. */
export function WriteStage({ documentId }: { documentId: string }) {
  const doc = useQuireStore((s) => s.docs[documentId]);
  const titleId = useId();
  const sourceId = useId();
  const helpId = useId();
  const source = useDeferredValue(doc?.source ?? '');
  const format = doc?.format ?? 'md';
  const assets = doc?.assets;
  // Re-made when the stored images change (added ones appear) or the host's address is known.
  const hostInfo = useQuireStore((s) => s.hostInfo);
  const images = useMemo(() => previewImageResolver(assets ?? []), [assets, hostInfo]);
  const srcDoc = useMemo(
    () => previewDocument(renderPreviewHtml(source, format, images ?? undefined), new URL('preview.css', document.baseURI).href, 'Preview'),
    [source, format, images],
  );
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
          {/* No allow-scripts: nothing in the document can run, even if the sanitizer missed it. */}
          <iframe className="preview-frame" title="Preview of the document" sandbox="allow-same-origin" srcDoc={srcDoc} data-testid="preview" />
        </div>
      </div>
      <MissingAssets doc={doc} />
    </div>
  );
}
