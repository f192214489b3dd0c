// @vitest-environment jsdom
/**
 * The Details stage's metadata fields and the Export stage's Look card against a REAL engine:
 * what the forms save passes the model's schemas and is what the engine's export resolves to.
 */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuireApi } from '../../../engine/api/contract.ts';
import { STAGE_DATA_SCHEMAS } from '../../../engine/api/export-spec.ts';
import { closeWindow, openWindow, startRealQuire, type RealQuire } from '../test-support/real-quire.ts';
import { navigate } from '../store/routing.ts';
import { flushSaves } from '../store/saving.ts';
import { App } from './App.tsx';
import { langProblem, parseKeywords } from './DetailsStage.tsx';

let q: RealQuire;
let client: QuireApi & { dispose(): void };

beforeAll(async () => {
  q = await startRealQuire();
});
afterAll(async () => {
  await q.close();
});
beforeEach(async () => {
  client = await openWindow(q);
});
afterEach(() => {
  cleanup();
  closeWindow(client);
});

async function openStage(title: string, stageId: 'details' | 'export', heading: string, source = `# ${title}\n\ntext\n`): Promise<string> {
  render(<App />);
  await screen.findByRole('heading', { name: 'Library', level: 1 });
  const doc = await q.engine.createDocument({ title, source, format: 'md' });
  await act(async () => navigate({ name: 'document', documentId: doc.id, stageId }));
  await screen.findByRole('heading', { name: heading, level: 1 });
  return doc.id;
}

describe('parseKeywords and langProblem', () => {
  it('splits on commas, trims and drops empties; nothing is undefined', () => {
    expect(parseKeywords(' pdf, export ,, notes,')).toEqual(['pdf', 'export', 'notes']);
    expect(parseKeywords(' , ')).toBeUndefined();
  });

  it("uses the model's rule and message for the language", () => {
    expect(langProblem('pt-BR')).toBeNull();
    expect(langProblem('')).toBeNull();
    expect(langProblem('en_US')).toBe('Language is not a language tag such as en, de or zh-Hans.');
  });
});

describe('Details stage: the front matter is the starting value', () => {
  const source = '---\ntitle: From YAML\nauthor: [Ada, Grace]\ndescription: About engines\ntags: [a, b]\nlang: de\ntheme: report\n---\n# Body\n';

  it('shows the front matter greyed in the empty fields; what is typed goes over it', async () => {
    await openStage('Front', 'details', 'Details', source);
    expect(screen.getByLabelText('Title on the export').getAttribute('placeholder')).toBe('From YAML');
    expect(screen.getByLabelText('Author').getAttribute('placeholder')).toBe('Ada, Grace');
    expect(screen.getByLabelText('Subject').getAttribute('placeholder')).toBe('About engines');
    expect(screen.getByLabelText('Keywords').getAttribute('placeholder')).toBe('a, b');
    expect(screen.getByLabelText('Language').getAttribute('placeholder')).toBe('de');
    expect((screen.getByLabelText('Author') as HTMLInputElement).value).toBe('');
  });

  it("the Export stage's form resolves the front matter's look as the job will", async () => {
    const id = await openStage('Front look', 'export', 'Export', source);
    const theme = (await screen.findByLabelText('Theme')) as HTMLSelectElement;
    expect(theme.value).toBe('report');
    const spec = await q.engine.resolveExport({ documentId: id, stageId: 'export' });
    expect(spec.style.theme).toBe('report');
    expect(spec.metadata).toMatchObject({ author: 'Ada, Grace', subject: 'About engines', keywords: ['a', 'b'], lang: 'de' });
  });
});

describe('Details stage: subject, keywords, language', () => {
  it('saves them as the schema wants and the export carries them', async () => {
    const id = await openStage('Metadata', 'details', 'Details');
    fireEvent.change(screen.getByLabelText('Subject'), { target: { value: 'Engines' } });
    fireEvent.change(screen.getByLabelText('Keywords'), { target: { value: 'analytical, engine, ' } });
    // Typing goes on with the trailing comma kept in the field.
    expect((screen.getByLabelText('Keywords') as HTMLInputElement).value).toBe('analytical, engine, ');
    fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'en_' } });
    const alert = screen.getByTestId('lang-error');
    expect(alert.textContent).toBe('Language is not a language tag such as en, de or zh-Hans.');
    expect(screen.getByLabelText('Language').getAttribute('aria-describedby')).toContain(alert.id);
    fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'en-GB' } });
    expect(screen.queryByTestId('lang-error')).toBeNull();
    await act(() => flushSaves(id));

    const details = (await q.engine.getStageStates(id)).find((s) => s.stageId === 'details')!;
    expect(details.data).toEqual({ subject: 'Engines', keywords: ['analytical', 'engine'], lang: 'en-GB' });
    expect(STAGE_DATA_SCHEMAS.details.safeParse(details.data).success).toBe(true);
    const spec = await q.engine.resolveExport({ documentId: id, stageId: 'export' });
    expect(spec.metadata).toMatchObject({ subject: 'Engines', keywords: ['analytical', 'engine'], lang: 'en-GB' });

    // Emptied: unset, not an empty list or tag (so the front matter's apply again).
    fireEvent.change(screen.getByLabelText('Keywords'), { target: { value: ' ' } });
    fireEvent.change(screen.getByLabelText('Language'), { target: { value: '' } });
    await act(() => flushSaves(id));
    const emptied = (await q.engine.getStageStates(id)).find((s) => s.stageId === 'details')!;
    expect(emptied.data).toEqual({ subject: 'Engines' });
  });
});

describe('Export stage: the Look card', () => {
  it('the theme and switches show the resolved values and are saved into the export options', async () => {
    const id = await openStage('Looks', 'export', 'Export');
    const theme = screen.getByLabelText('Theme') as HTMLSelectElement;
    expect(theme.value).toBe('github');
    expect([...theme.options].map((o) => o.value)).toEqual(['github', 'book', 'report']);
    expect((screen.getByLabelText('Table of contents') as HTMLInputElement).checked).toBe(false);
    fireEvent.change(theme, { target: { value: 'book' } });
    expect(screen.getByTestId('theme-help').textContent).toMatch(/^Serif text/);
    fireEvent.click(screen.getByLabelText('Table of contents'));
    fireEvent.click(screen.getByLabelText('Draw Mermaid diagrams'));
    await act(() => flushSaves(id));

    const saved = (await q.engine.getStageStates(id)).find((s) => s.stageId === 'export')!;
    expect(saved.data.exportOptions).toMatchObject({ theme: 'book', toc: true, diagrams: false });
    const spec = await q.engine.resolveExport({ documentId: id, stageId: 'export' });
    expect(spec.style).toMatchObject({ theme: 'book', toc: true, diagrams: false, math: true, highlight: true });
    expect((screen.getByLabelText('Table of contents') as HTMLInputElement).checked).toBe(true);
  });
});
