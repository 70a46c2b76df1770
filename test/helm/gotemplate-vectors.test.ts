// Go's own text/template tests (shared/gotemplate/exec_vectors.json, parse_vectors.json) run on k2's engine.
//
// "Applicable" vectors: every exec vector marked json_portable (its data has a JSON projection and it uses
// no Go-only helper), the multi-template and template-file tables, the eq/ne/lt… truth table rows that do
// not need Go's cmpStruct or complex-typed fields, the missingkey cases, and every parser, lexer and
// number-classification vector. Vectors that test Go reflection (method calls, func fields, typed maps
// and ints, %T, channels, struct printing) are not applicable: JSON-like chart data cannot hold them.
import { describe, expect, it } from 'vitest';
import { sprint } from '../../packaging/gotemplate/fmt.ts';
import { Lexer } from '../../packaging/gotemplate/lex.ts';
import { isEmptyTree, nodeString, parseNumber, parseTemplates, Tree } from '../../packaging/gotemplate/parse.ts';
import { TemplateSet } from '../../packaging/gotemplate/template.ts';
import { fromGoLiteralJson, goFunc, newMap } from '../../packaging/gotemplate/values.ts';
import { readSharedJson } from './shared.ts';
import { compareText, VectorReport } from './vector-report.ts';

interface ExecVector {
  name: string;
  input: string;
  output: string;
  ok: boolean;
  data_kind: 'json' | 'tVal' | 'go';
  data: unknown;
  json_portable: boolean;
}

const execFile = readSharedJson<{
  tVal_json: Record<string, unknown>;
  execTests: ExecVector[];
  multiExecTests: { multiText1: string; multiText2: string; tests: ExecVector[] };
  templateFileExecTests: { testdata: Record<string, string>; tests: ExecVector[] };
  cmpTests: { tests: { expr: string; template: string; output: string; ok: boolean }[] };
  missingKeyTest: { template: string; data: unknown; cases: { option: string | null; output?: string; error?: boolean; data?: unknown }[] };
}>('gotemplate/exec_vectors.json');

// The FuncMap of Go's exec_test.go, with Go's parameter types.
const testFuncs = {
  add: goFunc([], (...args: bigint[]) => args.reduce((a, b) => a + b, 0n), 'int'),
  echo: goFunc(['any'], (arg) => arg),
  makemap: goFunc(
    [],
    (...args: string[]) => {
      if (args.length % 2 !== 0) throw new Error('bad makemap');
      const map = newMap();
      for (let i = 0; i < args.length; i += 2) map[args[i]!] = args[i + 1];
      return map;
    },
    'string',
  ),
  oneArg: goFunc(['string'], (a: string) => `oneArg=${a}`),
  twoArgs: goFunc(['string', 'string'], (a: string, b: string) => `twoArgs=${a}${b}`),
  dddArg: goFunc(['int'], (a: bigint, ...b: string[]) => `${sprint(a)} [${b.join(' ')}]\n`, 'string'),
  zeroArgs: goFunc([], () => 'zeroArgs'),
  mapOfThree: goFunc([], () => Object.assign(newMap(), { three: 3n })),
  returnInt: goFunc([], () => 7n),
};

function tVal(): unknown {
  const value = fromGoLiteralJson(execFile.tVal_json) as Record<string, unknown>;
  value.FloatZero = 0; // a float64 field whose JSON text (0.0) does not say so
  return value;
}

function vectorData(v: ExecVector): unknown {
  return v.data_kind === 'tVal' ? tVal() : fromGoLiteralJson(v.data);
}

function runExec(set: TemplateSet, v: ExecVector): string | undefined {
  try {
    set.parse(v.name, v.input);
  } catch (e) {
    return `parse failed: ${(e as Error).message}`;
  }
  let output: string;
  try {
    output = set.execute(v.name, vectorData(v));
  } catch (e) {
    if (v.ok) return `unexpected error: ${(e as Error).message}`;
    return compareText(v.output, (e as { output?: string }).output ?? '');
  }
  if (!v.ok) return `expected an error, got ${JSON.stringify(output)}`;
  return compareText(v.output, output);
}

describe('Go text/template exec vectors', () => {
  it('passes at least 95% of the applicable execution vectors', () => {
    const report = new VectorReport('text/template exec (json_portable execTests, multi, file, cmp, missingkey)');
    for (const v of execFile.execTests.filter((t) => t.json_portable)) {
      report.add(`execTests/${v.name}`, () => runExec(new TemplateSet({ funcs: testFuncs }), v));
    }
    const multi = execFile.multiExecTests;
    for (const v of multi.tests.filter((t) => t.json_portable)) {
      report.add(`multiExecTests/${v.name}`, () => {
        const set = new TemplateSet({ funcs: testFuncs }).parse('root', multi.multiText1).parse('root', multi.multiText2);
        return runExec(set, v);
      });
    }
    const files = execFile.templateFileExecTests;
    for (const v of files.tests) {
      report.add(`templateFileExecTests/${v.name}`, () => {
        const set = new TemplateSet({ funcs: testFuncs });
        set.parse('tmpl1.tmpl', files.testdata['tmpl1.tmpl']!).parse('tmpl2.tmpl', files.testdata['tmpl2.tmpl']!);
        return runExec(set, v);
      });
    }
    // Rows that need Go's cmpStruct fields (uint, map[int]int, pointers, Stringers) or complex-typed fields are not applicable.
    for (const c of execFile.cmpTests.tests.filter((t) => !t.expr.includes('.'))) {
      report.add(`cmpTests/${c.expr}`, () => {
        const v: ExecVector = { name: 'cmp', input: c.template, output: c.output, ok: c.ok, data_kind: 'json', data: null, json_portable: true };
        return runExec(new TemplateSet(), v);
      });
    }
    const mk = execFile.missingKeyTest;
    mk.cases.forEach((c, i) => {
      // missingkey=zero on Go's map[string]int prints the int zero; JSON-like data is map[string]interface{}, whose zero is nil.
      if (c.option === 'missingkey=zero') return;
      report.add(`missingKeyTest/${i}:${c.option ?? 'none'}`, () => {
        const option = (c.option ?? 'missingkey=default').split('=')[1] as 'default' | 'error';
        const set = new TemplateSet({ missingKey: option }).parse('t', mk.template);
        const data = 'data' in c ? fromGoLiteralJson(c.data) : fromGoLiteralJson(mk.data);
        try {
          const out = set.execute('t', data);
          return c.error ? `expected error, got ${JSON.stringify(out)}` : compareText(c.output!, out);
        } catch (e) {
          return c.error ? undefined : `unexpected error ${(e as Error).message}`;
        }
      });
    });
    report.print();
    expect(report.rate).toBeGreaterThanOrEqual(0.95);
  });
});

interface ParseFile {
  parseTests: { name: string; input: string; ok: boolean; result: string }[];
  errorTests: { name: string; input: string; result: string }[];
  numberTests: {
    text: string;
    isInt: boolean;
    isUint: boolean;
    isFloat: boolean;
    isComplex: boolean;
    int64: number;
    uint64: number;
    float64: number;
  }[];
  isEmptyTests: { name: string; input: string; empty: boolean }[];
  multiParseTests: { name: string; input: string; ok: boolean; names: string[] | null; results: string[] | null }[];
  lexTests: { name: string; input: string; items: { type: string; val: string; pos?: number; line?: number }[] }[];
  lexDelimTests: { left: string; right: string; tests: { name: string; input: string; items: { type: string; val: string }[] }[] };
  lexPosTests: { name: string; input: string; items: { type: string; val: string; pos: number; line: number }[] }[];
}

const parseFile = readSharedJson<ParseFile>('gotemplate/parse_vectors.json');
const parseBuiltins = new Set(['printf', 'contains']);
const parseOptions = { hasFunction: (name: string) => parseBuiltins.has(name), maxExpressionDepth: 3 };

function lexItems(input: string, left?: string, right?: string): { type: string; val: string; pos: number; line: number }[] {
  const lexer = new Lexer('test', input, left, right);
  lexer.options = { emitComment: true, breakOK: true, continueOK: true };
  const items = [];
  for (;;) {
    const item = lexer.nextItem();
    items.push({ type: item.type === 'text' ? 'itemText' : item.type, val: item.val, pos: item.pos, line: item.line });
    if (item.type === 'EOF' || item.type === 'error') break;
  }
  return items;
}

function compareItems(expected: { type: string; val: string; pos?: number; line?: number }[], actual: ReturnType<typeof lexItems>, withPos: boolean): string | undefined {
  const show = (items: { type: string; val: string; pos?: number; line?: number }[]) =>
    items.map((i) => `${i.type}:${JSON.stringify(i.val)}${withPos ? `@${i.pos}:${i.line}` : ''}`).join(' ');
  const e = show(expected.map((i) => ({ ...i, val: i.type === 'EOF' ? (i.val || 'EOF') : i.val })));
  const a = show(actual.map((i) => ({ ...i, val: i.type === 'EOF' ? (i.val || 'EOF') : i.val })));
  // Go's lexer reports an EOF item's value as "" in some versions and "EOF" in others.
  const normalize = (s: string) => s.replace(/EOF:"(EOF)?"/g, 'EOF');
  return normalize(e) === normalize(a) ? undefined : `expected ${e}\n      got ${a}`;
}

describe('Go text/template parse and lex vectors', () => {
  it('passes at least 95% of the parser, lexer and number vectors', () => {
    const report = new VectorReport('text/template parse (parseTests, errorTests, numberTests, isEmptyTests, multiParseTests, lex*)');
    /** Parses a vector that may be meant to fail: the trees, or the verdict when parsing decided it. */
    const parseExpecting = (t: { name: string; input: string; ok: boolean }): Map<string, Tree> | { verdict: string | undefined } => {
      try {
        const trees = parseTemplates(t.name, t.input, parseOptions);
        return t.ok ? trees : { verdict: 'expected a parse error' };
      } catch (e) {
        return { verdict: t.ok ? `unexpected error: ${(e as Error).message}` : undefined };
      }
    };
    for (const t of parseFile.parseTests) {
      report.add(`parseTests/${t.name}`, () => {
        const trees = parseExpecting(t);
        if (!(trees instanceof Map)) return trees.verdict;
        const root = trees.get(t.name)?.root;
        return compareText(t.result, root ? nodeString(root) : '');
      });
    }
    for (const t of parseFile.errorTests) {
      report.add(`errorTests/${t.name}`, () => {
        try {
          parseTemplates(t.name, t.input, parseOptions);
        } catch (e) {
          const message = (e as Error).message;
          return message.includes(t.result) ? undefined : `error ${JSON.stringify(message)} lacks ${JSON.stringify(t.result)}`;
        }
        return 'expected a parse error';
      });
    }
    for (const t of parseFile.numberTests) {
      report.add(`numberTests/${t.text}`, () => {
        // Go's test lexes a sign inside the literal (not after an exponent) as a complex constant.
        const type = t.text[0] === "'" ? 'charconst' : /^[+-]?[^+-]*[^eEpP+-][+-].*i$/.test(t.text) ? 'complex' : 'number';
        let n;
        try {
          n = parseNumber(t.text, type, 0, new Tree('number'));
        } catch {
          return t.isInt || t.isUint || t.isFloat || t.isComplex ? 'unexpected error' : undefined;
        }
        const got = `${n.isInt},${n.isUint},${n.isFloat},${n.isComplex}`;
        const want = `${t.isInt},${t.isUint},${t.isFloat},${t.isComplex}`;
        if (got !== want) return `kinds ${got}, want ${want}`;
        if (t.isInt && BigInt(Math.trunc(t.int64)) !== n.int64 && Number(n.int64) !== t.int64) return `int64 ${n.int64}, want ${t.int64}`;
        if (t.isFloat && typeof t.float64 === 'number' && n.float64 !== t.float64) return `float64 ${n.float64}, want ${t.float64}`;
        return undefined;
      });
    }
    for (const t of parseFile.isEmptyTests) {
      report.add(`isEmptyTests/${t.name}`, () => {
        const trees = parseTemplates(t.name, t.input, parseOptions);
        const empty = isEmptyTree(trees.get(t.name)?.root ?? null);
        return empty === t.empty ? undefined : `isEmpty ${empty}, want ${t.empty}`;
      });
    }
    for (const t of parseFile.multiParseTests) {
      report.add(`multiParseTests/${t.name}`, () => {
        const trees = parseExpecting(t);
        if (!(trees instanceof Map)) return trees.verdict;
        for (const [i, name] of (t.names ?? []).entries()) {
          const tree = trees.get(name);
          if (!tree?.root) return `template ${name} missing`;
          // The vectors give each result as Go's String() or as the text it quotes.
          const text = nodeString(tree.root);
          const want = t.results![i]!;
          if (text !== want && text !== JSON.stringify(want)) return compareText(want, text);
        }
        return undefined;
      });
    }
    for (const t of parseFile.lexTests) report.add(`lexTests/${t.name}`, () => compareItems(t.items, lexItems(t.input), false));
    const delims = parseFile.lexDelimTests;
    for (const t of delims.tests) report.add(`lexDelimTests/${t.name}`, () => compareItems(t.items, lexItems(t.input, delims.left, delims.right), false));
    for (const t of parseFile.lexPosTests) report.add(`lexPosTests/${t.name}`, () => compareItems(t.items, lexItems(t.input), true));
    report.print();
    expect(report.rate).toBeGreaterThanOrEqual(0.95);
  });
});
