import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { resolveStageExport } from '../store/export-actions.ts';
import { useQuireStore } from '../store/store.ts';

/** The export a stage resolves to now (see resolveStageExport), recomputed when its inputs change. */
export function useStageExport(documentId: string, stageId: string) {
  const inputs = useQuireStore(
    useShallow((s) => ({ doc: s.docs[documentId], workflows: s.workflows, settings: s.settings, states: s.stages[documentId] })),
  );
  return useMemo(() => resolveStageExport(inputs, stageId), [inputs.doc, inputs.workflows, inputs.settings, inputs.states, stageId]);
}
