import { useId } from 'react';
import { stageStateOf, type DetailsStageData } from '../../../engine/api/types.ts';
import { editStageData } from '../store/saving.ts';
import { useQuireStore } from '../store/store.ts';
import { PageLayoutFields } from './PageLayoutFields.tsx';

/** Title, subtitle, author and date for the export; the page layout (kept with the export options). */
export function DetailsStage({ documentId, stageId, exportStageId }: { documentId: string; stageId: string; exportStageId: string | undefined }) {
  const state = useQuireStore((s) => stageStateOf(s.stages[documentId]?.[stageId], 'details'));
  const data: DetailsStageData = state?.data ?? {};
  const docTitle = useQuireStore((s) => s.docs[documentId]?.title ?? '');
  const ids = { title: useId(), subtitle: useId(), author: useId(), date: useId() };
  const text = (key: keyof DetailsStageData) => data[key] ?? '';
  const set = (key: keyof DetailsStageData) => (e: { target: { value: string } }) => editStageData(documentId, stageId, 'details', { [key]: e.target.value });

  return (
    <div className="details">
      {state?.problem && (
        <p className="field-error" role="alert">
          {state.problem}
        </p>
      )}
      <fieldset className="card">
        <legend>About the document</legend>
        <div className="grid-2">
          <div className="field">
            <label htmlFor={ids.title}>Title on the export</label>
            <input id={ids.title} value={text('title')} onChange={set('title')} placeholder={docTitle} maxLength={500} />
          </div>
          <div className="field">
            <label htmlFor={ids.subtitle}>Subtitle</label>
            <input id={ids.subtitle} value={text('subtitle')} onChange={set('subtitle')} maxLength={500} />
          </div>
          <div className="field">
            <label htmlFor={ids.author}>Author</label>
            <input id={ids.author} value={text('author')} onChange={set('author')} autoComplete="name" maxLength={200} />
          </div>
          <div className="field">
            <label htmlFor={ids.date}>Date</label>
            <input id={ids.date} type="date" value={text('date')} onChange={set('date')} />
          </div>
        </div>
      </fieldset>
      {exportStageId && <PageLayoutFields documentId={documentId} exportStageId={exportStageId} />}
    </div>
  );
}
