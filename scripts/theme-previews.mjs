#!/usr/bin/env node
// Prints tests/fixtures/authoring/field-notes.md in every built-in theme with the real CLI and
// renders each PDF's first two pages to docs/themes/<theme>-<page>.png (shown in the README).
// Run: node scripts/theme-previews.mjs   (needs chromium and poppler-utils, like the tests)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const doc = path.join(root, 'tests', 'fixtures', 'authoring', 'field-notes.md');
const outDir = path.join(root, 'docs', 'themes');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-themes-'));
fs.mkdirSync(outDir, { recursive: true });
try {
  for (const theme of ['github', 'book', 'report']) {
    const out = path.join(work, theme);
    execFileSync(process.execPath, [path.join(root, 'bin', 'quire'), 'export', doc, '--format', 'pdf', '--theme', theme, '--out', out, '--data-dir', path.join(work, 'data')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const pdf = path.join(out, fs.readdirSync(out).find((f) => f.endsWith('.pdf')));
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '2', pdf, path.join(outDir, theme)]);
    console.log(`${theme}: ${fs.readdirSync(outDir).filter((f) => f.startsWith(`${theme}-`)).join(', ')}`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
