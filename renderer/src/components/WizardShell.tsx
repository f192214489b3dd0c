import { useState } from 'react';
import type { StageDefinition, StageState } from '../../../engine/api/types.ts';
import { navigate } from '../store/routing.ts';
import { retrySaves, setStageStatus } from '../store/saving.ts';
import { useQuireStore } from '../store/store.ts';
import { DetailsStage } from './DetailsStage.tsx';
import { ExportStage } from './ExportStage.tsx';
import { useFocusHeading } from './useFocusHeading.ts';
import { WriteStage } from './WriteStage.tsx';

// "Saved" only once the engine confirmed it; until then the edit is on its way ("Saving…").
const SAVE_TEXT = { pending: 'Saving…', saving: 'Saving…', saved: 'Saved', error: 'Not saved' } as const;

/** The stage to open when the address names none: the first not done, else the last. */
function defaultStage(stages: StageDefinition[], states: Record<string, StageState> | undefined): StageDefinition | undefined {
  return stages.find((s) => states?.[s.id]?.status !== 'done') ?? stages[stages.length - 1];
}

export function WizardShell({ documentId, stageId }: { documentId: string; stageId: string | null }) {
  const doc = useQuireStore((s) => s.docs[documentId]);
  const states = useQuireStore((s) => s.stages[documentId]);
  const workflow = useQuireStore((s) => s.workflows.find((w) => w.id === doc?.workflowId));
  const saveStatus = useQuireStore((s) => s.saveStatus[documentId]);
  const [retrying, setRetrying] = useState(false);

  if (!doc || !workflow || !states) {
    return (
      <p className="muted" role="status">
        Loading document…
      </p>
    );
  }

  const stages = workflow.stages;
  const current = stages.find((s) => s.id === stageId) ?? defaultStage(stages, states)!;
  const index = stages.indexOf(current);
  const go = (stage: StageDefinition) => navigate({ name: 'document', documentId, stageId: stage.id });
  const next = stages[index + 1];
  const prev = stages[index - 1];

  return (
    <div className="wizard" data-testid="wizard" data-stage={current.id}>
      <div className="wizard-head">
        <div className="grow">
          <p className="eyebrow">
            <a href="#/" onClick={(e) => { e.preventDefault(); navigate({ name: 'library' }); }}>
              Library
            </a>{' '}
            / {workflow.title}
          </p>
          <p className="doc-heading">{doc.title || 'Untitled'}</p>
        </div>
        <div className="save-status-box">
          <p className={`save-status${saveStatus === 'error' ? ' is-error' : ''}`} role="status" data-testid="save-status" data-state={saveStatus ?? 'none'}>
            {saveStatus ? SAVE_TEXT[saveStatus] : ''}
          </p>
          {saveStatus === 'error' && (
            <button
              type="button"
              className="small"
              disabled={retrying}
              onClick={() => {
                setRetrying(true);
                void retrySaves(documentId).finally(() => setRetrying(false));
              }}
            >
              Retry saving
            </button>
          )}
        </div>
      </div>

      <nav aria-label="Steps" className="steps-nav">
        <ol className="steps">
          {stages.map((stage, i) => {
            const status = states[stage.id]?.status ?? 'pending';
            const isCurrent = stage.id === current.id;
            return (
              <li key={stage.id}>
                <button
                  type="button"
                  className={`step${isCurrent ? ' is-current' : ''}${status === 'done' ? ' is-done' : ''}`}
                  aria-current={isCurrent ? 'step' : undefined}
                  onClick={() => {
                    // Moving on from a stage (as Next does) marks it done; going back changes nothing.
                    if (i > index) setStageStatus(documentId, current.id, 'done');
                    go(stage);
                  }}
                >
                  <span className="step-num" aria-hidden="true">
                    {status === 'done' ? '✓' : i + 1}
                  </span>
                  <span className="step-title">{stage.title}</span>
                  <span className="visually-hidden">
                    {`, step ${i + 1} of ${stages.length}`}
                    {status === 'done' ? ', done' : status === 'in_progress' ? ', in progress' : ''}
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      </nav>

      <StageView key={current.id} stage={current} documentId={documentId} workflowHasDetails={stages.some((s) => s.kind === 'details')} exportStageId={stages.find((s) => s.kind === 'export')?.id} />

      <div className="wizard-foot">
        {prev ? (
          <button type="button" onClick={() => go(prev)}>
            ← Back: {prev.title}
          </button>
        ) : (
          <span />
        )}
        {next ? (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setStageStatus(documentId, current.id, 'done');
              go(next);
            }}
          >
            Next: {next.title} →
          </button>
        ) : null}
      </div>
    </div>
  );
}

function StageView({
  stage,
  documentId,
  workflowHasDetails,
  exportStageId,
}: {
  stage: StageDefinition;
  documentId: string;
  workflowHasDetails: boolean;
  exportStageId: string | undefined;
}) {
  const heading = useFocusHeading<HTMLHeadingElement>(`${documentId}:${stage.id}`);
  return (
    <section className="stage" aria-labelledby={`stage-heading-${stage.id}`}>
      <h1 id={`stage-heading-${stage.id}`} ref={heading} tabIndex={-1} className="stage-heading">
        {stage.title}
      </h1>
      {stage.kind === 'write' && <WriteStage documentId={documentId} />}
      {stage.kind === 'details' && <DetailsStage documentId={documentId} stageId={stage.id} exportStageId={exportStageId} />}
      {stage.kind === 'export' && <ExportStage documentId={documentId} stageId={stage.id} showPageLayout={!workflowHasDetails} />}
    </section>
  );
}
