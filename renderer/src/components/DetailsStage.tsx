import { useEffect, useId, useMemo, useState } from 'react';
import { frontMatterLayer, parseFrontMatter } from '../../../engine/api/front-matter.ts';
import { STAGE_DATA_SCHEMAS } from '../../../engine/api/export-spec.ts';
import { stageStateOf, type DetailsStageData } from '../../../engine/api/types.ts';
import { editStageData } from '../store/saving.ts';
import { useQuireStore } from '../store/store.ts';
import { PageLayoutFields } from './PageLayoutFields.tsx';

/** "a, b,, c" as the keywords saved (none: undefined, so the front matter's still apply). */
export function parseKeywords(text: string): string[] | undefined {
  const list = text.split(',').map((k) => k.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

/** The model's message for a language tag that is not one (null: fine, or empty). */
export function langProblem(text: string): string | null {
  if (!text.trim()) return null;
  const result = STAGE_DATA_SCHEMAS.details.shape.lang.safeParse(text);
  return result.success ? null : `Language ${result.error.issues[0]!.message}.`;
}

/**
 * Title, subtitle, author, date, subject, keywords and language for the export (over the
 * document's front matter); the page layout (kept with the export options).
 */
export function DetailsStage({ documentId, stageId, exportStageId }: { documentId: string; stageId: string; exportStageId: string | undefined }) {
  const state = useQuireStore((s) => stageStateOf(s.stages[documentId]?.[stageId], 'details'));
  const data: DetailsStageData = state?.data ?? {};
  const docTitle = useQuireStore((s) => s.docs[documentId]?.title ?? '');
  // The document's front matter is each field's starting value: shown greyed while the field is empty.
  const source = useQuireStore((s) => (s.docs[documentId]?.format === 'md' ? (s.docs[documentId]?.source ?? '') : ''));
  const front = useMemo(() => frontMatterLayer(parseFrontMatter(source).data), [source]);
  const fromFront = (key: 'subtitle' | 'author' | 'date' | 'subject' | 'lang') => {
    const v = front.metadata[key];
    return typeof v === 'string' && v.trim() ? v : undefined;
  };
  const frontKeywords = Array.isArray(front.metadata.keywords) ? front.metadata.keywords.filter((k) => typeof k === 'string').join(', ') : undefined;
  const ids = { title: useId(), subtitle: useId(), author: useId(), date: useId(), subject: useId(), keywords: useId(), keywordsHelp: useId(), lang: useId(), langHelp: useId(), langError: useId() };
  const text = (key: Exclude<keyof DetailsStageData, 'keywords'>) => data[key] ?? '';
  const set = (key: Exclude<keyof DetailsStageData, 'keywords' | 'lang'>) => (e: { target: { value: string } }) => editStageData(documentId, stageId, 'details', { [key]: e.target.value });

  // Keywords and language as typed: "a, " keeps its comma while typing, a half-typed tag is not saved.
  const savedKeywords = (data.keywords ?? []).join(', ');
  const [keywordsText, setKeywordsText] = useState(savedKeywords);
  useEffect(() => setKeywordsText((typed) => (parseKeywords(typed)?.join(', ') ?? '') === savedKeywords ? typed : savedKeywords), [savedKeywords]);
  const savedLang = data.lang ?? '';
  const [langText, setLangText] = useState(savedLang);
  useEffect(() => setLangText((typed) => (typed.trim() === savedLang || langProblem(typed) ? typed : savedLang)), [savedLang]);
  const langError = langProblem(langText);
  const editLang = (value: string) => {
    setLangText(value);
    // Saved only when the model takes it; empty: unset (the front matter's, or none).
    if (!langProblem(value)) editStageData(documentId, stageId, 'details', { lang: value.trim() || undefined });
  };

  return (
    <div className="details">
      {state?.problem && (
        <p className="field-error" role="alert">
          {state.problem}
        </p>
      )}
      <fieldset className="card">
        <legend>About the document</legend>
        <p className="muted small">An empty field uses the document's front matter (shown greyed), if it has one.</p>
        <div className="grid-2">
          <div className="field">
            <label htmlFor={ids.title}>Title on the export</label>
            <input id={ids.title} value={text('title')} onChange={set('title')} placeholder={front.title ?? docTitle} maxLength={500} />
          </div>
          <div className="field">
            <label htmlFor={ids.subtitle}>Subtitle</label>
            <input id={ids.subtitle} value={text('subtitle')} onChange={set('subtitle')} maxLength={500} placeholder={fromFront('subtitle')} />
          </div>
          <div className="field">
            <label htmlFor={ids.author}>Author</label>
            <input id={ids.author} value={text('author')} onChange={set('author')} autoComplete="name" maxLength={200} placeholder={fromFront('author')} />
          </div>
          <div className="field">
            <label htmlFor={ids.date}>Date</label>
            <input id={ids.date} type="date" value={text('date')} onChange={set('date')} />
            {!text('date') && fromFront('date') && <p className="muted small">From the front matter: {fromFront('date')}</p>}
          </div>
          <div className="field span-2">
            <label htmlFor={ids.subject}>Subject</label>
            <input id={ids.subject} value={text('subject')} onChange={set('subject')} maxLength={2000} placeholder={fromFront('subject') ?? 'What the document is about'} />
          </div>
          <div className="field">
            <label htmlFor={ids.keywords}>Keywords</label>
            <input
              id={ids.keywords}
              value={keywordsText}
              placeholder={frontKeywords}
              aria-describedby={ids.keywordsHelp}
              onChange={(e) => {
                setKeywordsText(e.target.value);
                editStageData(documentId, stageId, 'details', { keywords: parseKeywords(e.target.value) });
              }}
            />
            <p id={ids.keywordsHelp} className="muted small">
              Separated by commas.
            </p>
          </div>
          <div className="field">
            <label htmlFor={ids.lang}>Language</label>
            <input
              id={ids.lang}
              value={langText}
              spellCheck={false}
              autoCapitalize="off"
              placeholder={fromFront('lang') ?? 'en'}
              aria-invalid={langError ? true : undefined}
              aria-describedby={langError ? `${ids.langError} ${ids.langHelp}` : ids.langHelp}
              onChange={(e) => editLang(e.target.value)}
            />
            {langError && (
              <p id={ids.langError} className="field-error" role="alert" data-testid="lang-error">
                {langError}
              </p>
            )}
            <p id={ids.langHelp} className="muted small">
              A language tag such as en, de or pt-BR.
            </p>
          </div>
        </div>
      </fieldset>
      {exportStageId && <PageLayoutFields documentId={documentId} exportStageId={exportStageId} />}
    </div>
  );
}
