/** Entry point: pick the host's contract (Electron preload or the browser host's WebSocket), boot, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createHostApi } from './api/host-api.ts';
import { App } from './components/App.tsx';
import { boot } from './store/boot.ts';
import { flushBeforeLeaving } from './store/saving.ts';
import { useQuireStore } from './store/store.ts';
import './styles.css';

const host = createHostApi();
if (host.ok) {
  void boot(host.api, { connection: host.connection, downloadToken: host.token, hashRouting: true });
  // Desktop app: main asks for a save before it reloads, closes or quits this window.
  window.quireShell?.onFlushRequest(flushBeforeLeaving);
} else {
  useQuireStore.setState({ fatal: host.problem });
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
