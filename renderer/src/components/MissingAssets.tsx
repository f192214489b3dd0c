import { useId, useState, type ChangeEvent } from 'react';
import type { QuireDocument } from '../../../engine/api/types.ts';
import { filesFromInput } from '../lib/folder-import.ts';
import { addImages, unresolvedAssets } from '../store/asset-actions.ts';

/**
 * The images a document refers to that Quire does not have (imported without them, or
 * refused), each with the reason, and pickers to add them: files or a whole folder.
 */
export function MissingAssets({ doc }: { doc: QuireDocument }) {
  const open = unresolvedAssets(doc);
  const headingId = useId();
  const filesId = useId();
  const folderId = useId();
  const [busy, setBusy] = useState(false);
  if (!open.length) return null;

  const onPick = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const files = filesFromInput(input.files ?? []);
    if (files.length) {
      setBusy(true);
      await addImages(doc.id, files);
      setBusy(false);
    }
    input.value = '';
  };

  return (
    <section className="missing-assets card" aria-labelledby={headingId} data-testid="missing-assets">
      <h2 id={headingId} className="label">
        {open.length === 1 ? '1 image is missing' : `${open.length} images are missing`}
      </h2>
      <ul className="missing-list">
        {open.map((a) => (
          <li key={a.ref} data-testid="missing-asset" data-status={a.status}>
            <code>{a.ref}</code>
            <span className="muted small"> — {a.problem ?? (a.status === 'refused' ? 'refused' : 'not added yet')}</span>
          </li>
        ))}
      </ul>
      <div className="form-row">
        <div className="field">
          <label htmlFor={filesId} className="file-label">
            Add images…
          </label>
          <input id={filesId} type="file" multiple accept="image/*,.svg" disabled={busy} onChange={(e) => void onPick(e)} />
        </div>
        <div className="field">
          <label htmlFor={folderId} className="file-label">
            Add a folder of images…
          </label>
          {/* webkitdirectory is not in React's typings: set it as a plain attribute. */}
          <input id={folderId} type="file" multiple disabled={busy} {...{ webkitdirectory: '' }} onChange={(e) => void onPick(e)} />
        </div>
      </div>
      <p className="muted small">Files are matched to the list by their path in the folder, or by their name.</p>
    </section>
  );
}
