/**
 * scripts/ensure-native.mjs, run for real:
 * - against this checkout in `node` mode (must be a no-op: better-sqlite3 already loads), and
 * - against a throwaway project whose better-sqlite3 and build tools are stand-ins (a fake
 *   `npm` on PATH, a fake electron-rebuild), so the rebuild paths run without touching the
 *   shared node_modules or downloading anything.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, rmrf, tempDir } from '../helpers.ts';

const SCRIPT = path.join(ROOT, 'scripts', 'ensure-native.mjs');
const posixOnly = process.platform === 'win32' ? it.skip : it;

function runScript(script: string, mode: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [script, mode], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('ensure-native on this checkout', () => {
  it('node mode is a no-op when better-sqlite3 already loads, and says so', () => {
    const binary = path.join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    const before = fs.statSync(binary).mtimeMs;
    const r = runScript(SCRIPT, 'node');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`ensure-native: better-sqlite3 loads in Node ${process.version} (ABI ${process.versions.modules}); nothing to do.`);
    expect(r.out).not.toMatch(/rebuild/i);
    expect(fs.statSync(binary).mtimeMs).toBe(before);
  });

  it('rejects an unknown mode', () => {
    const r = runScript(SCRIPT, 'java');
    expect(r.code).toBe(1);
    expect(r.out).toContain('usage: node scripts/ensure-native.mjs <node|electron>');
  });
});

/**
 * A project with a stand-in better-sqlite3 whose "ABI" is a file: `state` says which
 * runtime the binary was built for; requiring it under Node fails like a real wrong-ABI
 * binary does unless it says "node".
 */
function fakeProject(opts: { npmFails?: boolean } = {}) {
  const dir = tempDir('quire-ensure-native-');
  const mod = path.join(dir, 'node_modules', 'better-sqlite3');
  const bin = path.join(dir, 'bin');
  const nmBin = path.join(dir, 'node_modules', '.bin');
  for (const d of [path.join(dir, 'scripts'), path.join(mod, 'build', 'Release'), bin, nmBin, path.join(dir, 'node_modules', 'electron')]) {
    fs.mkdirSync(d, { recursive: true });
  }
  fs.copyFileSync(SCRIPT, path.join(dir, 'scripts', 'ensure-native.mjs'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"fake","private":true}\n');
  fs.writeFileSync(path.join(mod, 'package.json'), '{"name":"better-sqlite3","main":"index.js"}\n');
  fs.writeFileSync(
    path.join(mod, 'index.js'),
    `const fs = require('fs');
const state = fs.readFileSync(__dirname + '/state', 'utf8').trim();
if (state !== 'node') throw new Error("The module '" + __dirname + "/build/Release/better_sqlite3.node'\\nwas compiled against a different Node.js version using\\nNODE_MODULE_VERSION 150. This version of Node.js requires\\nNODE_MODULE_VERSION " + process.versions.modules + ".");
module.exports = class { prepare() { return { get: () => ({ 1: 1 }) }; } close() {} };
`,
  );
  const setState = (s: string) => {
    fs.writeFileSync(path.join(mod, 'state'), s);
    // The binary changes with every build, as a real rebuild's would.
    fs.writeFileSync(path.join(mod, 'build', 'Release', 'better_sqlite3.node'), `${s}-${Date.now()}-${Math.random()}`);
  };
  const log = path.join(dir, 'tools.log');
  // `npm rebuild better-sqlite3` → builds for node.
  fs.writeFileSync(
    path.join(bin, 'npm'),
    `#!/bin/sh\necho "npm $*" >> "${log}"\n${opts.npmFails ? 'echo "gyp ERR! build error" >&2; exit 1' : `printf node > "${mod}/state"; echo "node-$$" > "${mod}/build/Release/better_sqlite3.node"`}\n`,
    { mode: 0o755 },
  );
  // electron-rebuild → builds for electron.
  fs.writeFileSync(
    path.join(nmBin, 'electron-rebuild'),
    `#!/bin/sh\necho "electron-rebuild $*" >> "${log}"\nprintf electron > "${mod}/state"; echo "electron-$$" > "${mod}/build/Release/better_sqlite3.node"\n`,
    { mode: 0o755 },
  );
  fs.writeFileSync(path.join(dir, 'node_modules', 'electron', 'package.json'), '{"name":"electron","version":"45.5.0"}\n');
  fs.writeFileSync(path.join(dir, 'node_modules', 'electron', 'abi_version'), '150\n');
  const run = (mode: string) => runScript(path.join(dir, 'scripts', 'ensure-native.mjs'), mode, { PATH: `${bin}${path.delimiter}${process.env.PATH}` });
  const tools = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);
  const marker = () => JSON.parse(fs.readFileSync(path.join(mod, 'build', '.quire-abi'), 'utf8'));
  return { dir, mod, setState, run, tools, marker };
}

const projects: string[] = [];
afterAll(() => projects.forEach(rmrf));

describe('ensure-native rebuild paths (stand-in project)', () => {
  posixOnly('node mode: a binary built for Electron is rebuilt for Node, and says why', () => {
    const p = fakeProject();
    projects.push(p.dir);
    p.setState('electron');
    const r = p.run('node');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/does not load in Node .*NODE_MODULE_VERSION 150/);
    expect(r.out).toContain('running: npm rebuild better-sqlite3');
    expect(r.out).toContain(`rebuilt better-sqlite3 for Node ${process.version} (ABI ${process.versions.modules}).`);
    expect(p.tools()).toEqual(['npm rebuild better-sqlite3']);
    expect(p.marker()).toMatchObject({ runtime: 'node', abi: process.versions.modules });

    const again = p.run('node');
    expect(again.out).toContain('nothing to do');
    expect(p.tools()).toHaveLength(1);
  });

  posixOnly('node mode: a failing rebuild exits 1 with a clear message', () => {
    const p = fakeProject({ npmFails: true });
    projects.push(p.dir);
    p.setState('electron');
    const r = p.run('node');
    expect(r.code).toBe(1);
    expect(r.out).toContain('ensure-native: npm exited with 1. Fix the build error above, then run "npm rebuild better-sqlite3".');
  });

  posixOnly('node mode: a missing module is reported, not rebuilt', () => {
    const p = fakeProject();
    projects.push(p.dir);
    rmrf(p.mod);
    const r = p.run('node');
    expect(r.code).toBe(1);
    expect(r.out).toContain('better-sqlite3 is not installed. Run "npm install" first.');
    expect(p.tools()).toEqual([]);
  });

  posixOnly('electron mode rebuilds once for the pinned Electron and records its ABI; node mode then rebuilds back', () => {
    const p = fakeProject();
    projects.push(p.dir);
    p.setState('node');
    const r = p.run('electron');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('rebuilt better-sqlite3 for Electron 45.5.0 (ABI 150).');
    expect(p.tools()).toEqual(['electron-rebuild -f -o better-sqlite3 -v 45.5.0 --force-abi 150']);
    expect(p.marker()).toMatchObject({ runtime: 'electron', abi: '150', electron: '45.5.0' });

    const again = p.run('electron');
    expect(again.out).toContain('already built for Electron 45.5.0 (ABI 150); nothing to do.');
    expect(p.tools()).toHaveLength(1);

    // `npm test` after `npm start`: pretest puts the Node build back.
    const back = p.run('node');
    expect(back.code, back.out).toBe(0);
    expect(back.out).toContain('(it was built for Electron 45.5.0, ABI 150)');
    expect(p.tools()).toEqual(['electron-rebuild -f -o better-sqlite3 -v 45.5.0 --force-abi 150', 'npm rebuild better-sqlite3']);
    expect(p.marker()).toMatchObject({ runtime: 'node' });
  });
});
