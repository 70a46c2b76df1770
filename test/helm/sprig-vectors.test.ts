// Sprig's own tests (shared/gotemplate/sprig_vectors.json) run on k2's Sprig functions.
// Applicable: every vector marked `portable` (plain JSON-like data, deterministic, no OS or environment
// dependence). The others need Go values (time.Time, structs), seeded randomness, Windows paths or env.
import { describe, expect, it } from 'vitest';
import { sprigFuncs } from '../../packaging/helm/sprig/index.ts';
import { TemplateSet } from '../../packaging/gotemplate/template.ts';
import { fromGoLiteralJson } from '../../packaging/gotemplate/values.ts';
import { readSharedJson } from './shared.ts';
import { compareText, VectorReport } from './vector-report.ts';

interface SprigVector {
  id: string;
  template: string | { go: string };
  expect: string;
  vars: unknown;
  expect_error: boolean;
  portable: boolean;
}

const vectors = readSharedJson<{ vectors: SprigVector[] }>('gotemplate/sprig_vectors.json').vectors;

describe('Sprig vectors', () => {
  it('passes at least 95% of the portable Sprig vectors', () => {
    const report = new VectorReport('sprig (portable vectors)');
    const funcs = sprigFuncs();
    for (const v of vectors.filter((x) => x.portable)) {
      report.add(`${v.id} ${JSON.stringify(v.template).slice(0, 60)}`, () => {
        if (typeof v.template !== 'string') return 'template is a Go expression';
        const set = new TemplateSet({ funcs });
        let out: string;
        try {
          set.parse('test', v.template);
          out = set.execute('test', fromGoLiteralJson(v.vars ?? {}));
        } catch (e) {
          return v.expect_error ? undefined : `unexpected error: ${(e as Error).message}`;
        }
        if (v.expect_error) return `expected an error, got ${JSON.stringify(out)}`;
        return compareText(v.expect, out);
      });
    }
    report.print();
    expect(report.rate).toBeGreaterThanOrEqual(0.95);
  });

  it('encodes and decodes base32 as Go does (RFC 4648, padded)', () => {
    // Sprig's own base32 vector compares with Go's encoder at run time, so it is not portable.
    const set = new TemplateSet({ funcs: sprigFuncs() });
    set.parse('test', '{{b32enc "coffee"}} {{b32enc "foobar"}} {{b32dec "MZXW6YTBOI======"}}');
    expect(set.execute('test', fromGoLiteralJson({}))).toBe('MNXWMZTFMU====== MZXW6YTBOI====== foobar');
  });
});
