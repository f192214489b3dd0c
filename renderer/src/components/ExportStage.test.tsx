// @vitest-environment jsdom
/**
 * The Output folder field against a REAL engine: a folder that cannot hold documents is
 * refused with a plain message shown at the field (not only under Start), and nothing runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuireApi } from '../../../engine/api/contract.ts';
import { closeWindow, openWindow, startRealQuire, type RealQuire } from '../test-support/real-quire.ts';
import { navigate } from '../store/routing.ts';
import { App } from './App.tsx';

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

async function openExportStage(title: string): Promise<string> {
  render(<App />);
  await screen.findByRole('heading', { name: 'Library', level: 1 });
  const doc = await q.engine.createDocument({ title, source: `# ${title}\n\ntext\n`, format: 'md' });
  await act(async () => navigate({ name: 'document', documentId: doc.id, stageId: 'export' }));
  await screen.findByRole('heading', { name: 'Export', level: 1 });
  return doc.id;
}

describe('Output folder field', () => {
  it.each([
    ['/proc/x', /^Cannot write to the output folder \/proc\/x \(it is inside \/proc, /],
    ['a file', /^Cannot write to the output folder .*a-file\.txt \(it is a file, not a folder\)/],
  ])('shows a refused folder (%s) at the field, and starts nothing', async (what, message) => {
    if (what === '/proc/x' && process.platform !== 'linux') return;
    const folder = what === 'a file' ? path.join(q.dir, 'a-file.txt') : what;
    if (what === 'a file') fs.writeFileSync(folder, 'x');
    const id = await openExportStage(`Folder ${what}`);
    const field = screen.getByLabelText('Output folder');
    fireEvent.change(field, { target: { value: folder } });
    fireEvent.click(screen.getByRole('button', { name: 'Start export' }));
    const alert = await screen.findByTestId('out-dir-error', undefined, { timeout: 10_000 });
    expect(alert.textContent).toMatch(message);
    expect(alert.getAttribute('role')).toBe('alert');
    // It belongs to the field: announced with it and marks it invalid.
    expect(field.getAttribute('aria-describedby')).toContain(alert.id);
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(await q.engine.listJobs({ documentId: id })).toHaveLength(0);
  });
});
