/**
 * Built-in workflows: the wizard a document steps through. An export stage's `exportOptions`
 * are the workflow's defaults, the first layer of resolveExport (engine/api/export-spec.ts)
 * over the built-in ones; settings, front matter, the saved stage and the call go over them.
 */
import type { StageDefinition, WorkflowDefinition } from '../api/types.ts';

export const WORKFLOWS: readonly WorkflowDefinition[] = [
  {
    id: 'report',
    title: 'Report',
    stages: [
      { id: 'write', kind: 'write', title: 'Write' },
      { id: 'details', kind: 'details', title: 'Details' },
      { id: 'export', kind: 'export', title: 'Export', exportOptions: {} },
    ],
  },
  {
    id: 'note',
    title: 'Quick note',
    stages: [
      { id: 'write', kind: 'write', title: 'Write' },
      { id: 'export', kind: 'export', title: 'Export', exportOptions: { formats: ['pdf'] } },
    ],
  },
];

export const DEFAULT_WORKFLOW_ID = 'report';

export function getWorkflow(id: string): WorkflowDefinition | undefined {
  return WORKFLOWS.find((w) => w.id === id);
}

export function getStage(workflowId: string, stageId: string): StageDefinition | undefined {
  return getWorkflow(workflowId)?.stages.find((s) => s.id === stageId);
}

/** The first export stage of a workflow (the CLI exports through it). */
export function exportStageOf(workflowId: string): StageDefinition | undefined {
  return getWorkflow(workflowId)?.stages.find((s) => s.kind === 'export');
}
