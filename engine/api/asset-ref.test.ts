import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseAssetRef, urlScheme } from './asset-ref.ts';

describe('normaliseAssetRef: one spelling of a reference for import, export and the renderer', () => {
  it.each([
    ['images/a.png', 'images/a.png'],
    ['./images/a.png?raw=1#x', 'images/a.png'],
    ['images/a%20b.png', 'images/a b.png'],
    ['a\\b.png', 'a/b.png'],
    ['x/../y/./c.png', 'y/c.png'],
    ['../up.png', '../up.png'],
    ['a/../../up.png', '../up.png'],
    ['/abs/d.png', '/abs/d.png'],
    ['/../d.png', '/d.png'],
    ['100%.png', '100%.png'],
    ['C:\\pics\\a.png', 'C:/pics/a.png'],
    ['file:///home/ada/a%20b.png', '/home/ada/a b.png'],
    ['file://localhost/tmp/x.png', '/tmp/x.png'],
    ['file:///C:/pics/a.png', 'C:/pics/a.png'],
  ])('%s → %s', (ref, expected) => {
    expect(normaliseAssetRef(ref)).toBe(expected);
  });

  it.each(['', '   ', 'folder/', '//cdn/x.png', 'https://x/y.png', 'HTTP://x/y.png', 'data:image/png;base64,AA', 'java\nscript:alert(1)', 'blob:abc', 'file://server/share/a.png', '.', '/'])(
    '%j is not a local file',
    (ref) => {
      expect(normaliseAssetRef(ref)).toBeNull();
    },
  );

  it('folds dots as POSIX path.normalize does', () => {
    for (const ref of ['a/b/../c.png', './x/./y/z.png', '../../a.png', 'a/../../b.png', '/a/../../b.png', 'a//b.png']) {
      expect(normaliseAssetRef(ref)).toBe(path.posix.normalize(ref));
    }
  });

  it('reads a scheme as a browser does', () => {
    expect(urlScheme(' JaVa\tScript:x')).toBe('javascript');
    expect(urlScheme('images/a:b.png')).toBeNull();
  });
});
