// @vitest-environment jsdom
/**
 * Nothing typed is lost: pending saves go out at once when the page is hidden or goes away,
 * the text is kept in localStorage until the engine confirms it (and saved again at the next
 * start if it never arrived), an export starts only from saved text, the status says
 * Saving… / Saved / Not saved honestly, and leaving with unsaved changes asks first.
 * Against a REAL engine over the in-memory transport.
 */
import fs from 'node:fs';
import path from 'node:path';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuireApi } from '../../../engine/api/contract.ts';
import { App } from '../components/App.tsx';
import { startRealQuire, until, type RealQuire } from '../test-support/real-quire.ts';
import { boot, shutdown } from './boot.ts';
import { openDocument } from './documents-actions.ts';
import { editExportOptions, startExport } from './export-actions.ts';
import { navigate } from './routing.ts';
import { editDocument, flushSaves, hasUnsavedChanges, retrySaves, saveError } from './saving.ts';
import { resetStore, useQuireStore } from './store.ts';

let q: RealQuire;
let client: QuireApi & { dispose(): void };
const S = () => useQuireStore.getState();

/**
 * The client with a switch that makes saveDocument fail as a dropped connection does (the
 * call never reaches the engine). Everything else goes to the real engine.
 */
function withFailingSaves(api: QuireApi): { api: QuireApi; fail: { saves: boolean }; saveCalls: string[] } {
  const fail = { saves: false };
  const saveCalls: string[] = [];
  const wrapped = new Proxy(api, {
    get(target, prop, receiver) {
      if (prop === 'saveDocument') {
        return (id: string, patch: { source?: string }) => {
          saveCalls.push(patch.source ?? '');
          if (fail.saves) return Promise.reject(Object.assign(new Error('Not connected to Quire right now.'), { code: 'TRANSPORT_CLOSED' }));
          return target.saveDocument(id, patch);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { api: wrapped, fail, saveCalls };
}

let faults: ReturnType<typeof withFailingSaves>;

async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

async function newDoc(title: string): Promise<string> {
  const doc = await q.engine.createDocument({ title, source: `# ${title}\n`, format: 'md' });
  await openDocument(doc.id);
  return doc.id;
}

function setHidden(hidden: boolean): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
}

beforeAll(async () => {
  q = await startRealQuire();
});

afterAll(async () => {
  await q.close();
});

beforeEach(async () => {
  localStorage.clear();
  resetStore();
  client = q.connectClient();
  faults = withFailingSaves(client);
  await boot(faults.api);
});

afterEach(() => {
  cleanup();
  shutdown();
  client.dispose();
  localStorage.clear();
  setHidden(false);
});

describe('pending saves go out when the page goes away', () => {
  it('pagehide sends the pending save at once, not after the pause', async () => {
    const id = await newDoc('Hide');
    editDocument(id, { source: '# Hide\n\ntyped line\n' });
    await microtasks();
    expect(faults.saveCalls).toEqual([]); // still waiting for the pause
    window.dispatchEvent(new Event('pagehide'));
    await microtasks();
    expect(faults.saveCalls).toEqual(['# Hide\n\ntyped line\n']);
    await until(async () => (await q.engine.getDocument(id)).source.includes('typed line'), 'the engine to have the line');
  });

  it('visibilitychange to hidden sends it at once; to visible does nothing', async () => {
    const id = await newDoc('Visibility');
    editDocument(id, { source: '# Visibility\n\nline\n' });
    document.dispatchEvent(new Event('visibilitychange'));
    await microtasks();
    expect(faults.saveCalls).toEqual([]);
    setHidden(true);
    document.dispatchEvent(new Event('visibilitychange'));
    await microtasks();
    expect(faults.saveCalls).toEqual(['# Visibility\n\nline\n']);
  });

  it('leaving a stage of the document sends its pending save at once', async () => {
    const id = await newDoc('Stage change');
    navigate({ name: 'document', documentId: id, stageId: 'write' });
    editDocument(id, { source: '# Stage change\n\nwritten\n' });
    navigate({ name: 'document', documentId: id, stageId: 'details' });
    await microtasks();
    expect(faults.saveCalls).toEqual(['# Stage change\n\nwritten\n']);
  });

  it('keeps text whose save never arrived and saves it at the next start', async () => {
    const id = await newDoc('Lost line');
    faults.fail.saves = true; // the page's last message does not reach the engine
    editDocument(id, { source: '# Lost line\n\nthe line typed before reload\n' });
    window.dispatchEvent(new Event('pagehide'));
    await flushSaves();
    expect((await q.engine.getDocument(id)).source).not.toContain('the line typed before reload');

    // The next page load: a fresh store and connection, the same localStorage.
    shutdown();
    resetStore();
    await boot(q.connectClient());
    await flushSaves();
    expect((await q.engine.getDocument(id)).source).toContain('the line typed before reload');
    expect(S().docs[id]?.source).toContain('the line typed before reload');
    expect(localStorage.length).toBe(0); // confirmed: nothing left to put back
  });

  it('does not put back stale text over a document changed elsewhere since', async () => {
    const id = await newDoc('Changed elsewhere');
    faults.fail.saves = true;
    editDocument(id, { source: 'old tab text' });
    window.dispatchEvent(new Event('pagehide'));
    await flushSaves();
    await q.serverApi.saveDocument(id, { source: 'newer text from another window' });
    shutdown();
    resetStore();
    await boot(q.connectClient());
    await flushSaves();
    expect((await q.engine.getDocument(id)).source).toBe('newer text from another window');
    expect(S().notices.map((n) => n.text).join('\n')).toMatch(/not put back: the document was changed elsewhere/);
  });
});

describe('status and retry', () => {
  it('says Not saved when a save fails, Saved only after the engine confirmed the retry', async () => {
    const id = await newDoc('Retry');
    faults.fail.saves = true;
    editDocument(id, { source: 'retry me' });
    expect(S().saveStatus[id]).toBe('pending');
    expect(await flushSaves(id)).toBe(false);
    expect(S().saveStatus[id]).toBe('error');
    expect(saveError(id)).toMatch(/Not connected/);
    expect(hasUnsavedChanges(id)).toBe(true);

    faults.fail.saves = false;
    expect(await retrySaves(id)).toBe(true);
    expect(S().saveStatus[id]).toBe('saved');
    expect((await q.engine.getDocument(id)).source).toBe('retry me');
    expect(hasUnsavedChanges()).toBe(false);
  });

  it('shows Not saved with a Retry button that saves', async () => {
    const id = await newDoc('Retry button');
    render(<App />);
    await act(async () => navigate({ name: 'document', documentId: id, stageId: 'write' }));
    const sourceBox = await screen.findByLabelText('Markdown source');
    faults.fail.saves = true;
    fireEvent.change(sourceBox, { target: { value: 'typed in the box' } });
    expect(screen.getByTestId('save-status').textContent).toBe('Saving…');
    await act(async () => void (await flushSaves(id)));
    expect(screen.getByTestId('save-status').textContent).toBe('Not saved');
    faults.fail.saves = false;
    fireEvent.click(screen.getByRole('button', { name: 'Retry saving' }));
    await screen.findByText('Saved');
    expect(screen.queryByRole('button', { name: 'Retry saving' })).toBeNull();
    expect((await q.engine.getDocument(id)).source).toBe('typed in the box');
  });
});

describe('exports start from saved text', () => {
  it('startExport sends the pending save first: the export has the line typed just before', async () => {
    const id = await newDoc('Export now');
    editExportOptions(id, 'export', { formats: ['md'] });
    editDocument(id, { source: '# Export now\n\nline typed right before the export\n' });
    const jobId = await startExport(id, 'export');
    expect(jobId).toBeTruthy();
    const job = await until(() => {
      const j = S().jobs[jobId!];
      return j && j.status === 'completed' ? j : undefined;
    }, 'the export to complete');
    const md = job.outputs.find((o) => o.format === 'md')!;
    expect(fs.readFileSync(md.path, 'utf8')).toContain('line typed right before the export');
    expect(path.dirname(md.path)).toBe(q.outDir);
  });

  it('does not start when the save fails, and says why', async () => {
    const id = await newDoc('Unsaved export');
    faults.fail.saves = true;
    editDocument(id, { source: 'text the engine never got' });
    expect(await startExport(id, 'export')).toBeNull();
    expect(S().stageErrors[`${id}:export`]).toMatch(/did not start: your latest changes are not saved/);
    expect(await q.engine.listJobs({ documentId: id })).toEqual([]);
  });
});

describe('leaving with unsaved changes', () => {
  const beforeUnload = () => {
    const e = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(e);
    return e.defaultPrevented;
  };

  it('asks (beforeunload prevented) while a save waits or failed, not once saved', async () => {
    const id = await newDoc('Leaving');
    expect(beforeUnload()).toBe(false);
    editDocument(id, { source: 'waiting' });
    expect(beforeUnload()).toBe(true);
    await flushSaves();
    expect(beforeUnload()).toBe(false);

    faults.fail.saves = true;
    editDocument(id, { source: 'failing' });
    await flushSaves();
    expect(S().saveStatus[id]).toBe('error');
    expect(beforeUnload()).toBe(true);
    expect(localStorage.length).toBe(1); // kept in case the person leaves anyway
  });
});
