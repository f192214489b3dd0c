/** Inputs and outputs of the worker-side pipeline steps (run inside Piscina threads). */
import type { ExportStyle } from '../api/export-spec.ts';
import type { DocumentMeta, SourceFormat } from '../api/types.ts';
import type { PdfMetadata } from '../pdf/pdf-metadata.ts';
import type { MarkdownExportInput } from './markdown-output.ts';

export interface ExportHtmlInput {
  title: string;
  source: string;
  format: SourceFormat;
  /** Folder that relative image paths resolve against; null when the document has none. Unused when `assets` is given. */
  baseDir: string | null;
  meta: DocumentMeta;
  /** A job's images: only these stored files are embedded, never the document's folder. */
  assets?: ExportAssets;
  /** Theme, table of contents, math, diagrams, highlighting, user CSS (the spec's); absent: the defaults. */
  style?: ExportStyle;
}

/** The document's stored files an export may embed, by normalised ref (asset-refs.ts). */
export interface ExportAssets {
  /** Each stored file: its path in the data folder's asset store and the SHA-256 it must still have. */
  files: Record<string, { path: string; sha256: string }>;
  /** Why a ref has no stored file (refused at import), used as its warning. */
  problems: Record<string, string>;
  /**
   * The Write-stage preview: stored files are not embedded but linked at this address, its
   * `{sha256}` replaced by the file's hash (the host serves them there; see HostInfo.assetBase).
   */
  imageUrl?: string;
  /**
   * The print form (print-assets.ts): stored files are checked exactly as for embedding (hash,
   * type, size; the same placeholders and warnings) but linked at PRINT_ASSET_BASE + sha256
   * instead of inlined; embed-images.ts makes the standalone HTML from it.
   */
  print?: boolean;
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
  | { kind: 'markdown'; html: string }
  /** A Markdown source's own export (markdown-output.ts): lexing a large document is kept off the main thread. */
  | { kind: 'markdownSource'; input: MarkdownExportInput }
  /** The local image refs of a large document (asset-refs.ts), read off the main thread. */
  | { kind: 'scanAssetRefs'; source: string; format: SourceFormat }
  /** The export HTML with its diagram figures' code replaced by their SVG (null: keep the code); see diagrams.ts. */
  | { kind: 'inlineDiagrams'; html: string; svgs: Array<string | null> }
  /** The standalone HTML of a print form: its linked images inlined from `files` (sha256 → stored file); see embed-images.ts. */
  | { kind: 'embedImages'; html: string; files: Record<string, string> }
  /** The PDF's Info, XMP and /Lang (engine/pdf/pdf-metadata.ts); `pdf` is transferred, not copied. */
  | { kind: 'pdfMetadata'; pdf: Uint8Array; meta: PdfMetadata; htmlPath?: string };
