import { useEffect } from 'react';
import type { Notice } from '../store/ui-slice.ts';
import { useQuireStore } from '../store/store.ts';

/** Confirmations fade after a while; errors stay until dismissed. */
const INFO_MS = 8_000;

/** Errors and confirmations from actions; each can be dismissed. */
export function Notices() {
  const notices = useQuireStore((s) => s.notices);
  return (
    <div className="notices" aria-live="polite" aria-relevant="additions">
      {notices.map((n) => (
        <NoticeRow key={n.id} notice={n} />
      ))}
    </div>
  );
}

function NoticeRow({ notice }: { notice: Notice }) {
  const dismiss = useQuireStore((s) => s.dismissNotice);
  useEffect(() => {
    if (notice.kind !== 'info') return;
    const t = setTimeout(() => dismiss(notice.id), INFO_MS);
    return () => clearTimeout(t);
  }, [notice, dismiss]);
  return (
    <div className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : undefined}>
      <span>{notice.text}</span>
      <button type="button" className="link-button" onClick={() => dismiss(notice.id)} aria-label={`Dismiss: ${notice.text}`}>
        Dismiss
      </button>
    </div>
  );
}
