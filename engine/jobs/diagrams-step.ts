/**
 * The runner's `diagrams` step: the export HTML's Mermaid figures drawn to SVG by the PDF
 * renderer's browser (diagram-renderer.ts), then sanitized and put in place by a pipeline
 * worker (diagrams.ts). A diagram that cannot be drawn keeps its code and becomes a warning
 * naming it; the job goes on. So do all of them when no browser can be started.
 *
 * @example
 * const { html, changed, warnings } = await drawDiagrams({ html: prepared, renderer, pipeline, idPrefix: 'qd-1a2b3c4d', signal });
 */
import { Errors, isQuireError } from '../api/errors.ts';
import type { PdfRenderer } from '../pdf/pdf-renderer.ts';
import { findDiagrams } from '../pipeline/diagram-slots.ts';

export interface DrawDiagramsOptions {
  /** The prepared export HTML. */
  html: string;
  renderer: PdfRenderer;
  pipeline: { inlineDiagrams(html: string, svgs: Array<string | null>, signal?: AbortSignal): Promise<string> };
  /** Unique in the document: diagram n's SVG id is `${idPrefix}-${n}`. */
  idPrefix: string;
  signal: AbortSignal;
  /** Told before diagram `index` (0-based) of `total` is drawn. */
  onProgress?: (index: number, total: number) => void;
}

export interface DrawDiagramsResult {
  html: string;
  /** False when no diagram was drawn: `html` is the input. */
  changed: boolean;
  warnings: string[];
}

export async function drawDiagrams(options: DrawDiagramsOptions): Promise<DrawDiagramsResult> {
  const { html, renderer, signal } = options;
  const sources = findDiagrams(html);
  if (sources.length === 0) return { html, changed: false, warnings: [] };
  const asCode = (why: string) => {
    const count = sources.length === 1 ? 'The diagram is' : `The ${sources.length} diagrams are`;
    return { html, changed: false, warnings: [`${count} shown as code: ${why}`] };
  };
  if (!renderer.renderDiagrams) return asCode('this version of Quire cannot draw diagrams here.');
  let results;
  try {
    results = await renderer.renderDiagrams({ sources, idPrefix: options.idPrefix, signal, onProgress: options.onProgress });
  } catch (e) {
    if (signal.aborted || (isQuireError(e) && e.code === 'JOB_CANCELLED')) throw Errors.jobCancelled();
    // No browser (none installed, or it will not start): an HTML export still succeeds, with code.
    return asCode(e instanceof Error ? e.message : String(e));
  }
  if (signal.aborted) throw Errors.jobCancelled();
  const warnings = results.flatMap((r, i) => (r.ok ? [] : [diagramWarning(i, sources.length, sources[i], r.error)]));
  const svgs = results.map((r) => (r.ok ? r.svg : null));
  if (!svgs.some((svg) => svg !== null)) return { html, changed: false, warnings };
  return { html: await options.pipeline.inlineDiagrams(html, svgs, signal), changed: true, warnings };
}

/** 'Diagram 2 of 3 ("flowchart LR") could not be drawn and is shown as code: Parse error on line 3: …' */
export function diagramWarning(index: number, total: number, source: string, error: string): string {
  const first = source.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  const label = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return `Diagram ${index + 1} of ${total} ("${label}") could not be drawn and is shown as code: ${error}. Fix the Mermaid source, or turn diagrams off.`;
}
