// @vitest-environment jsdom
/**
 * What each host offers for an output: a desktop host opens files and shows them in their
 * folder (through the contract, which checks the path is a real output); a browser host
 * offers a token-carrying download link. Real engine, in-memory transport.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QuireApi } from '../../../engine/api/contract.ts';
import { useQuireStore } from '../store/store.ts';
import { closeWindow, openWindow, startRealQuire, type RealQuire } from '../test-support/real-quire.ts';
import { OutputList } from './OutputList.tsx';

let q: RealQuire;
let client: (QuireApi & { dispose(): void }) | null = null;
const opened: string[] = [];
const shown: string[] = [];

beforeAll(async () => {
  q = await startRealQuire({
    host: { kind: 'electron', canOpenPath: true, canShowInFolder: true },
    adapter: {
      openOutput: async (p) => void opened.push(p),
      showOutputInFolder: async (p) => void shown.push(p),
    },
  });
});

afterAll(async () => {
  await q.close();
});

afterEach(() => {
  cleanup();
  closeWindow(client);
});

async function completedJob(title: string) {
  // Each test its own title: a second document named alike would get "<title> (2)".
  const doc = await q.engine.createDocument({ title, source: `# ${title}`, format: 'md' });
  const { jobId } = await q.engine.startExport({ documentId: doc.id, stageId: 'export', options: { formats: ['html', 'md'] } });
  const [job] = await q.engine.waitForJobs([jobId]);
  return job!;
}

describe('OutputList', () => {
  it('opens an output and shows it in its folder where the host can', async () => {
    client = await openWindow(q);
    const job = await completedJob('Outputs');
    render(<OutputList job={job} />);
    fireEvent.click(screen.getByRole('button', { name: 'Open Outputs.html' }));
    fireEvent.click(screen.getByRole('button', { name: 'Show Outputs.md in folder' }));
    await waitFor(() => expect(opened).toEqual([job.outputs[0]!.path]));
    await waitFor(() => expect(shown).toEqual([job.outputs[1]!.path]));
    expect(screen.queryByRole('link', { name: /Download/ })).toBeNull();
  });

  it('offers a download with the token where the host cannot open files', async () => {
    client = await openWindow(q, { downloadToken: 'tok en' });
    // As the browser host describes itself.
    act(() => useQuireStore.setState({ hostInfo: { ...useQuireStore.getState().hostInfo!, kind: 'browser', canOpenPath: false, canShowInFolder: false, downloadBase: '/download' } }));
    const job = await completedJob('Downloads');
    render(<OutputList job={job} />);
    const link = screen.getByRole('link', { name: 'Download Downloads.html' });
    expect(link.getAttribute('href')).toBe(`/download/${job.id}/html?token=tok%20en`);
    expect(link.getAttribute('download')).toBe('Downloads.html');
    expect(screen.queryByRole('button', { name: /Open/ })).toBeNull();
    expect(screen.getByText(/Saved in/).textContent).toContain(q.outDir);
  });
});
