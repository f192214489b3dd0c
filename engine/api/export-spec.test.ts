import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PDF_OPTIONS,
  checkCallMetadata,
  exportSpecSchema,
  parseStageData,
  prepareExportLayers,
  resolvePreparedExport,
  parseStoredSpec,
  resolveExport,
  type ExportLayers,
  type ExportSubject,
  type Settings,
} from './export-spec.ts';

const subject: ExportSubject = {
  documentId: 'doc-1',
  stageId: 'export',
  title: 'Notes from the document',
  revision: 7,
  format: 'md',
  source: { sha256: 'a'.repeat(64), bytes: 120 },
};

const settings: Settings = {
  outputDir: '/settings/out',
  defaultFormats: ['html'],
  pdf: { ...DEFAULT_PDF_OPTIONS, pageSize: 'Letter', margins: { top: 5, right: 5, bottom: 5, left: 5 } },
  theme: 'system',
  concurrency: 2,
  openFolderWhenDone: false,
  overwriteOutputs: false,
  exportStyle: {},
};

const resolve = (layers: Partial<ExportLayers>) => resolveExport(subject, { defaultOutDir: '/default/out', ...layers });

describe('resolveExport: each layer overrides the one before, field by field', () => {
  it('built-in defaults when no layer says anything', () => {
    const spec = resolve({});
    expect(spec).toEqual({
      version: 1,
      documentId: 'doc-1',
      stageId: 'export',
      style: { theme: 'github', toc: false, math: true, diagrams: true, highlight: true, css: null },
      formats: ['pdf', 'html', 'md'],
      outDir: '/default/out',
      fileBase: 'Notes from the document',
      overwrite: false,
      pdf: DEFAULT_PDF_OPTIONS,
      title: 'Notes from the document',
      metadata: {},
      source: { revision: 7, format: 'md', sha256: 'a'.repeat(64), bytes: 120 },
      assets: [],
      unavailableAssets: [],
    });
    expect(exportSpecSchema.parse(spec)).toEqual(spec);
  });

  it('formats: stage ← settings ← front matter ← saved ← call', () => {
    const layers: Partial<ExportLayers> = {
      stage: { formats: ['pdf'] },
      settings,
      frontMatter: { options: { formats: ['md'] } },
      saved: { exportOptions: { formats: ['pdf', 'md'] } },
      call: { formats: ['html', 'md'] },
    };
    expect(resolve({ stage: layers.stage }).formats).toEqual(['pdf']);
    expect(resolve({ stage: layers.stage, settings }).formats).toEqual(['html']);
    expect(resolve({ ...layers, saved: undefined, call: undefined }).formats).toEqual(['md']);
    expect(resolve({ ...layers, call: undefined }).formats).toEqual(['pdf', 'md']);
    expect(resolve(layers).formats).toEqual(['html', 'md']);
  });

  it('settings without default formats leave the workflow its own (a quick note stays PDF)', () => {
    expect(resolve({ stage: { formats: ['pdf'] }, settings: { ...settings, defaultFormats: null } }).formats).toEqual(['pdf']);
  });

  it('pdf options merge per field, margins per side, each layer over the one before', () => {
    const spec = resolve({
      stage: { pdf: { landscape: true } },
      settings,
      frontMatter: { options: { pdf: { margins: { top: 30 } } } },
      saved: { exportOptions: { pdf: { margins: { left: 40 }, outline: false } } },
      call: { pdf: { margins: { right: 50 } } },
    });
    expect(spec.pdf).toEqual({
      ...DEFAULT_PDF_OPTIONS,
      pageSize: 'Letter', // settings
      landscape: false, // the stage said true; the settings' full pdf says false and comes later
      outline: false, // saved
      margins: { top: 30, right: 50, bottom: 5, left: 40 },
    });
  });

  it('a full settings pdf overrides the stage field by field; the stage wins only where nothing later speaks', () => {
    // Settings carry every pdf field, so a stage's landscape is overridden by the settings' false.
    expect(resolve({ stage: { pdf: { landscape: true } }, settings }).pdf.landscape).toBe(false);
    expect(resolve({ stage: { pdf: { landscape: true } } }).pdf.landscape).toBe(true);
  });

  it('output folder: default ← stage ← settings ← saved ← call; front matter cannot choose it', () => {
    expect(resolve({ settings }).outDir).toBe('/settings/out');
    expect(resolve({ settings, saved: { exportOptions: { outDir: '/saved' } } }).outDir).toBe('/saved');
    expect(resolve({ settings, saved: { exportOptions: { outDir: '/saved' } }, call: { outDir: '/call' } }).outDir).toBe('/call');
    expect(() => resolve({ frontMatter: { options: { outDir: '/evil' } } })).toThrow(/front matter.*outDir/);
    expect(() => resolve({ frontMatter: { options: { overwrite: true } } })).toThrow(/front matter.*overwrite/);
  });

  it('overwrite: settings ← saved ← call', () => {
    expect(resolve({ settings: { ...settings, overwriteOutputs: true } }).overwrite).toBe(true);
    expect(resolve({ settings: { ...settings, overwriteOutputs: true }, call: { overwrite: false } }).overwrite).toBe(false);
  });

  it('title and metadata: the document ← front matter ← the Details stage; the file name follows unless one is asked for', () => {
    expect(resolve({ frontMatter: { title: 'From front matter', metadata: { author: 'FM' } } })).toMatchObject({
      title: 'From front matter',
      fileBase: 'From front matter',
      metadata: { author: 'FM' },
    });
    const spec = resolve({
      frontMatter: { title: 'From front matter', metadata: { author: 'FM', date: '2020' } },
      details: { title: '  Q3: final?  ', author: 'Ada', subtitle: '' },
    });
    expect(spec.title).toBe('Q3: final?');
    expect(spec.fileBase).toBe('Q3- final');
    expect(spec.metadata).toEqual({ author: 'Ada', date: '2020' });
    expect(resolve({ details: { title: 'T' }, call: { fileName: '../escape' } }).fileBase).toBe('escape');
  });

  it('formats come out in one order whatever order they were asked in', () => {
    expect(resolve({ call: { formats: ['md', 'pdf'] } }).formats).toEqual(['pdf', 'md']);
  });
});

describe('resolveExport: bad values are refused naming the layer and the field', () => {
  it.each([
    [{ call: { formats: [] } }, /export request: formats needs at least one/],
    [{ call: { formats: ['docx'] } }, /export request: formats\.0/],
    [{ saved: { exportOptions: { pdf: { margins: { top: 101 } } } } }, /export stage's saved options: exportOptions\.pdf\.margins\.top/],
    [{ saved: { exportOptions: { outDir: 'relative/folder' } } }, /saved options: exportOptions\.outDir must be a full folder path/],
    [{ call: { pdf: { pageSize: 'A9' } } }, /export request: pdf\.pageSize/],
    [{ call: { colour: 'blue' } }, /export request: .*colour/],
    [{ details: { author: 42 } }, /Details stage's saved data: author/],
    [{ settings: { ...settings, concurrency: 99 } }, /settings: concurrency/],
  ] as Array<[Partial<ExportLayers>, RegExp]>)('%j', (layers, message) => {
    expect(() => resolve(layers)).toThrow(message);
    try {
      resolve(layers);
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_OPTIONS' });
    }
  });
});

describe('stage data', () => {
  it('is checked against its kind, the error naming the stage and the field', () => {
    expect(parseStageData('details', 'Details', { author: 'Ada' })).toEqual({ author: 'Ada' });
    expect(() => parseStageData('details', 'Details', { author: 1 })).toThrow(/The Details stage's saved data is invalid: author/);
    expect(() => parseStageData('export', 'Export', { exportOptions: { formats: 'pdf' } })).toThrow(/Export stage.*exportOptions\.formats/);
    expect(() => parseStageData('write', 'Write', { anything: true })).toThrow(/Write stage.*anything/);
  });
});

describe('a stored spec', () => {
  it('reads back what was stored; damage is an error naming the job', () => {
    const spec = resolve({});
    expect(parseStoredSpec('job-1', JSON.stringify(spec))).toEqual(spec);
    expect(() => parseStoredSpec('job-1', '{')).toThrow(/job job-1 are damaged/);
    expect(() => parseStoredSpec('job-1', JSON.stringify({ ...spec, formats: [] }))).toThrow(/job job-1: formats/);
  });
});

describe("the call's metadata (CLI --title, --author …)", () => {
  it('sits over the Details stage and the front matter, field by field, for this call only', () => {
    const spec = resolve({
      frontMatter: { title: 'FM title', metadata: { author: 'FM author', keywords: ['fm'], lang: 'fr' } },
      details: { title: 'Details title', author: 'Details author', subject: 'Details subject' },
      call: { metadata: { author: 'Call author', keywords: ['a', 'b'] } },
    });
    expect(spec.title).toBe('Details title');
    expect(spec.metadata).toEqual({ author: 'Call author', subject: 'Details subject', keywords: ['a', 'b'], lang: 'fr' });
    expect(resolve({ details: { title: 'Details title' }, call: { metadata: { title: '  Call title ' } } }).title).toBe('Call title');
  });

  it('is checked like the Details stage, naming the request; checkCallMetadata names the flag and the value', () => {
    expect(() => resolve({ call: { metadata: { lang: 'en_US' } } })).toThrow('The export request: metadata.lang is not a language tag such as en, de or zh-Hans.');
    expect(() => resolve({ call: { metadata: { publisher: 'x' } } })).toThrow(/The export request: metadata Unrecognized key/);
    expect(() => checkCallMetadata('lang', 'en_US', '--lang')).toThrow('--lang "en_US" is not a language tag such as en, de or zh-Hans.');
    expect(() => checkCallMetadata('keywords', ['a', ' '], '--keywords')).toThrow('--keywords has an empty keyword.');
    expect(checkCallMetadata('keywords', [' a '], '--keywords')).toEqual(['a']);
  });

  it('the saved export stage options may not carry metadata (it belongs to Details)', () => {
    expect(() => resolve({ saved: { exportOptions: { metadata: { author: 'x' } } } })).toThrow(/export stage's saved options/);
  });
});

describe('resolvePreparedExport: one document\'s layers for many calls (a batch)', () => {
  const calls = [
    { fileName: 'part 1' },
    { formats: ['pdf', 'md'], fileName: 'Part 2', metadata: { lang: 'de', keywords: ['a', 'b'], author: ' Ada ' } },
    { pdf: { landscape: true, margins: { top: 3 } }, theme: 'book', overwrite: true },
    { outDir: '/elsewhere', metadata: { title: 'Called' } },
    undefined,
  ];
  const layers = { settings, details: { author: 'Grace', lang: 'en' }, frontMatter: { options: { toc: true }, metadata: { subject: 'S' } }, defaultOutDir: '/default/out' };

  it('gives, call after call, what resolveExport gives for that call alone', () => {
    const prepared = prepareExportLayers(layers);
    for (let round = 0; round < 2; round++) {
      for (const call of calls) expect(resolvePreparedExport(subject, prepared, call)).toEqual(resolveExport(subject, { ...layers, call }));
    }
  });

  it('still refuses every call when what the layers resolve to is bad (nothing proven by a failure)', () => {
    // No settings: the output folder falls back to the default one, which is bad.
    const prepared = prepareExportLayers({ ...layers, settings: undefined, defaultOutDir: 'relative/out' });
    for (let i = 0; i < 3; i++) expect(() => resolvePreparedExport(subject, prepared, { fileName: `n ${i}` })).toThrow(/The resolved export: outDir/);
    // A call that names a good folder passes; it proves nothing about the next, without one.
    expect(resolvePreparedExport(subject, prepared, { outDir: '/good' }).outDir).toBe('/good');
    expect(() => resolvePreparedExport(subject, prepared, {})).toThrow(/The resolved export: outDir/);
  });

  it('checks the whole spec again for another subject on the same layers', () => {
    const prepared = prepareExportLayers(layers);
    resolvePreparedExport(subject, prepared, {});
    const damaged: ExportSubject = { ...subject, source: { sha256: 'not a digest', bytes: 1 } };
    expect(() => resolvePreparedExport(damaged, prepared, {})).toThrow(/The resolved export: source.sha256/);
  });
});
