import { useId } from 'react';
import { DEFAULT_PDF_OPTIONS, MARGIN_LIMITS_MM, PAGE_SIZES, type PageSize } from '../../../engine/api/export-spec.ts';
import { useStageExport } from '../hooks/useStageExport.ts';
import { editExportOptions } from '../store/export-actions.ts';

const SIDES = ['top', 'right', 'bottom', 'left'] as const;

/**
 * Page size, orientation and margins of the PDF (stored in the export stage's options). Shows
 * what the export resolves to: the settings' layout unless this document chose another.
 */
export function PageLayoutFields({ documentId, exportStageId }: { documentId: string; exportStageId: string }) {
  // While it does not resolve (the stage says where), the built-in layout is shown.
  const pdf = useStageExport(documentId, exportStageId).spec?.pdf ?? DEFAULT_PDF_OPTIONS;
  const sizeId = useId();
  const marginIds = { top: useId(), right: useId(), bottom: useId(), left: useId() };
  const orientationName = useId();
  const size: PageSize = pdf.pageSize;
  const landscape = pdf.landscape;
  const margin = (side: (typeof SIDES)[number]) => pdf.margins[side];

  return (
    <fieldset className="card">
      <legend>Page layout (PDF)</legend>
      <div className="grid-2">
        <div className="field">
          <label htmlFor={sizeId}>Page size</label>
          <select id={sizeId} value={size} onChange={(e) => editExportOptions(documentId, exportStageId, { pdf: { pageSize: e.target.value as PageSize } })}>
            {PAGE_SIZES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="inline-fieldset orientation">
          <legend>Orientation</legend>
          <label className="check">
            <input
              type="radio"
              name={orientationName}
              checked={!landscape}
              onChange={() => editExportOptions(documentId, exportStageId, { pdf: { landscape: false } })}
            />
            Portrait
          </label>
          <label className="check">
            <input
              type="radio"
              name={orientationName}
              checked={landscape}
              onChange={() => editExportOptions(documentId, exportStageId, { pdf: { landscape: true } })}
            />
            Landscape
          </label>
        </fieldset>
      </div>
      <fieldset className="inline-fieldset margins">
        <legend>Margins (mm)</legend>
        {SIDES.map((side) => (
          <div className="field narrow" key={side}>
            <label htmlFor={marginIds[side]}>{side[0]!.toUpperCase() + side.slice(1)}</label>
            <input
              id={marginIds[side]}
              type="number"
              min={MARGIN_LIMITS_MM.min}
              max={MARGIN_LIMITS_MM.max}
              step={1}
              inputMode="numeric"
              value={margin(side)}
              onChange={(e) => {
                const v = e.target.valueAsNumber;
                // Out of range is not saved (the model would refuse it); the field shows the browser's range hint.
                if (Number.isFinite(v) && v >= MARGIN_LIMITS_MM.min && v <= MARGIN_LIMITS_MM.max) editExportOptions(documentId, exportStageId, { pdf: { margins: { [side]: v } } });
              }}
            />
          </div>
        ))}
      </fieldset>
    </fieldset>
  );
}
