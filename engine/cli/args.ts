/**
 * Parses a command's arguments against its table entry (commands.ts). Node's parseArgs does
 * the splitting; the checks are ours, so a mistake gets one plain line naming the option
 * (node's own messages quote unevenly and tell users about `--`), and `-h`/`--help` works
 * for every command.
 *
 * @example
 * const parsed = parseCommandArgs(COMMANDS.jobs, ['--jsno']);
 * // throws UsageError: 'unknown option --jsno (did you mean --json?)'
 */
import { parseArgs } from 'node:util';
import type { CommandSpec, OptionSpec } from './commands.ts';

/** A mistake in how the command was typed: exit 2, with a pointer to the command's help. */
export class UsageError extends Error {
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

type Values<O extends Record<string, OptionSpec>> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };

export type ParsedArgs<O extends Record<string, OptionSpec>> = { help: true } | { help: false; values: Values<O>; positionals: string[] };

/** Damerau-Levenshtein (optimal string alignment): "exprot" is 1 from "export". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate nearest to `typed`, if it is at most 2 edits away. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const distance = editDistance(typed.toLowerCase(), c);
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  return best;
}

/** Every spelling a command accepts: each option, and "no-x" for a negatable switch x. */
function flagNames(spec: CommandSpec): string[] {
  return Object.entries(spec.options).flatMap(([name, o]) => (o.negatable ? [name, `no-${name}`] : [name]));
}

/** `{ help: true }` when -h/--help is given (anywhere before `--`); throws UsageError on a mistake. */
export function parseCommandArgs<S extends CommandSpec>(spec: S, args: string[]): ParsedArgs<S['options']> {
  const options = Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type }]));
  const { tokens } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true, tokens: true });
  const fail = (message: string) => new UsageError(message, spec.name);
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };

  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value);
    if (t.kind !== 'option') continue;
    // "--no-toc" is the false form of a negatable switch "--toc".
    const negated = t.name.startsWith('no-') && spec.options[t.name.slice(3)]?.negatable ? t.name.slice(3) : undefined;
    const name = negated ?? t.name;
    const o = spec.options[name] as OptionSpec | undefined;
    if (!o) {
      const guess = t.rawName.startsWith('--') ? closest(t.name, flagNames(spec)) : undefined;
      throw fail(`unknown option ${t.rawName} for "quire ${spec.name}"${guess ? ` (did you mean --${guess}?)` : ''}.`);
    }
    if (o.type === 'boolean') {
      if (t.value !== undefined) throw fail(`${t.rawName} takes no value (got "${t.rawName}=${t.value}").`);
      values[name] = !negated;
      continue;
    }
    // "--out --json" is a forgotten value, not a folder named "--json" (as node's strict mode says).
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-'))) {
      throw fail(`${t.rawName} needs a value: ${t.rawName} ${o.value ?? 'VALUE'}${t.value === undefined ? '' : ` (for a value that starts with "-", write ${t.rawName}=${t.value})`}.`);
    }
    values[t.name] = t.value;
  }

  const { min, max, missing } = spec.positionals;
  if (positionals.length < min) throw fail(missing ?? `${spec.name} needs ${spec.args}: quire ${spec.name} ${spec.args}`);
  if (positionals.length > max) {
    const extra = positionals.slice(max).map((p) => `"${p}"`).join(', ');
    throw fail(max === 0 ? `${spec.name} takes no arguments (got ${extra}).` : `${spec.name} takes ${spec.args} only (unexpected: ${extra}).`);
  }
  return { help: false, values: values as Values<S['options']>, positionals };
}
