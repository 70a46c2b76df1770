// V8 keeps a script's source in one byte per character only when every character is below U+0100: a single
// other one in a string or regular expression literal doubles the memory the bundle's source takes (7 MB).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testBundlePath } from './harness.ts';

describe('the bundle', () => {
  it('is text V8 keeps in one byte per character', () => {
    const source = readFileSync(testBundlePath, 'utf8');
    const wide = [...source.matchAll(/[^\u0000-\u00ff]/g)].map((m) => source.slice(Math.max(0, m.index - 40), m.index + 10));
    expect(wide).toEqual([]);
  });
});
