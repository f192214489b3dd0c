import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmrf, tempDir } from '../../tests/helpers.ts';
import { missingWebBuild } from './serve.ts';

const dir = tempDir();
afterAll(() => rmrf(dir));

describe('missingWebBuild', () => {
  it('names the missing file and the command that builds it', () => {
    const web = path.join(dir, 'out', 'web');
    expect(missingWebBuild(web, dir)).toBe(
      `the web UI is not built (${path.join(web, 'index.html')} is missing). Run "npm run build:web" in ${dir}, then start "quire serve" again.`,
    );
    fs.mkdirSync(web, { recursive: true });
    expect(missingWebBuild(web, dir)).not.toBeNull(); // a folder without index.html is not a build
    fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html>');
    expect(missingWebBuild(web, dir)).toBeNull();
  });
});
