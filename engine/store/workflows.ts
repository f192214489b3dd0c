/**
 * Built-in workflows: the wizard a document steps through. The export stage carries the
 * default export options; a document's stage state may override them.
 */
import { DEFAULT_PDF_OPTIONS, type ExportOptions, type StageDefinition, type WorkflowDefinition } from '../api/types.ts';

export const DEFAULT_EXPORT_OPTIONS: ExportOptions = {
  formats: ['pdf', 'html', 'md'],
  outDir: null,
  pdf: DEFAULT_PDF_OPTIONS,
};

export const WORKFLOWS: readonly WorkflowDefinition[] = [
  {
    id: 'report',
    title: 'Report',
    stages: [
      { id: 'write', kind: 'write', title: 'Write' },
      { id: 'details', kind: 'details', title: 'Details' },
      { id: 'export', kind: 'export', title: 'Export', exportOptions: DEFAULT_EXPORT_OPTIONS },
    ],
  },
  {
    id: 'note',
    title: 'Quick note',
    stages: [
      { id: 'write', kind: 'write', title: 'Write' },
      { id: 'export', kind: 'export', title: 'Export', exportOptions: { ...DEFAULT_EXPORT_OPTIONS, formats: ['pdf'] } },
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
