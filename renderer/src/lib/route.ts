/** Hash routes (work the same from file:// in Electron and from the browser host). */
import type { Route } from '../store/ui-slice.ts';

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'jobs') return { name: 'jobs' };
  if (parts[0] === 'documents' && parts[1]) return { name: 'document', documentId: parts[1], stageId: parts[2] ?? null };
  return { name: 'library' };
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'library':
      return '#/';
    case 'jobs':
      return '#/jobs';
    case 'document':
      return `#/documents/${encodeURIComponent(route.documentId)}${route.stageId ? `/${encodeURIComponent(route.stageId)}` : ''}`;
  }
}

export function sameRoute(a: Route, b: Route): boolean {
  return routeHash(a) === routeHash(b);
}
