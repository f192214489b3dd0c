import { useId, useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import type { DocumentSummary } from '../../../engine/api/types.ts';
import { filesFromDrop, filesFromInput } from '../lib/folder-import.ts';
import { formatTime } from '../lib/format.ts';
import { importChosenFiles, importFolder } from '../store/asset-actions.ts';
import { createDocument, deleteDocument, renameDocument } from '../store/documents-actions.ts';
import { navigate } from '../store/routing.ts';
import { useQuireStore } from '../store/store.ts';
import { useFocusHeading } from './useFocusHeading.ts';

export function Library() {
  const heading = useFocusHeading<HTMLHeadingElement>('library');
  const documents = useQuireStore((s) => s.documents);
  const loaded = useQuireStore((s) => s.documentsLoaded);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    if (!e.dataTransfer) return;
    // Read the entries now: the DataTransfer is emptied once this handler returns.
    const dropped = filesFromDrop(e.dataTransfer);
    const plain = [...e.dataTransfer.files];
    void dropped.then(({ files, hadFolder }) => (hadFolder ? importFolder(files) : plain.length ? importChosenFiles(plain) : undefined));
  };
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');

  return (
    <div
      className={`library${dragging ? ' is-dragging' : ''}`}
      data-testid="library"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        dragDepth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <h1 ref={heading} tabIndex={-1}>
        Library
      </h1>
      <div className="library-actions">
        <NewDocumentForm />
        <ImportBox dragging={dragging} />
      </div>
      <section aria-labelledby="documents-heading" className="card">
        <h2 id="documents-heading">Documents</h2>
        {!loaded ? (
          <p className="muted">Loading…</p>
        ) : documents.length === 0 ? (
          <p className="muted">No documents yet. Create one above, or import a Markdown or HTML file.</p>
        ) : (
          <ul className="doc-list" aria-label="Documents">
            {documents.map((d) => (
              <DocumentRow key={d.id} doc={d} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function NewDocumentForm() {
  const workflows = useQuireStore((s) => s.workflows);
  const [title, setTitle] = useState('');
  const [workflowId, setWorkflowId] = useState('report');
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const workflowFieldId = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    const id = await createDocument(title, workflowId);
    setBusy(false);
    if (id) setTitle('');
  };
  return (
    <section aria-labelledby="new-doc-heading" className="card">
      <h2 id="new-doc-heading">New document</h2>
      <form onSubmit={submit} className="form-row">
        <div className="field grow">
          <label htmlFor={titleId}>Title</label>
          <input id={titleId} value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Quarterly report" maxLength={500} />
        </div>
        <div className="field">
          <label htmlFor={workflowFieldId}>Workflow</label>
          <select id={workflowFieldId} value={workflowId} onChange={(e) => setWorkflowId(e.target.value)}>
            {(workflows.length ? workflows : [{ id: 'report', title: 'Report' }]).map((w) => (
              <option key={w.id} value={w.id}>
                {w.title}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Create document
        </button>
      </form>
    </section>
  );
}

function ImportBox({ dragging }: { dragging: boolean }) {
  const inputId = useId();
  const folderId = useId();
  const input = useRef<HTMLInputElement>(null);
  return (
    <section aria-labelledby="import-heading" className={`card drop-zone${dragging ? ' is-active' : ''}`} data-testid="drop-zone">
      <h2 id="import-heading">Import</h2>
      <p className="muted">Drop .md or .html files anywhere on this page, or a folder or .zip to bring their images along. Or choose them:</p>
      <label htmlFor={inputId} className="file-label">
        Import files (.md, .html)
      </label>
      <input
        ref={input}
        id={inputId}
        type="file"
        multiple
        accept=".md,.markdown,.txt,.html,.htm,.zip,text/markdown,text/html,text/plain,application/zip"
        onChange={async (e) => {
          const files = [...(e.target.files ?? [])];
          if (files.length) await importChosenFiles(files);
          if (input.current) input.current.value = '';
        }}
      />
      <label htmlFor={folderId} className="file-label">
        Import a folder (documents and their images)
      </label>
      <input
        id={folderId}
        type="file"
        multiple
        // webkitdirectory is not in React's typings: set it as a plain attribute.
        {...{ webkitdirectory: '' }}
        onChange={async (e) => {
          const target = e.currentTarget;
          const files = filesFromInput(target.files ?? []);
          if (files.length) await importFolder(files);
          target.value = '';
        }}
      />
    </section>
  );
}

function DocumentRow({ doc }: { doc: DocumentSummary }) {
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [title, setTitle] = useState(doc.title);
  const renameId = useId();
  const open = () => navigate({ name: 'document', documentId: doc.id, stageId: null });

  const saveRename = async () => {
    if (await renameDocument(doc.id, title)) setMode('view');
  };
  const onRenameKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      setTitle(doc.title);
      setMode('view');
    }
  };

  return (
    <li className="doc-row" data-testid="document-row" data-document-id={doc.id}>
      {mode === 'rename' ? (
        <form
          className="form-row grow"
          onSubmit={(e) => {
            e.preventDefault();
            void saveRename();
          }}
        >
          <div className="field grow">
            <label htmlFor={renameId}>New title for “{doc.title}”</label>
            <input id={renameId} value={title} onChange={(e) => setTitle(e.target.value)} onKeyDown={onRenameKey} autoFocus maxLength={500} />
          </div>
          <button type="submit" className="primary">
            Save
          </button>
          <button
            type="button"
            onClick={() => {
              setTitle(doc.title);
              setMode('view');
            }}
          >
            Cancel
          </button>
        </form>
      ) : (
        <>
          <div className="doc-main grow">
            <a className="doc-title" href={`#/documents/${encodeURIComponent(doc.id)}`} onClick={(e) => { e.preventDefault(); open(); }}>
              {doc.title}
            </a>
            <span className="muted small">
              {doc.format === 'md' ? 'Markdown' : 'HTML'} · {doc.workflowId === 'note' ? 'Quick note' : 'Report'} · edited {formatTime(doc.updatedAt)}
            </span>
          </div>
          {mode === 'delete' ? (
            <div className="confirm" role="group" aria-label={`Confirm deleting ${doc.title}`}>
              <span>Delete “{doc.title}” and its export history?</span>
              <button type="button" className="danger" onClick={() => void deleteDocument(doc.id)}>
                Delete
              </button>
              <button type="button" onClick={() => setMode('view')} autoFocus>
                Keep
              </button>
            </div>
          ) : (
            <div className="row-actions">
              <button type="button" onClick={open} aria-label={`Open ${doc.title}`}>
                Open
              </button>
              <button
                type="button"
                onClick={() => {
                  setTitle(doc.title);
                  setMode('rename');
                }}
                aria-label={`Rename ${doc.title}`}
              >
                Rename
              </button>
              <button type="button" className="danger-outline" onClick={() => setMode('delete')} aria-label={`Delete ${doc.title}`}>
                Delete
              </button>
            </div>
          )}
        </>
      )}
    </li>
  );
}
