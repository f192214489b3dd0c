import { describe, expect, it } from 'vitest';
import { documentSaveKey, saveKeyId, stageSaveKey } from './save-key.ts';

describe('saveKeyId', () => {
  it('gives one id per key, whatever characters the ids hold', () => {
    const ids = [
      saveKeyId(documentSaveKey('a')),
      saveKeyId(stageSaveKey('a', 'b')),
      // With joined strings ("stage|a|b|c") these two were the same key.
      saveKeyId(stageSaveKey('a|b', 'c')),
      saveKeyId(stageSaveKey('a', 'b|c')),
      saveKeyId(stageSaveKey('a', 'document')),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect(saveKeyId(stageSaveKey('a', 'b'))).toBe(saveKeyId({ kind: 'stage', documentId: 'a', stageId: 'b' }));
  });
});
