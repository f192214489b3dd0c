/**
 * A copy of typed text the engine has not confirmed yet, kept in the page's localStorage.
 * A save sent while the page goes away (reload, close) may never reach the engine — a
 * WebSocket closing with the page can drop it — so the text is also kept here, written
 * synchronously in pagehide/visibilitychange/beforeunload, and sent again at the next start
 * if the engine's copy is still the one the edits were based on.
 *
 * @example
 * stashDocument(localStorage, { documentId, baseRevision: doc.revision, title, source });
 * for (const s of readStashes(localStorage)) if (stashApplies(s, await api.getDocument(s.documentId))) …
 */
import type { QuireDocument } from '../../../engine/api/types.ts';

const PREFIX = 'quire:unsaved:doc:';

export interface DocumentStash {
  documentId: string;
  /** The engine revision the edits started from (the store's revision when stashed). */
  baseRevision: number;
  title: string;
  source: string;
  stashedAt: number;
}

/** localStorage where it exists and works (a private window may refuse it); else null. */
export function pageStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** Keeps the text; returns false when the storage refused it (full, disabled). */
export function stashDocument(storage: Storage | null, stash: Omit<DocumentStash, 'stashedAt'>): boolean {
  if (!storage) return false;
  try {
    storage.setItem(PREFIX + stash.documentId, JSON.stringify({ ...stash, stashedAt: Date.now() }));
    return true;
  } catch {
    return false;
  }
}

export function dropStash(storage: Storage | null, documentId: string): void {
  try {
    storage?.removeItem(PREFIX + documentId);
  } catch {
    // Nothing to do: a storage that fails here held nothing we wrote.
  }
}

export function readStashes(storage: Storage | null): DocumentStash[] {
  if (!storage) return [];
  const out: DocumentStash[] = [];
  try {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (!key?.startsWith(PREFIX)) continue;
      const s = parseStash(storage.getItem(key));
      if (s && s.documentId === key.slice(PREFIX.length)) out.push(s);
    }
  } catch {
    return out;
  }
  return out;
}

function parseStash(raw: string | null): DocumentStash | null {
  try {
    const v = JSON.parse(raw ?? '') as Partial<DocumentStash>;
    if (typeof v.documentId !== 'string' || typeof v.baseRevision !== 'number' || typeof v.title !== 'string' || typeof v.source !== 'string') return null;
    return { documentId: v.documentId, baseRevision: v.baseRevision, title: v.title, source: v.source, stashedAt: Number(v.stashedAt) || 0 };
  } catch {
    return null;
  }
}

/**
 * What to do with a stash, given the engine's copy: `restore` when the engine still holds
 * the revision the edits started from (or an older one) and differs; `drop` when the engine
 * already has this text; `conflict` when the document changed elsewhere since (the engine's
 * copy is newer and different: it is not overwritten).
 */
export function stashPlan(stash: DocumentStash, doc: Pick<QuireDocument, 'revision' | 'title' | 'source'>): 'restore' | 'drop' | 'conflict' {
  if (doc.source === stash.source && doc.title === stash.title) return 'drop';
  return doc.revision <= stash.baseRevision ? 'restore' : 'conflict';
}
