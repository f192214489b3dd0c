import { isActiveStatus } from '../../../engine/api/types.ts';
import { navigate } from '../store/routing.ts';
import { useQuireStore } from '../store/store.ts';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { JobsPanel } from './JobsPanel.tsx';
import { Library } from './Library.tsx';
import { Notices } from './Notices.tsx';
import { WizardShell } from './WizardShell.tsx';

export function App() {
  const route = useQuireStore((s) => s.route);
  const ready = useQuireStore((s) => s.ready);
  const fatal = useQuireStore((s) => s.fatal);
  const activeCount = useQuireStore((s) => Object.values(s.jobs).filter((j) => isActiveStatus(j.status)).length);

  const link = (name: 'library' | 'jobs', label: string, extra?: string) => (
    <a
      href={name === 'library' ? '#/' : '#/jobs'}
      aria-current={route.name === name ? 'page' : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate({ name });
      }}
    >
      {label}
      {extra}
    </a>
  );

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Quire</span>
        <nav aria-label="Main">
          <ul>
            <li>{link('library', 'Library')}</li>
            <li>{link('jobs', 'Jobs', activeCount ? ` (${activeCount} running)` : '')}</li>
          </ul>
        </nav>
      </header>
      <ConnectionBanner />
      <main className="content" id="main">
        <Notices />
        {fatal ? (
          <div className="card" role="alert">
            <h1>Quire cannot start</h1>
            <p>{fatal}</p>
          </div>
        ) : !ready ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : route.name === 'library' ? (
          <Library />
        ) : route.name === 'jobs' ? (
          <JobsPanel />
        ) : (
          <WizardShell key={route.documentId} documentId={route.documentId} stageId={route.stageId} />
        )}
      </main>
    </div>
  );
}
