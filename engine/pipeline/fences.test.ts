import { describe, expect, it } from 'vitest';
import { fencedLines } from './fences.ts';

describe('fencedLines', () => {
  it('marks the fence lines and everything between them', () => {
    expect(fencedLines(['# T', '```sh', '# not a heading', '```', 'text'])).toEqual([false, true, true, true, false]);
  });

  it('closes only on the same character, at least as long, with nothing after it', () => {
    const lines = ['````md', '```', '~~~~', '```` not yet', '   ````  ', 'out'];
    expect(fencedLines(lines)).toEqual([true, true, true, true, true, false]);
  });

  it('takes up to three spaces of indent; four is an indented code line, not a fence', () => {
    expect(fencedLines(['   ~~~', 'x', '   ~~~', '    ```', 'y'])).toEqual([true, true, true, false, false]);
  });

  it('an unclosed fence runs to the end', () => {
    expect(fencedLines(['a', '```', 'b', 'c'])).toEqual([false, true, true, true]);
  });

  it('inline code that starts a line is not a fence', () => {
    expect(fencedLines(['```inline``` text', 'after'])).toEqual([false, false]);
  });
});
