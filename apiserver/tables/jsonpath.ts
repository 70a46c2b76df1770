// Kubernetes' JSONPath dialect (k8s.io/client-go/util/jsonpath), as CRD printer columns use it:
// `.status.replicas`, `.spec.containers[0].image`, `.status.conditions[?(@.type=="Ready")].status`,
// slices `[1:3]`, unions `[0,2]`, `['key.with.dots']`, wildcards `[*]` / `.*`, recursive descent `..name`.
// Missing keys yield no result rather than an error (apiextensions turns that on). Results are printed
// the way Go prints them: maps and lists as compact JSON with sorted keys, floats in %v form.

interface ListNode {
  kind: 'list';
  nodes: PathNode[];
}

interface SliceParam {
  known: boolean;
  value: number;
  /** The end index of a single index `[i]`, derived as i + 1. */
  derived: boolean;
}

type PathNode =
  | ListNode
  | { kind: 'text'; text: string }
  | { kind: 'field'; name: string }
  | { kind: 'array'; params: [SliceParam, SliceParam, SliceParam] }
  | { kind: 'filter'; left: ListNode; right: ListNode; operator: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'union'; lists: ListNode[] }
  | { kind: 'identifier'; name: string };

export class JsonPathError extends Error {}

/** A float literal of the path itself (`1.5`): Go keeps it apart from integers when comparing. */
class FloatLiteral {
  constructor(readonly value: number) {}
}

const EOF = '';

function isTerminator(c: string): boolean {
  return c === EOF || ' \t\r\n.,[]$@{}'.includes(c);
}

function isAlphaNumeric(c: string): boolean {
  return c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);
}

const dictKeyPattern = /^'([^']*)'$/;
const slicePattern = /^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$/;
const filterPattern = /^([^!<>=]+)([!<>=]+)(.+?)$/;

class Parser {
  readonly root: ListNode = { kind: 'list', nodes: [] };
  private pos = 0;
  private start = 0;
  private width = 0;

  constructor(private readonly input: string) {}

  parse(): ListNode {
    this.parseText(this.root);
    return this.root;
  }

  private consumeText(): string {
    const value = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return value;
  }

  private next(): string {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const c = String.fromCodePoint(this.input.codePointAt(this.pos)!);
    this.width = c.length;
    this.pos += this.width;
    return c;
  }

  private peek(): string {
    const c = this.next();
    this.backup();
    return c;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private parseText(cur: ListNode): void {
    for (;;) {
      if (this.input.startsWith('{', this.pos)) {
        if (this.pos > this.start) cur.nodes.push({ kind: 'text', text: this.consumeText() });
        this.parseLeftDelim(cur);
        return;
      }
      if (this.next() === EOF) break;
    }
    if (this.pos > this.start) cur.nodes.push({ kind: 'text', text: this.consumeText() });
  }

  private parseLeftDelim(cur: ListNode): void {
    this.pos += 1;
    this.consumeText();
    const list: ListNode = { kind: 'list', nodes: [] };
    cur.nodes.push(list);
    this.parseInsideAction(list);
  }

  private parseInsideAction(cur: ListNode): void {
    for (;;) {
      if (this.input.startsWith('}', this.pos)) {
        this.pos += 1;
        this.consumeText();
        this.parseText(this.root);
        return;
      }
      if (this.input.startsWith('[?(', this.pos)) {
        this.parseFilter(cur);
        continue;
      }
      if (this.input.startsWith('..', this.pos)) {
        this.parseRecursive(cur);
        continue;
      }
      const c = this.next();
      if (c === EOF || c === '\r' || c === '\n') throw new JsonPathError('unclosed action');
      if (c === ' ' || c === '@' || c === '$') {
        // `@` and `$` name the current object: nothing to do.
        this.consumeText();
      } else if (c === '[') {
        this.parseArray(cur);
      } else if (c === '"' || c === "'") {
        this.parseQuote(cur, c);
      } else if (c === '.') {
        this.parseField(cur);
      } else if (c === '+' || c === '-' || /^\p{Nd}$/u.test(c)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(c)) {
        this.backup();
        this.parseIdentifier(cur);
      } else {
        throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(c)}`);
      }
    }
  }

  private parseIdentifier(cur: ListNode): void {
    while (!isTerminator(this.next()));
    this.backup();
    const value = this.consumeText();
    cur.nodes.push(value === 'true' || value === 'false' ? { kind: 'bool', value: value === 'true' } : { kind: 'identifier', name: value });
  }

  private parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.kind === 'recursive') throw new JsonPathError('invalid multiple recursive descent');
    this.pos += 2;
    this.consumeText();
    cur.nodes.push({ kind: 'recursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    const sign = this.peek();
    if (sign === '+' || sign === '-') this.next();
    for (;;) {
      const c = this.next();
      if (c !== '.' && !/^\p{Nd}$/u.test(c)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (/^[+-]?[0-9]+$/.test(value)) cur.nodes.push({ kind: 'int', value: Number(value) });
    else if (/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(value)) cur.nodes.push({ kind: 'float', value: Number(value) });
    else throw new JsonPathError(`cannot parse number ${value}`);
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const c = this.next();
      if (c === EOF || c === '\n') throw new JsonPathError('unterminated array');
      if (c === ']') break;
    }
    let text = this.consumeText().slice(1, -1);
    if (text === '*') text = ':';

    const members = text.split(',');
    if (members.length > 1) {
      const lists = members.map((member) => parseAction(`[${member.replace(/^ +| +$/g, '')}]`));
      cur.nodes.push({ kind: 'union', lists });
      return;
    }

    const key = dictKeyPattern.exec(text);
    if (key) {
      cur.nodes.push(...parseAction(`.${key[1]}`).nodes);
      return;
    }

    const slice = slicePattern.exec(text);
    if (!slice) throw new JsonPathError(`invalid array index ${text}`);
    const params: [SliceParam, SliceParam, SliceParam] = [
      { known: false, value: 0, derived: false },
      { known: false, value: 0, derived: false },
      { known: false, value: 0, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      let part = slice[i + 1] ?? '';
      if (part !== '') {
        if (i > 0) part = part.slice(1);
        if (i > 0 && part === '') continue;
        if (!/^-?[0-9]+$/.test(part)) throw new JsonPathError(`array index ${part} is not a number`);
        params[i] = { known: true, value: Number(part), derived: false };
      } else if (i === 1) {
        params[1] = { known: true, value: params[0].value + 1, derived: true };
      }
    }
    cur.nodes.push({ kind: 'array', params });
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const c = this.next();
      if (c === EOF || c === '\n') throw new JsonPathError('unterminated filter');
      if (c === '"' || c === "'") {
        if (!begin) {
          begin = true;
          pair = c;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && c === pair) end = true;
      } else if (c === ')' && begin === end) {
        break;
      }
    }
    if (this.next() !== ']') throw new JsonPathError('unclosed array expect ]');
    const text = this.consumeText().slice(0, -2);
    const comparison = filterPattern.exec(text);
    if (!comparison) {
      cur.nodes.push({ kind: 'filter', left: parseAction(text), right: { kind: 'list', nodes: [] }, operator: 'exists' });
    } else {
      cur.nodes.push({ kind: 'filter', left: parseAction(comparison[1]!), right: parseAction(comparison[3]!), operator: comparison[2]! });
    }
  }

  private parseQuote(cur: ListNode, quote: string): void {
    for (;;) {
      const c = this.next();
      if (c === EOF || c === '\n') throw new JsonPathError('unterminated quoted string');
      if (c === quote && this.input[this.pos - 2] !== '\\') break;
    }
    cur.nodes.push({ kind: 'text', text: unquote(this.consumeText()) });
  }

  private parseField(cur: ListNode): void {
    this.consumeText();
    while (this.advance());
    const value = this.consumeText();
    cur.nodes.push(value === '*' ? { kind: 'wildcard' } : { kind: 'field', name: value.replaceAll('\\', '') });
  }

  /** Steps over one character (two for a backslash escape); false at a terminator. */
  private advance(): boolean {
    const c = this.next();
    if (c === '\\') {
      this.next();
    } else if (isTerminator(c)) {
      this.backup();
      return false;
    }
    return true;
  }
}

/** The list of one `{…}` action (the parser's `parseAction`). */
function parseAction(text: string): ListNode {
  const first = new Parser(`{${text}}`).parse().nodes[0];
  if (first?.kind !== 'list') throw new JsonPathError(`invalid expression ${text}`);
  return first;
}

const escapes: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

/** A quoted string literal with Go's escapes, in single or double quotes. */
function unquote(quoted: string): string {
  const quote = quoted[0]!;
  const body = quoted.slice(1, -1);
  if (quoted.length < 2 || quoted.at(-1) !== quote) throw new JsonPathError(`unquote string ${quoted} error invalid syntax`);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === quote) throw new JsonPathError(`unquote string ${quoted} error invalid syntax`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i] ?? '';
    if (e in escapes) {
      out += escapes[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const digits = body.slice(i + 1, i + 1 + (e === 'x' ? 2 : e === 'u' ? 4 : 8));
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== (e === 'x' ? 2 : e === 'u' ? 4 : 8)) {
        throw new JsonPathError(`unquote string ${quoted} error invalid syntax`);
      }
      out += String.fromCodePoint(parseInt(digits, 16));
      i += digits.length;
    } else if (/^[0-7]$/.test(e) && /^[0-7]{2}$/.test(body.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      throw new JsonPathError(`unquote string ${quoted} error invalid syntax`);
    }
  }
  return out;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof FloatLiteral);
}

/** Children of a value: map values, list items, or the UTF-8 bytes of a string (as Go indexes strings). */
function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isMap(value)) return Object.values(value);
  if (typeof value === 'string') return [...Buffer.from(value, 'utf8')];
  return [];
}

function describe(value: unknown): string {
  if (value === null) return '<nil>';
  if (isMap(value)) return 'map[string]interface {}';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  return typeof value;
}

type Kind = 'bool' | 'int' | 'float' | 'string';

function basicKind(value: unknown): Kind {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (value instanceof FloatLiteral) return 'float';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  throw new JsonPathError('invalid type for comparison');
}

function scalar(value: unknown): number | string | boolean {
  return value instanceof FloatLiteral ? value.value : (value as number | string | boolean);
}

function equal(left: unknown, right: unknown): boolean {
  if (basicKind(left) !== basicKind(right)) throw new JsonPathError('incompatible types for comparison');
  return scalar(left) === scalar(right);
}

function less(left: unknown, right: unknown): boolean {
  const kind = basicKind(left);
  if (kind !== basicKind(right)) throw new JsonPathError('incompatible types for comparison');
  if (kind === 'bool') throw new JsonPathError('invalid type for comparison');
  return scalar(left) < scalar(right);
}

function compare(operator: string, left: unknown, right: unknown): boolean {
  switch (operator) {
    case '<':
      return less(left, right);
    case '>':
      return !(less(left, right) || equal(left, right));
    case '==':
      return equal(left, right);
    case '!=':
      return !equal(left, right);
    case '<=':
      return less(left, right) || equal(left, right);
    case '>=':
      return !less(left, right);
    default:
      throw new JsonPathError(`unrecognized filter operator ${operator}`);
  }
}

function evalList(input: unknown[], list: ListNode): unknown[] {
  let values = input;
  for (const node of list.nodes) values = walk(values, node);
  return values;
}

function evalArray(input: unknown[], params: [SliceParam, SliceParam, SliceParam]): unknown[] {
  const result: unknown[] = [];
  for (const value of input) {
    if (value === null || value === undefined) continue;
    if (!Array.isArray(value)) throw new JsonPathError(`${describe(value)} is not array or slice`);
    const length = value.length;
    let from = params[0].known ? params[0].value : 0;
    if (from < 0) from += length;
    let to = params[1].known ? params[1].value : length;
    if (to < 0 || (to === 0 && params[1].derived)) to += length;
    if (to === from) return result;
    if (from >= length || from < 0) throw new JsonPathError(`array index out of bounds: index ${from}, length ${length}`);
    if (to > length || to < 0) throw new JsonPathError(`array index out of bounds: index ${to - 1}, length ${length}`);
    if (from > to) throw new JsonPathError(`starting index ${from} is greater than ending index ${to}`);
    let step = 1;
    if (params[2].known) {
      if (params[2].value <= 0) throw new JsonPathError('step must be > 0');
      step = params[2].value;
    }
    for (let i = from; i < to; i += step) result.push(value[i]);
  }
  return result;
}

function evalFilter(input: unknown[], node: { left: ListNode; right: ListNode; operator: string }): unknown[] {
  const result: unknown[] = [];
  for (const value of input) {
    if (!Array.isArray(value)) throw new JsonPathError(`${describe(value)} is not array or slice and cannot be filtered`);
    for (const item of value) {
      const lefts = evalList([item], node.left);
      if (node.operator === 'exists') {
        if (lefts.length > 0) result.push(item);
        continue;
      }
      if (lefts.length === 0) continue;
      if (lefts.length > 1) throw new JsonPathError('can only compare one element at a time');
      const rights = evalList([item], node.right);
      if (rights.length === 0) continue;
      if (rights.length > 1) throw new JsonPathError('can only compare one element at a time');
      if (compare(node.operator, lefts[0], rights[0])) result.push(item);
    }
  }
  return result;
}

function evalRecursive(input: unknown[]): unknown[] {
  const result: unknown[] = [];
  for (const value of input) {
    if (value === null || value === undefined) continue;
    const inner = children(value);
    if (inner.length) result.push(value, ...evalRecursive(inner));
  }
  return result;
}

function walk(input: unknown[], node: PathNode): unknown[] {
  switch (node.kind) {
    case 'list':
      return evalList(input, node);
    case 'text':
      return [node.text];
    case 'field': {
      const result: unknown[] = [];
      for (const value of input) if (isMap(value) && Object.hasOwn(value, node.name)) result.push(value[node.name]);
      return result;
    }
    case 'array':
      return evalArray(input, node.params);
    case 'filter':
      return evalFilter(input, node);
    case 'int':
    case 'bool':
      return input.map(() => node.value);
    case 'float':
      return input.map(() => new FloatLiteral(node.value));
    case 'wildcard':
      return input.flatMap((value) => (value === null || value === undefined ? [] : children(value)));
    case 'recursive':
      return evalRecursive(input);
    case 'union':
      return node.lists.flatMap((list) => evalList(input, list));
    case 'identifier':
      // `range` and `end` only make sense for kubectl's templates, never in a column.
      throw new JsonPathError(`unsupported identifier ${node.name}`);
  }
}

/** A parsed JSONPath template; `compileJsonPath('.spec.replicas')` as a CRD column's path is written. */
export interface JsonPath {
  /** Results of each `{…}` part of the template; a missing key gives no result. Throws JsonPathError when evaluation fails. */
  findResults(data: unknown): unknown[][];
}

/** Parses a template (text with `{…}` actions); throws JsonPathError when it does not parse. */
export function parseJsonPathTemplate(template: string): JsonPath {
  const root = new Parser(template).parse();
  return { findResults: (data) => root.nodes.map((node) => walk([data], node)) };
}

/** Go's %v of a float64 (%g with the shortest digits): exponent form below 1e-4 and from 1e6 on. */
export function goFloatText(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [digits, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${digits}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

const htmlEscapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** Go's json.Marshal: sorted map keys, HTML-safe escaping, no spaces. */
export function goJson(value: unknown): string {
  if (value instanceof FloatLiteral) return JSON.stringify(value.value);
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (isMap(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${goJson(key)}:${goJson(value[key])}`).join(',')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => htmlEscapes[c]!);
  return JSON.stringify(value ?? null);
}

/** How a JSONPath result prints as text (kubectl -o jsonpath, CRD string columns). */
export function jsonPathText(value: unknown): string {
  if (value === null || value === undefined) return '<no value>';
  if (value instanceof FloatLiteral) return goFloatText(value.value);
  if (typeof value === 'object') return goJson(value);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? String(value) : goFloatText(value);
  return String(value);
}

/** The plain JSON value of a result (float literals of the path become numbers). */
export function jsonValue(value: unknown): unknown {
  return value instanceof FloatLiteral ? value.value : value;
}
