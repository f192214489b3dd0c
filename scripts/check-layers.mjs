#!/usr/bin/env node
/**
 * Fails when an import crosses a layer (STYLE.md):
 *   engine/api  → nothing of ours, no node: builtins, no electron (pure TypeScript)
 *   engine/*    → never electron
 *   renderer    → engine/api only; never node: builtins, never electron
 *   preload     → engine/api and electron only
 *   main        → engine and electron (never renderer)
 * Usage: node scripts/check-layers.mjs [root]   (exit 1 and one line per violation)
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = /\.(c|m)?(t|j)sx?$/;
const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function* walk(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'out' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

export function importsOf(code) {
  // Comments may mention imports; drop them first (good enough for our sources).
  const stripped = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found = [];
  for (const m of stripped.matchAll(IMPORT_RE)) found.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return found;
}

function layerOf(rel) {
  if (rel.startsWith('engine/api/')) return 'api';
  if (rel.startsWith('engine/')) return 'engine';
  if (rel.startsWith('renderer/')) return 'renderer';
  if (rel.startsWith('preload/')) return 'preload';
  if (rel.startsWith('main/')) return 'main';
  return null;
}

const isElectron = (s) => s === 'electron' || s.startsWith('electron/');

export function checkLayers(root) {
  const violations = [];
  for (const layerDir of ['engine', 'renderer', 'preload', 'main']) {
    for (const file of walk(path.join(root, layerDir))) {
      const rel = path.relative(root, file).split(path.sep).join('/');
      const layer = layerOf(rel);
      // Tests may reach across (a renderer test drives a real engine); shipped code may not.
      if (/\.(test|spec)\.[cm]?[tj]sx?$/.test(rel) || rel.includes('/fixtures/') || rel.includes('/test-support/')) continue;
      for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
        const target = spec.startsWith('.') ? path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep).join('/') : null;
        const targetLayer = target ? layerOf(`${target}${target.includes('.') ? '' : '/'}`) ?? 'other' : null;
        const bad = (why) => violations.push(`${rel}: imports "${spec}" — ${why}`);
        if (layer === 'api') {
          if (target && targetLayer !== 'api') bad('engine/api imports nothing of ours');
          if (BUILTINS.has(spec)) bad('engine/api is pure TypeScript (no node: builtins)');
          if (isElectron(spec)) bad('engine/api never imports electron');
        } else if (layer === 'engine') {
          if (isElectron(spec)) bad('engine never imports electron');
          if (target && (targetLayer === 'renderer' || targetLayer === 'main' || targetLayer === 'preload')) bad('engine never imports the app shell or the UI');
        } else if (layer === 'renderer') {
          if (isElectron(spec)) bad('renderer never imports electron');
          if (BUILTINS.has(spec)) bad('renderer never imports node builtins');
          if (target && !(targetLayer === 'renderer' || targetLayer === 'api')) bad('renderer may import only engine/api of ours');
        } else if (layer === 'preload') {
          if (target && !(targetLayer === 'preload' || targetLayer === 'api')) bad('preload may import only engine/api of ours');
          if (BUILTINS.has(spec)) bad('preload (sandboxed) never imports node builtins');
        } else if (layer === 'main') {
          if (target && targetLayer === 'renderer') bad('main never imports the renderer');
        }
      }
    }
  }
  return violations;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkLayers(root);
  for (const v of violations) console.error(v);
  if (violations.length) {
    console.error(`\n${violations.length} layering violation(s). See STYLE.md "Layering".`);
    process.exit(1);
  }
  console.log('layers: ok');
}
