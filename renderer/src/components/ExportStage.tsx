import { useEffect, useId, useState } from 'react';
import { OUTPUT_FOLDER_ERROR_PREFIX } from '../../../engine/api/errors.ts';
import { checkCallOption } from '../../../engine/api/export-spec.ts';
import { EXPORT_FORMATS, isActiveStatus, type ExportFormat } from '../../../engine/api/types.ts';
import { useExportJob } from '../hooks/useExportJob.ts';
import { useStageExport } from '../hooks/useStageExport.ts';
import { FORMAT_LABELS } from '../lib/format.ts';
import { errorMessage } from '../store/quire-client.ts';
import { editExportOptions, exportOptionsOf, stageKey, startExport } from '../store/export-actions.ts';
import { useQuireStore } from '../store/store.ts';
import { JobCard } from './JobCard.tsx';
import { LookFields } from './LookFields.tsx';
import { PageLayoutFields } from './PageLayoutFields.tsx';

const FORMAT_HELP: Record<ExportFormat, string> = {
  pdf: 'print-ready, with page numbers',
  html: 'one standalone file',
  md: 'plain text for other tools',
};

const PDF_FLAGS: Array<{ key: 'headerFooter' | 'outline' | 'tagged' | 'printBackground'; label: string }> = [
  { key: 'headerFooter', label: 'Header with the title, footer with page numbers' },
  { key: 'outline', label: 'Bookmarks from the headings' },
  { key: 'tagged', label: 'Tagged PDF (accessible)' },
  { key: 'printBackground', label: 'Print background colours' },
];

/** Formats and options, Start, and the stage's job followed live (re-attached after a reload). */
export function ExportStage({ documentId, stageId, showPageLayout }: { documentId: string; stageId: string; showPageLayout: boolean }) {
  const key = stageKey(documentId, stageId);
  const state = useQuireStore((s) => s.stages[documentId]?.[stageId]);
  const { spec, problem } = useStageExport(documentId, stageId);
  const hostKind = useQuireStore((s) => s.hostInfo?.kind);
  const starting = useQuireStore((s) => !!s.starting[key]);
  const offline = useQuireStore((s) => s.connection !== 'open');
  const startError = useQuireStore((s) => s.stageErrors[key]);
  const job = useExportJob(documentId, state?.exportJobId);
  const outDirId = useId();
  const outDirHelp = useId();
  const outDirError = useId();
  // A refused output folder (/proc, a file…) is shown at its field, where it gets fixed.
  const folderError = startError?.startsWith(OUTPUT_FOLDER_ERROR_PREFIX) ? startError : undefined;

  // The folder as typed: saved only once it is a full path (or empty: the default folder).
  const savedOutDir = exportOptionsOf(state).outDir ?? '';
  const [outDirText, setOutDirText] = useState(savedOutDir);
  const [outDirProblem, setOutDirProblem] = useState<string | null>(null);
  useEffect(() => setOutDirText((typed) => (typed.trim() === savedOutDir ? typed : savedOutDir)), [savedOutDir]);
  const editOutDir = (text: string) => {
    setOutDirText(text);
    try {
      const outDir = text.trim() ? checkCallOption('outDir', text, 'Output folder') : null;
      setOutDirProblem(null);
      editExportOptions(documentId, stageId, { outDir });
    } catch (e) {
      setOutDirProblem(errorMessage(e));
    }
  };

  // What the job will run, as the engine resolves it: stage defaults, settings, this stage's choices.
  const formats = spec?.formats ?? [];
  const active = !!job && isActiveStatus(job.status);
  const toggleFormat = (f: ExportFormat, on: boolean) =>
    editExportOptions(documentId, stageId, { formats: EXPORT_FORMATS.filter((x) => (x === f ? on : formats.includes(x))) });
  const fieldError = folderError ?? outDirProblem ?? undefined;

  return (
    <div className="export-grid">
      <div className="export-options">
        <fieldset className="card">
          <legend>Formats</legend>
          {EXPORT_FORMATS.map((f) => (
            <label className="check" key={f}>
              <input
                type="checkbox"
                checked={formats.includes(f)}
                // The last format stays: an export of nothing is not a choice.
                disabled={formats.length === 1 && formats.includes(f)}
                title={formats.length === 1 && formats.includes(f) ? 'At least one format is exported' : undefined}
                onChange={(e) => toggleFormat(f, e.target.checked)}
              />
              <span>
                {FORMAT_LABELS[f]} <span className="muted small">— {FORMAT_HELP[f]}</span>
              </span>
            </label>
          ))}
          {problem && (
            <p className="field-error" role="alert" data-testid="spec-problem">
              {problem}
            </p>
          )}
        </fieldset>

        <LookFields documentId={documentId} exportStageId={stageId} />

        <fieldset className="card" disabled={!formats.includes('pdf')}>
          <legend>PDF options</legend>
          {PDF_FLAGS.map(({ key: flag, label }) => (
            <label className="check" key={flag}>
              <input
                type="checkbox"
                checked={spec?.pdf[flag] ?? false}
                onChange={(e) => editExportOptions(documentId, stageId, { pdf: { [flag]: e.target.checked } })}
              />
              {label}
            </label>
          ))}
        </fieldset>

        {showPageLayout && <PageLayoutFields documentId={documentId} exportStageId={stageId} />}

        <div className="card field">
          <label htmlFor={outDirId}>Output folder</label>
          <input
            id={outDirId}
            value={outDirText}
            placeholder={spec?.outDir ?? ''}
            aria-describedby={fieldError ? `${outDirError} ${outDirHelp}` : outDirHelp}
            aria-invalid={fieldError ? true : undefined}
            spellCheck={false}
            onChange={(e) => editOutDir(e.target.value)}
          />
          {fieldError && (
            <p id={outDirError} className="field-error" role="alert" data-testid="out-dir-error">
              {fieldError}
            </p>
          )}
          <p id={outDirHelp} className="muted small">
            {spec ? (
              <>
                Saved in <code>{spec.outDir}</code> as {spec.formats.map((f) => `${spec.fileBase}.${f}`).join(', ')}. Empty: the default folder.
              </>
            ) : (
              'Leave empty for the default folder.'
            )}
            {hostKind === 'browser' ? ' Folders are on the computer running Quire; files can be downloaded here when done.' : ''}
          </p>
        </div>
      </div>

      <div className="export-run">
        <div className="card">
          <h2>Run</h2>
          <button
            type="button"
            className="primary big"
            disabled={active || starting || offline || !spec || !!outDirProblem}
            onClick={() => void startExport(documentId, stageId)}
          >
            {starting ? 'Starting…' : job?.status === 'completed' ? 'Export again' : 'Start export'}
          </button>
          {active && <p className="muted small">An export of this document is running; it keeps going if you leave or reload this page.</p>}
          {startError && !folderError && (
            <p className="field-error" role="alert" data-testid="start-error">
              {startError}
            </p>
          )}
          {folderError && <p className="field-error">Choose another output folder (see Output folder), then start again.</p>}
        </div>
        {job ? (
          <JobCard job={job} />
        ) : state?.exportJobId ? (
          <p className="muted" role="status">
            Loading the export…
          </p>
        ) : (
          <p className="muted">No export yet. Choose the formats and start.</p>
        )}
      </div>
    </div>
  );
}
