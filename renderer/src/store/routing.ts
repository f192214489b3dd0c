/**
 * Which screen is shown: navigate() changes the route (through location.hash when the app
 * keeps it there), and routeTo loads what the new screen needs.
 */
import { parseHash, routeHash, sameRoute } from '../lib/route.ts';
import { loadDocuments, openDocument } from './documents-actions.ts';
import { loadJobs } from './jobs-actions.ts';
import { store } from './quire-client.ts';
import { flushSaves } from './saving.ts';
import type { Route } from './ui-slice.ts';

let hashRouting = false;

/** Keeps the route in location.hash, or not (boot); returns how to stop listening. */
export function followHash(on: boolean): () => void {
  hashRouting = on;
  if (!on) return () => undefined;
  const onHash = () => routeTo(parseHash(window.location.hash));
  window.addEventListener('hashchange', onHash);
  return () => window.removeEventListener('hashchange', onHash);
}

/** At start: the screen the address names (when the route is kept in location.hash). */
export function routeFromHash(): void {
  if (hashRouting) routeTo(parseHash(window.location.hash));
}

export function navigate(route: Route): void {
  if (hashRouting) {
    const hash = routeHash(route);
    if (window.location.hash !== hash) {
      window.location.hash = hash; // hashchange → routeTo
      return;
    }
  }
  routeTo(route);
}

export function routeTo(route: Route, { force = false } = {}): void {
  const before = store().route;
  if (!force && sameRoute(before, route) && routeLoaded(route)) return;
  // Leaving a document or one of its stages sends what was typed there now, not after the pause.
  if (before.name === 'document' && !sameRoute(before, route)) {
    void flushSaves(before.documentId);
  }
  store().setRoute(route);
  if (route.name === 'document' && (force || before.name !== 'document' || before.documentId !== route.documentId || !store().docs[route.documentId])) {
    void openDocument(route.documentId);
  }
  if (route.name === 'jobs') void loadJobs();
  if (route.name === 'library' && (force || before.name !== 'library')) void loadDocuments();
}

function routeLoaded(route: Route): boolean {
  return route.name !== 'document' || !!store().docs[route.documentId];
}
