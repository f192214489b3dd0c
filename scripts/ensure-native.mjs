#!/usr/bin/env node
/**
 * node scripts/ensure-native.mjs <node|electron>
 *
 * Makes better-sqlite3's native binary match the runtime about to load it. Node and
 * Electron have different ABIs (NODE_MODULE_VERSION), so a binary built for one crashes the
 * other at require() time.
 *
 * node      Loads better-sqlite3 in a child `node` (a wrong-ABI binary crashes the child, not
 *           this script). Loads: nothing to do. Fails to load: `npm rebuild better-sqlite3`,
 *           then checks again. Runs before `npm test` (pretest).
 * electron  Rebuilds for the pinned Electron with @electron/rebuild (or electron-builder
 *           install-app-deps), unless the marker says it already is. Runs before `npm start`,
 *           `npm run dev` and `npm run package` — never in postinstall.
 *
 * Either way the ABI built for is recorded in node_modules/better-sqlite3/build/.quire-abi.
 * Exit code 0 when the binary is right for the target, 1 otherwise.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MODULE = 'better-sqlite3';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULE_DIR = path.join(ROOT, 'node_modules', MODULE);
const BINARY = path.join(MODULE_DIR, 'build', 'Release', 'better_sqlite3.node');
const MARKER = path.join(MODULE_DIR, 'build', '.quire-abi');
const WIN = process.platform === 'win32';

const say = (line) => process.stdout.write(`ensure-native: ${line}\n`);
const fail = (line) => {
  process.stderr.write(`ensure-native: ${line}\n`);
  process.exit(1);
};

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(MARKER, 'utf8'));
  } catch {
    return null;
  }
}

function binaryStamp() {
  try {
    const st = fs.statSync(BINARY);
    return { size: st.size, mtimeMs: Math.round(st.mtimeMs) };
  } catch {
    return null;
  }
}

function writeMarker(data) {
  const value = { ...data, binary: binaryStamp(), at: new Date().toISOString() };
  try {
    fs.mkdirSync(path.dirname(MARKER), { recursive: true });
    fs.writeFileSync(MARKER, `${JSON.stringify(value, null, 2)}\n`);
  } catch (e) {
    say(`could not write ${path.relative(ROOT, MARKER)} (${e.message}); continuing`);
  }
}

/** Opens an in-memory database in a child node; returns { ok } or { ok: false, reason, missing }. */
function loadsInNode() {
  const probe = `const D = require(${JSON.stringify(MODULE)}); const db = new D(':memory:'); db.prepare('select 1').get(); db.close();`;
  const r = spawnSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return { ok: true };
  const out = `${r.stderr ?? ''}\n${r.stdout ?? ''}`;
  const missing = new RegExp(`Cannot find module '${MODULE}'`).test(out);
  const line =
    out.split('\n').find((l) => /NODE_MODULE_VERSION|different Node\.js version|bindings file|ELF|self-register|dlopen|Error:/.test(l))?.trim() ??
    (r.signal ? `the child process died with ${r.signal}` : `exit code ${r.status}`);
  return { ok: false, reason: line.length > 300 ? `${line.slice(0, 297)}...` : line, missing };
}

function run(command, args) {
  say(`running: ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', shell: WIN });
  if (r.error) return `${command} could not start (${r.error.message})`;
  return r.status === 0 ? null : `${command} exited with ${r.status ?? r.signal}`;
}

function ensureNode() {
  const target = `Node ${process.version} (ABI ${process.versions.modules})`;
  const first = loadsInNode();
  if (first.ok) {
    const m = readMarker();
    if (m?.runtime !== 'node' || m.abi !== process.versions.modules) writeMarker({ runtime: 'node', abi: process.versions.modules, node: process.version });
    say(`${MODULE} loads in ${target}; nothing to do.`);
    return;
  }
  if (first.missing) fail(`${MODULE} is not installed. Run "npm install" first.`);
  const marker = readMarker();
  const was = marker?.runtime === 'electron' ? ` (it was built for Electron ${marker.electron}, ABI ${marker.abi})` : '';
  say(`${MODULE} does not load in ${target}${was}: ${first.reason}`);
  say(`rebuilding ${MODULE} for ${target}; compiling from source can take a couple of minutes.`);
  const problem = run('npm', ['rebuild', MODULE]);
  if (problem) fail(`${problem}. Fix the build error above, then run "npm rebuild ${MODULE}".`);
  const second = loadsInNode();
  if (!second.ok) fail(`${MODULE} still does not load after the rebuild: ${second.reason}`);
  writeMarker({ runtime: 'node', abi: process.versions.modules, node: process.version });
  say(`rebuilt ${MODULE} for ${target}.`);
}

function electronTarget() {
  const dir = path.join(ROOT, 'node_modules', 'electron');
  let version;
  try {
    version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    fail('electron is not installed (node_modules/electron). Run "npm install" first.');
  }
  let abi = null;
  try {
    abi = fs.readFileSync(path.join(dir, 'abi_version'), 'utf8').trim() || null;
  } catch {
    // Older electron packages have no abi_version file; @electron/rebuild works it out itself.
  }
  return { version, abi };
}

function rebuildTool(version, abi) {
  const bin = (name) => path.join(ROOT, 'node_modules', '.bin', WIN ? `${name}.cmd` : name);
  if (fs.existsSync(bin('electron-rebuild'))) {
    return [bin('electron-rebuild'), ['-f', '-o', MODULE, '-v', version, ...(abi ? ['--force-abi', abi] : [])]];
  }
  if (fs.existsSync(bin('electron-builder'))) return [bin('electron-builder'), ['install-app-deps']];
  return null;
}

function ensureElectron() {
  const { version, abi } = electronTarget();
  const target = `Electron ${version}${abi ? ` (ABI ${abi})` : ''}`;
  const marker = readMarker();
  const stamp = binaryStamp();
  if (
    marker?.runtime === 'electron' &&
    marker.electron === version &&
    stamp &&
    marker.binary?.size === stamp.size &&
    marker.binary?.mtimeMs === stamp.mtimeMs
  ) {
    say(`${MODULE} is already built for ${target}; nothing to do.`);
    return;
  }
  const tool = rebuildTool(version, abi);
  if (!tool) fail('neither @electron/rebuild nor electron-builder is installed (node_modules/.bin); cannot rebuild for Electron.');
  say(`rebuilding ${MODULE} for ${target}. "npm test" rebuilds it for Node again afterwards (pretest).`);
  const problem = run(tool[0], tool[1]);
  if (problem) fail(`${problem}. The Node build can be restored with "npm rebuild ${MODULE}".`);
  writeMarker({ runtime: 'electron', abi, electron: version });
  say(`rebuilt ${MODULE} for ${target}.`);
}

const mode = process.argv[2];
if (mode === 'node') ensureNode();
else if (mode === 'electron') ensureElectron();
else fail('usage: node scripts/ensure-native.mjs <node|electron>');
