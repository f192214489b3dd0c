import { useQuireStore } from '../store/store.ts';

/** Shown while the browser host is out of reach; the client reconnects by itself. */
export function ConnectionBanner() {
  const connection = useQuireStore((s) => s.connection);
  const ready = useQuireStore((s) => s.ready);
  if (connection === 'open') return null;
  const text =
    connection === 'reconnecting'
      ? 'Reconnecting… The connection to Quire was lost. Nothing is lost: exports in progress go on when Quire is back, and this page catches up.'
      : connection === 'connecting'
        ? ready
          ? 'Reconnecting…'
          : 'Connecting to Quire…'
        : 'Disconnected from Quire. Reload the page to connect again.';
  return (
    <div className="banner banner-warning" role="status" data-testid="connection-banner">
      <span className="spinner" aria-hidden="true" />
      {text}
    </div>
  );
}
