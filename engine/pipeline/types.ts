/** Inputs and outputs of the worker-side pipeline steps (run inside Piscina threads). */
import type { DocumentMeta, SourceFormat } from '../api/types.ts';

export interface ExportHtmlInput {
  title: string;
  source: string;
  format: SourceFormat;
  /** Folder that relative image paths resolve against; null when the document has none. */
  baseDir: string | null;
  meta: DocumentMeta;
}

export interface Heading {
  level: number;
  text: string;
  id: string;
}

export interface ExportHtmlResult {
  /** A complete standalone HTML document: <!doctype html>, inline CSS, images as data: URIs, no scripts. */
  html: string;
  headings: Heading[];
  /** Things the user should know, e.g. "image images/x.png not found". */
  warnings: string[];
}

export type WorkerTask =
  | { kind: 'exportHtml'; input: ExportHtmlInput }
  | { kind: 'markdown'; html: string };
