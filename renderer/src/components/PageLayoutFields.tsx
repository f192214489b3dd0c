import { useId } from 'react';
import { DEFAULT_PDF_OPTIONS, PAGE_SIZES, type PageSize } from '../../../engine/api/types.ts';
import { editExportOptions, exportOptionsOf } from '../store/actions.ts';
import { useQuireStore } from '../store/store.ts';

const SIDES = ['top', 'right', 'bottom', 'left'] as const;

/** Page size, orientation and margins of the PDF (stored in the export stage's options). */
export function PageLayoutFields({ documentId, exportStageId }: { documentId: string; exportStageId: string }) {
  const options = exportOptionsOf(useQuireStore((s) => s.stages[documentId]?.[exportStageId]));
  const sizeId = useId();
  const marginIds = { top: useId(), right: useId(), bottom: useId(), left: useId() };
  const orientationName = useId();
  const pdf = options.pdf ?? {};
  const size: PageSize = pdf.pageSize ?? DEFAULT_PDF_OPTIONS.pageSize;
  const landscape = pdf.landscape ?? DEFAULT_PDF_OPTIONS.landscape;
  const margin = (side: (typeof SIDES)[number]) => pdf.margins?.[side] ?? DEFAULT_PDF_OPTIONS.margins[side];

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
              min={0}
              max={100}
              step={1}
              inputMode="numeric"
              value={margin(side)}
              onChange={(e) => {
                const v = e.target.valueAsNumber;
                if (Number.isFinite(v)) editExportOptions(documentId, exportStageId, { pdf: { margins: { [side]: Math.max(0, Math.min(100, v)) } } });
              }}
            />
          </div>
        ))}
      </fieldset>
    </fieldset>
  );
}
