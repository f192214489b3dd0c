/**
 * What a pending save writes: a document's title and text, or one stage's data. The queue's
 * maps are keyed by `saveKeyId`; code reads the key's fields, never the string.
 */
export type SaveKey = { kind: 'document'; documentId: string } | { kind: 'stage'; documentId: string; stageId: string };

export const documentSaveKey = (documentId: string): SaveKey => ({ kind: 'document', documentId });
export const stageSaveKey = (documentId: string, stageId: string): SaveKey => ({ kind: 'stage', documentId, stageId });

/** The one place a key becomes a map key (JSON: ids may hold any character, even "|"). */
export function saveKeyId(key: SaveKey): string {
  return JSON.stringify(key.kind === 'document' ? ['document', key.documentId] : ['stage', key.documentId, key.stageId]);
}
