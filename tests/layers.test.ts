import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without types
import { checkLayers } from '../scripts/check-layers.mjs';
import { ROOT, rmrf, tempDir } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach(rmrf));

function tree(files: Record<string, string>): string {
  const root = tempDir('quire-layers-');
  dirs.push(root);
  for (const [rel, code] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), code);
  }
  return root;
}

describe('layering check', () => {
  it('passes on this repository', () => {
    expect(checkLayers(ROOT)).toEqual([]);
  });

  it('reports each kind of crossing', () => {
    const root = tree({
      'engine/api/a.ts': `import fs from 'node:fs';\nimport { x } from '../store/db.ts';\nexport const a = 1;`,
      'engine/jobs/b.ts': `import { app } from 'electron';\nimport type { A } from '../api/a.ts';`,
      'renderer/src/c.tsx': `import path from 'node:path';\nimport { e } from '../../engine/engine.ts';\nimport { ok } from '../../engine/api/types.ts';\nconst m = await import('electron');`,
      'preload/d.ts': `import { contextBridge } from 'electron';\nimport { s } from '../engine/store/db.ts';`,
      'main/e.ts': `import { app } from 'electron';\nimport { createEngine } from '../engine/engine.ts';\nimport App from '../renderer/src/App.tsx';`,
      'renderer/src/ok.test.tsx': `import { createEngine } from '../../engine/engine.ts';`,
    });
    expect(checkLayers(root).sort()).toEqual(
      [
        'engine/api/a.ts: imports "node:fs" — engine/api is pure TypeScript (no node: builtins)',
        'engine/api/a.ts: imports "../store/db.ts" — engine/api imports nothing of ours',
        'engine/jobs/b.ts: imports "electron" — engine never imports electron',
        'renderer/src/c.tsx: imports "node:path" — renderer never imports node builtins',
        'renderer/src/c.tsx: imports "../../engine/engine.ts" — renderer may import only engine/api of ours',
        'renderer/src/c.tsx: imports "electron" — renderer never imports electron',
        'preload/d.ts: imports "../engine/store/db.ts" — preload may import only engine/api of ours',
        'main/e.ts: imports "../renderer/src/App.tsx" — main never imports the renderer',
      ].sort(),
    );
  });
});
