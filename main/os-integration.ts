/**
 * Applies JobActivity's decisions (engine/host/desktop-policy.ts) to the OS: taskbar/dock
 * progress, notifications, the power-save blocker, sleep and wake.
 */
import { Notification, powerMonitor, powerSaveBlocker, shell, type BrowserWindow } from 'electron';
import { JobActivity, type JobNotice } from '../engine/host/desktop-policy.ts';
import type { SettingsStore } from '../engine/host/settings.ts';
import type { Engine } from '../engine/engine.ts';

export interface OsIntegration {
  readonly activity: JobActivity;
  /** Re-applies the progress bar (e.g. to a new window). */
  refresh(): void;
  dispose(): void;
}

export function startOsIntegration(o: {
  engine: Engine;
  settings: SettingsStore;
  windows: () => BrowserWindow[];
  showWindow: () => void;
}): OsIntegration {
  const activity = new JobActivity();
  const shown = new Set<Notification>(); // referenced until dismissed, or the GC may drop the click handler
  let blocker: number | null = null;
  let recheck: NodeJS.Timeout | null = null;

  const refresh = () => {
    const { bar, recheckInMs } = activity.progressBar();
    for (const w of o.windows()) if (!w.isDestroyed()) w.setProgressBar(bar.progress, { mode: bar.mode });
    if (recheck) clearTimeout(recheck);
    recheck = recheckInMs === null ? null : setTimeout(refresh, recheckInMs + 20);
    const block = activity.shouldBlockSleep();
    if (block && blocker === null) blocker = powerSaveBlocker.start('prevent-app-suspension');
    if (!block && blocker !== null) {
      powerSaveBlocker.stop(blocker);
      blocker = null;
    }
  };

  const notify = (n: JobNotice) => {
    if (n.revealPath) shell.showItemInFolder(n.revealPath);
    if (!Notification.isSupported()) return;
    const note = new Notification({ title: n.title, body: n.body });
    shown.add(note);
    note.on('click', () => {
      shown.delete(note);
      if (n.openPath) void shell.openPath(n.openPath);
      else o.showWindow();
    });
    note.on('close', () => shown.delete(note));
    note.show();
  };

  const resync = async () => {
    const fetchedAt = Date.now();
    activity.reset(await o.engine.listJobs({ statuses: ['queued', 'running'] }), fetchedAt);
    refresh();
  };

  const offJob = o.engine.onDidChangeJob((job) => {
    const notice = activity.update(job, { openFolderWhenDone: o.settings.get().openFolderWhenDone });
    refresh();
    if (notice) notify(notice);
  });
  const onSuspend = () => {
    activity.suspend();
    refresh();
  };
  const onResume = () => {
    activity.resume();
    void resync().catch(() => undefined);
  };
  powerMonitor.on('suspend', onSuspend);
  powerMonitor.on('resume', onResume);
  void resync().catch(() => undefined);

  return {
    activity,
    refresh,
    dispose() {
      offJob();
      powerMonitor.off('suspend', onSuspend);
      powerMonitor.off('resume', onResume);
      activity.clear();
      refresh();
    },
  };
}
