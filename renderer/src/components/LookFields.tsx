import { useId } from 'react';
import { DEFAULT_STYLE_OPTIONS, THEMES, THEME_DESCRIPTIONS, type ThemeName } from '../../../engine/api/export-spec.ts';
import { useStageExport } from '../hooks/useStageExport.ts';
import { editExportOptions } from '../store/export-actions.ts';

const SWITCHES: Array<{ key: 'toc' | 'math' | 'diagrams' | 'highlight'; label: string }> = [
  { key: 'toc', label: 'Table of contents' },
  { key: 'math', label: 'Render math ($…$) with KaTeX' },
  { key: 'diagrams', label: 'Draw Mermaid diagrams' },
  { key: 'highlight', label: 'Colour code by language' },
];

const themeLabel = (t: ThemeName) => t[0]!.toUpperCase() + t.slice(1);

/**
 * How the export looks, for every format: the theme and the table of contents, math, diagrams
 * and code colours (stored in the export stage's options). Shows what the export resolves to.
 */
export function LookFields({ documentId, exportStageId }: { documentId: string; exportStageId: string }) {
  const style = useStageExport(documentId, exportStageId).spec?.style ?? DEFAULT_STYLE_OPTIONS;
  const themeId = useId();
  const themeHelp = useId();

  return (
    <fieldset className="card">
      <legend>Look</legend>
      <div className="field">
        <label htmlFor={themeId}>Theme</label>
        <select
          id={themeId}
          value={style.theme}
          aria-describedby={themeHelp}
          onChange={(e) => editExportOptions(documentId, exportStageId, { theme: e.target.value as ThemeName })}
        >
          {THEMES.map((t) => (
            <option key={t} value={t}>
              {themeLabel(t)}
            </option>
          ))}
        </select>
        <p id={themeHelp} className="muted small" data-testid="theme-help">
          {THEME_DESCRIPTIONS[style.theme][0]!.toUpperCase() + THEME_DESCRIPTIONS[style.theme].slice(1)}.
        </p>
      </div>
      {SWITCHES.map(({ key, label }) => (
        <label className="check" key={key}>
          <input type="checkbox" checked={style[key]} onChange={(e) => editExportOptions(documentId, exportStageId, { [key]: e.target.checked })} />
          {label}
        </label>
      ))}
    </fieldset>
  );
}
