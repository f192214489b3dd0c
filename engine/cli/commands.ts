/**
 * What each `quire` command accepts, in one table: its parser (args.ts), its `--help` and the
 * top-level usage are all made from it, so the help cannot list an option the parser refuses
 * or miss one it takes.
 *
 * @example
 * const { values, positionals } = parseCommandArgs(COMMANDS.export, ['a.md', '--json']);
 * io.out.write(commandHelp(COMMANDS.export));
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONCURRENCY_LIMITS, PAGE_SIZES, THEMES } from '../api/export-spec.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder for a string option's value in the help (`DIR`, `N`). */
  value?: string;
  help: string;
  /**
   * A switch that also takes the "--no-" form (false). `shown: 'no'` lists it as "--no-name" in
   * the help, for a switch that is on unless turned off.
   */
  negatable?: { shown: 'yes' | 'no' };
}

export interface CommandSpec {
  name: CommandName;
  /** Arguments after the command name, e.g. `<file...>`. */
  args: string;
  summary: string;
  /** Extra lines shown by `quire <command> --help`. */
  details?: string;
  positionals: { min: number; max: number; missing?: string };
  options: Record<string, OptionSpec>;
}

export type CommandName = 'export' | 'themes' | 'jobs' | 'resume' | 'cancel' | 'watch' | 'serve';

/** Options most commands share: listed once under "Options for every command". */
const DATA_DIR = { type: 'string', value: 'DIR', help: 'Data folder (default: QUIRE_DATA_DIR or the app\'s per-user folder)' } as const satisfies OptionSpec;
const CONCURRENCY = { type: 'string', value: 'N', help: `Jobs run at once, ${CONCURRENCY_LIMITS.min} to ${CONCURRENCY_LIMITS.max} (default: the CPUs, 2 to 4)` } as const satisfies OptionSpec;
const JSON_OUT = { type: 'boolean', help: 'Machine-readable output: one JSON object per line' } as const satisfies OptionSpec;
const FRESH_STORE = {
  type: 'boolean',
  help: "If the data folder's database is damaged, move it aside (never\ndeleted) and start with no documents or jobs",
} as const satisfies OptionSpec;
const COMMON = new Set(['data-dir', 'concurrency', 'json', 'fresh-store']);

const EXIT_CODES = 'Exit status: 0 when every job completed, 1 if one did not or the input was refused,\n2 on a usage error.';

export const COMMANDS = {
  export: {
    name: 'export',
    args: '<file...>',
    summary: 'Import each file and export it (one durable job per file)',
    details: `Files are Markdown (.md, .markdown, .txt) or HTML (.html, .htm). Outputs are named after
each file. Every file is checked before anything is written. Ctrl-C leaves the jobs queued
for "quire resume". The options below override the settings, each document's front matter
and its Details stage, for this export only.
${EXIT_CODES}`,
    positionals: { min: 1, max: Infinity, missing: 'export needs at least one file: quire export <file...>' },
    options: {
      format: { type: 'string', value: 'LIST', help: 'Comma-separated: pdf,html,md (default: all three)' },
      out: { type: 'string', value: 'DIR', help: 'Output folder (default: the current folder)' },
      overwrite: {
        type: 'boolean',
        help: 'Replace files already at the output names that Quire did not\nwrite for this file (never the source); default: use "name (2)"',
      },
      theme: { type: 'string', value: 'NAME', help: `The look: ${THEMES.join(', ')} (see "quire themes")` },
      css: { type: 'string', value: 'FILE', help: 'A CSS file layered over the theme' },
      toc: { type: 'boolean', negatable: { shown: 'yes' }, help: 'Add a table of contents from the headings (--no-toc: none,\nwhatever the settings or front matter say)' },
      math: { type: 'boolean', negatable: { shown: 'no' }, help: 'Print TeX math as written, not rendered (--math: render it)' },
      diagrams: { type: 'boolean', negatable: { shown: 'no' }, help: 'Print ```mermaid blocks as code, not diagrams (--diagrams:\ndraw them)' },
      highlight: { type: 'boolean', negatable: { shown: 'no' }, help: 'Leave code uncoloured (--highlight: colour it by language)' },
      'page-size': { type: 'string', value: 'SIZE', help: `PDF page size: ${PAGE_SIZES.join(', ')}` },
      margins: { type: 'string', value: 'MM', help: 'PDF margins in millimetres: one for all sides, or\ntop,right,bottom,left' },
      landscape: { type: 'boolean', negatable: { shown: 'yes' }, help: 'PDF pages in landscape (--no-landscape: portrait)' },
      'header-footer': { type: 'boolean', negatable: { shown: 'no' }, help: 'PDF without the title header and page-number footer' },
      title: { type: 'string', value: 'TEXT', help: 'Title for the title block, the PDF and the HTML <title>' },
      subtitle: { type: 'string', value: 'TEXT', help: 'Subtitle' },
      author: { type: 'string', value: 'TEXT', help: 'Author(s), as shown: "Ada Lovelace, Charles Babbage"' },
      date: { type: 'string', value: 'TEXT', help: 'Date, as shown' },
      subject: { type: 'string', value: 'TEXT', help: 'What the document is about (PDF Subject, HTML description)' },
      keywords: { type: 'string', value: 'LIST', help: 'Comma-separated keywords: "pdf,export"' },
      lang: { type: 'string', value: 'TAG', help: 'Language tag: en, de, pt-BR, zh-Hans' },
      json: { ...JSON_OUT, help: 'Print one JSON line per job when done' },
      concurrency: CONCURRENCY,
      'data-dir': DATA_DIR,
      'fresh-store': FRESH_STORE,
    },
  },
  themes: {
    name: 'themes',
    args: '',
    summary: 'List the built-in themes (for --theme) with what each looks like',
    positionals: { min: 0, max: 0 },
    options: { json: { ...JSON_OUT, help: 'One JSON line per theme: {"name", "description"}' } },
  },
  jobs: {
    name: 'jobs',
    args: '',
    summary: 'List every job: document, status, progress, step, attempt, outputs, error',
    positionals: { min: 0, max: 0 },
    options: { json: JSON_OUT, 'data-dir': DATA_DIR, 'fresh-store': FRESH_STORE },
  },
  resume: {
    name: 'resume',
    args: '',
    summary: 'Run every queued or interrupted job to completion',
    details: EXIT_CODES,
    positionals: { min: 0, max: 0 },
    options: { json: JSON_OUT, concurrency: CONCURRENCY, 'data-dir': DATA_DIR, 'fresh-store': FRESH_STORE },
  },
  cancel: {
    name: 'cancel',
    args: '<jobId>',
    summary: 'Cancel a queued or running job',
    details: 'Job ids are listed by "quire jobs". Exit status: 0 when the job is cancelled (or will be), 1 if\nit had already ended or does not exist, 2 on a usage error.',
    positionals: { min: 1, max: 1, missing: 'cancel needs a job id: quire cancel <jobId> (see "quire jobs").' },
    options: { json: JSON_OUT, 'data-dir': DATA_DIR, 'fresh-store': FRESH_STORE },
  },
  watch: {
    name: 'watch',
    args: '<jobId>',
    summary: "Stream a job's progress until it ends",
    details: 'Job ids are listed by "quire jobs". Exit status: 0 when the job completed, 1 if it failed, was\ncancelled or does not exist, 2 on a usage error.',
    positionals: { min: 1, max: 1, missing: 'watch needs a job id: quire watch <jobId> (see "quire jobs").' },
    options: { json: JSON_OUT, 'data-dir': DATA_DIR, 'fresh-store': FRESH_STORE },
  },
  serve: {
    name: 'serve',
    args: '',
    summary: 'Serve the app to a browser on 127.0.0.1; prints its URL',
    details: 'The first line of output is the address to open. Ctrl-C stops the server; running exports\nresume at the next start.',
    positionals: { min: 0, max: 0 },
    options: {
      port: { type: 'string', value: 'N', help: 'Port to listen on (default: 7420; 0 picks a free one)' },
      out: { type: 'string', value: 'DIR', help: 'Output folder for exports (saved in the settings)' },
      token: { type: 'string', value: 'TOKEN', help: 'Access token, 16 to 200 of A-Z a-z 0-9 - _ (default: one kept\nin the data folder)' },
      concurrency: CONCURRENCY,
      'data-dir': DATA_DIR,
      'fresh-store': FRESH_STORE,
    },
  },
} satisfies Record<CommandName, CommandSpec>;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(s: string | undefined): s is CommandName {
  return s !== undefined && Object.hasOwn(COMMANDS, s);
}

/** Lines of "  --flag VALUE   help", the help starting at column `col` (continuation lines too). */
function optionLines(options: Array<[string, OptionSpec]>, indent: number, col: number): string {
  return options
    .map(([name, o]) => {
      const flag = `--${o.negatable?.shown === 'no' ? 'no-' : ''}${name}${o.value ? ` ${o.value}` : ''}`;
      const [first, ...rest] = o.help.split('\n');
      // A flag too long for its column gets its help on the lines below.
      const head = flag.length < col - indent ? [`${' '.repeat(indent)}${flag.padEnd(col - indent - 1)} ${first}`] : [`${' '.repeat(indent)}${flag}`, `${' '.repeat(col)}${first}`];
      return [...head, ...rest.map((l) => `${' '.repeat(col)}${l}`)].join('\n');
    })
    .join('\n');
}

function synopsis(c: CommandSpec): string {
  return `quire ${c.name}${c.args ? ` ${c.args}` : ''} [options]`;
}

/** What `quire <command> --help` prints. */
export function commandHelp(c: CommandSpec): string {
  return `Usage: ${synopsis(c)}

${c.summary}.
${c.details ? `${c.details}\n` : ''}
Options:
${optionLines(Object.entries(c.options), 2, 19)}
  -h, --help       Show this help
`;
}

/** What `quire --help` prints: every command with the options only it takes, then the shared ones. */
export function topLevelUsage(): string {
  const commands = COMMAND_NAMES.map((n) => {
    const c = COMMANDS[n];
    const own = Object.entries(c.options).filter(([name]) => !COMMON.has(name) || (n === 'export' && name === 'json'));
    const head = `  ${`${c.name}${c.args ? ` ${c.args}` : ''}`.padEnd(17)}  ${c.summary}`;
    return own.length ? `${head}\n${optionLines(own, 6, 23)}` : head;
  });
  return `Usage: quire <command> [options]

Commands:
${commands.join('\n')}

Options for every command:
  --data-dir DIR     ${DATA_DIR.help}
  --concurrency N    Jobs run at once, ${CONCURRENCY_LIMITS.min} to ${CONCURRENCY_LIMITS.max} (export, resume, serve)
  --json             Machine-readable output (all but serve)
  --fresh-store      ${FRESH_STORE.help.replace('\n', '\n                     ')}
  -h, --help         Show help: "quire --help", or "quire <command> --help" for one command
  -v, --version      Print Quire's version (on its own: "quire --version")
`;
}

/** The version in package.json (two folders up from engine/cli/ and from the bundle in out/cli/). */
export function readVersion(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  try {
    return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
