// YAML as Helm reads and writes it: sigs.k8s.io/yaml over Go's yaml.v2.
//  - decodeYaml: YAML 1.1 scalar resolution of yaml.v2, then a JSON round trip (numbers become float64,
//    keys become strings, timestamps stay the text they were written as).
//  - encodeYaml: json.Marshal, then yaml.v2's emitter: key order, quoting and folding at 80 columns.
import { isAlias, isMap, isPair, isScalar, isSeq, type Node as YamlNode, parseAllDocuments, type Document } from 'yaml';
import { formatFloat } from '../gotemplate/fmt.ts';
import { GoStruct, isGoFunc, isGoMap, newMap, type GoMap } from '../gotemplate/values.ts';
import { jsonFloat, type JsonMarshaler } from './gojson.ts';

// ---- yaml.v2 scalar resolution ----------------------------------------------------------------

type Resolved =
  | { tag: 'null' }
  | { tag: 'bool'; value: boolean }
  | { tag: 'int'; value: bigint }
  | { tag: 'float'; value: number }
  | { tag: 'timestamp'; value: string }
  | { tag: 'str' };

const resolveMap: Record<string, Resolved> = {};
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) resolveMap[s] = { tag: 'bool', value: true };
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) resolveMap[s] = { tag: 'bool', value: false };
for (const s of ['', '~', 'null', 'Null', 'NULL']) resolveMap[s] = { tag: 'null' };
for (const s of ['.nan', '.NaN', '.NAN']) resolveMap[s] = { tag: 'float', value: NaN };
for (const s of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']) resolveMap[s] = { tag: 'float', value: Infinity };
for (const s of ['-.inf', '-.Inf', '-.INF']) resolveMap[s] = { tag: 'float', value: -Infinity };
resolveMap['<<'] = { tag: 'str' };

const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const int64Min = -(1n << 63n);
const int64Max = (1n << 63n) - 1n;
const uint64Max = (1n << 64n) - 1n;

/** strconv.ParseInt/ParseUint(s, 0, 64) on text without underscores. */
function parseGoInt(s: string, unsigned: boolean): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  if (unsigned && m[1]) return undefined;
  let digits = m[2]!;
  if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  else if (/^0[oO]/.test(digits)) digits = `0o${digits.slice(2)}`;
  let value = BigInt(digits);
  if (m[1] === '-') value = -value;
  if (unsigned ? value > uint64Max : value < int64Min || value > int64Max) return undefined;
  return value;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** yaml.v2 parseTimestamp: only the formats it accepts. */
function isTimestamp(s: string): boolean {
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?$/.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  const hour = Number(m[4] ?? m[7] ?? 0);
  const minute = Number(m[5] ?? m[8] ?? 0);
  const second = Number(m[6] ?? m[9] ?? 0);
  return hour < 24 && minute < 60 && second < 60;
}

/** What yaml.v2 makes of an untagged plain scalar. */
export function resolvePlain(s: string): Resolved {
  const first = s[0];
  const known = Object.prototype.hasOwnProperty.call(resolveMap, s) ? resolveMap[s] : undefined;
  if (s === '' || (first !== undefined && /[-+0-9.yYnNtTfFoO~]/.test(first))) {
    if (known) return known;
    if (first === '.') {
      if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) return { tag: 'float', value: Number(s) };
    } else if (first !== undefined && /[-+0-9]/.test(first)) {
      if (/[0-9]/.test(first) && isTimestamp(s)) return { tag: 'timestamp', value: s };
      const plain = s.replace(/_/g, '');
      const i = parseGoInt(plain, false) ?? parseGoInt(plain, true);
      if (i !== undefined) return { tag: 'int', value: i };
      if (yamlStyleFloat.test(plain)) return { tag: 'float', value: Number(plain) };
      const binary = /^(-?)0b([01]+)$/.exec(plain);
      if (binary) {
        const value = BigInt(`0b${binary[2]}`) * (binary[1] ? -1n : 1n);
        if (value >= int64Min && value <= int64Max) return { tag: 'int', value };
      }
    }
  }
  return { tag: 'str' };
}

const base60Float = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

// ---- decoding ---------------------------------------------------------------------------------

export class YamlError extends Error {
  override name = 'YamlError';
}

/** The key text sigs.k8s.io/yaml gives a non-string key. */
function keyString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (value === Infinity) return '.inf';
    if (value === -Infinity) return '-.inf';
    return formatFloat(Math.fround(value), 'g', -1);
  }
  if (value === null) return 'null';
  throw new YamlError(`error converting YAML to JSON: unsupported map key of type ${typeof value}`);
}

const yamlTag = 'tag:yaml.org,2002:';

function toJsonNumber(value: number | bigint): number {
  if (typeof value === 'bigint') return Number(value);
  if (!Number.isFinite(value)) throw new YamlError(`error converting YAML to JSON: json: unsupported value: ${value}`);
  return value;
}

/** Converts a parsed YAML node to Go's JSON-decoded value (float64 numbers, string keys). */
function nodeToValue(node: YamlNode | null | undefined, doc: Document, depth: number): unknown {
  if (depth > 10000) throw new YamlError('yaml: exceeded max depth');
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return nodeToValue(node.resolve(doc) as YamlNode, doc, depth + 1);
  if (isScalar(node)) {
    const text = node.source ?? String(node.value ?? '');
    const tag = node.tag;
    const isPlain = node.type === 'PLAIN';
    if (tag && tag !== '!') {
      const name = tag.startsWith(yamlTag) ? tag.slice(yamlTag.length) : tag.startsWith('!!') ? tag.slice(2) : '';
      switch (name) {
        case 'str':
          return text;
        case 'binary':
          return Buffer.from(text.replace(/\s/g, ''), 'base64').toString('utf8');
        case 'null':
          return null;
        case 'bool':
        case 'int':
        case 'float': {
          const resolved = resolvePlain(text);
          if (resolved.tag === name || (name === 'float' && resolved.tag === 'int')) {
            if (resolved.tag === 'bool') return resolved.value;
            if (resolved.tag === 'int' || resolved.tag === 'float') return toJsonNumber(resolved.value);
          }
          throw new YamlError(`yaml: cannot decode !!str \`${text}\` as a !!${name}`);
        }
        case 'timestamp':
          return text;
      }
    }
    if (!isPlain || tag === '!') return text;
    const resolved = resolvePlain(text);
    switch (resolved.tag) {
      case 'null':
        return null;
      case 'bool':
        return resolved.value;
      case 'int':
      case 'float':
        return toJsonNumber(resolved.value);
      case 'timestamp':
        return resolved.value;
      default:
        return text;
    }
  }
  if (isSeq(node)) return node.items.map((item) => nodeToValue(item as YamlNode, doc, depth + 1));
  if (isMap(node)) {
    const map = newMap();
    const merged: GoMap[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.source === '<<' && !keyNode.tag) {
        const source = nodeToValue(pair.value as YamlNode, doc, depth + 1);
        const sources = Array.isArray(source) ? source : [source];
        for (const item of sources) {
          if (!isGoMap(item)) throw new YamlError('yaml: map merge requires map or sequence of maps as the value');
          merged.push(item);
        }
        continue;
      }
      const key = keyString(nodeToValue(keyNode, doc, depth + 1));
      map[key] = nodeToValue(pair.value as YamlNode, doc, depth + 1);
    }
    // Merged keys never override explicit ones; earlier merge sources win over later ones.
    for (const source of merged) {
      for (const key of Object.keys(source)) if (!Object.prototype.hasOwnProperty.call(map, key)) map[key] = source[key];
    }
    return map;
  }
  return null;
}

function yamlErrorMessage(doc: Document): string | undefined {
  const error = doc.errors[0];
  if (!error) return undefined;
  const line = error.linePos?.[0]?.line;
  return `yaml: ${line !== undefined ? `line ${line}: ` : ''}${error.message.split('\n')[0]}`;
}

/** Decodes every document of a YAML stream. */
export function decodeYamlDocuments(text: string): unknown[] {
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, strict: false, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [];
  return list.map((doc) => {
    const error = yamlErrorMessage(doc);
    if (error) throw new YamlError(error);
    return nodeToValue(doc.contents as YamlNode | null, doc, 0);
  });
}

/** sigs.k8s.io/yaml Unmarshal into interface{}: the first document, null when empty. */
export function decodeYaml(text: string): unknown {
  const docs = decodeYamlDocuments(text);
  return docs.length ? docs[0] : null;
}

// ---- encoding ---------------------------------------------------------------------------------

/** The JSON round trip of sigs.k8s.io/yaml Marshal: integral floats become ints, structs their JSON. */
function jsonNormalize(value: unknown, depth = 0): unknown {
  if (depth > 10000) throw new YamlError('json: exceeded max depth');
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
    case 'bigint':
      return value;
    case 'number': {
      const text = jsonFloat(value);
      if (/^-?\d+$/.test(text)) {
        const i = BigInt(text);
        if (i >= int64Min && i <= uint64Max) return i;
      }
      return Number(text);
    }
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof (value as JsonMarshaler).goJson === 'function') return jsonNormalize((value as JsonMarshaler).goJson(), depth + 1);
  if (Array.isArray(value)) return value.map((item) => jsonNormalize(item, depth + 1));
  if (isGoFunc(value)) throw new YamlError('json: unsupported type: func');
  if (isGoMap(value) || value instanceof GoStruct) {
    const map = newMap();
    for (const key of Object.keys(value)) map[key] = jsonNormalize((value as GoMap)[key], depth + 1);
    return map;
  }
  throw new YamlError(`json: unsupported type: ${typeof value}`);
}

const isLetter = (ch: string) => /\p{L}/u.test(ch);
const isDigit = (ch: string) => /\p{Nd}/u.test(ch);

/** yaml.v2's keyList order: digit runs compare numerically, non-letters before letters. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]!.codePointAt(0)! < br[i]!.codePointAt(0)!;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10n + BigInt(ar[ai]!.codePointAt(0)! - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10n + BigInt(br[bi]!.codePointAt(0)! - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]!.codePointAt(0)! < br[i]!.codePointAt(0)!;
  }
  return ar.length < br.length;
}

function yamlKeyOrder(keys: string[]): string[] {
  return keys.sort((a, b) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
}

type ScalarStyle = 'plain' | 'single' | 'double' | 'literal';

interface ScalarAnalysis {
  multiline: boolean;
  flowPlainAllowed: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

const isBreakChar = (ch: string | undefined) => ch === '\r' || ch === '\n' || ch === '\u0085' || ch === '\u2028' || ch === '\u2029';
const isBlankz = (ch: string | undefined) => ch === undefined || ch === ' ' || ch === '\t' || ch === '\0' || isBreakChar(ch);

/** libyaml's is_printable (with the emitter's unicode output on). */
function isPrintable(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);
}

function analyzeScalar(value: string): ScalarAnalysis {
  if (value.length === 0) return { multiline: false, flowPlainAllowed: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  if (value.startsWith('---') || value.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  const chars = [...value];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const followedByWhitespace = isBlankz(chars[i + 1]);
    if (i === 0) {
      switch (ch) {
        case '#':
        case ',':
        case '[':
        case ']':
        case '{':
        case '}':
        case '&':
        case '*':
        case '!':
        case '|':
        case '>':
        case "'":
        case '"':
        case '%':
        case '@':
        case '`':
          flowIndicators = true;
          blockIndicators = true;
          break;
        case '?':
        case ':':
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
          break;
        case '-':
          if (followedByWhitespace) {
            flowIndicators = true;
            blockIndicators = true;
          }
          break;
      }
    } else {
      switch (ch) {
        case ',':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
          flowIndicators = true;
          break;
        case ':':
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
          break;
        case '#':
          if (precededByWhitespace) {
            flowIndicators = true;
            blockIndicators = true;
          }
          break;
      }
    }
    if (!isPrintable(ch)) specialCharacters = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreakChar(ch)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankz(ch);
  }
  const a: ScalarAnalysis = { multiline: lineBreaks, flowPlainAllowed: true, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) a.flowPlainAllowed = a.blockPlainAllowed = false;
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace) a.flowPlainAllowed = a.blockPlainAllowed = a.singleQuotedAllowed = false;
  if (spaceBreak || specialCharacters) a.flowPlainAllowed = a.blockPlainAllowed = a.singleQuotedAllowed = a.blockAllowed = false;
  if (lineBreaks) a.flowPlainAllowed = a.blockPlainAllowed = false;
  if (flowIndicators) a.flowPlainAllowed = false;
  if (blockIndicators) a.blockPlainAllowed = false;
  return a;
}

const bestIndent = 2;
const bestWidth = 80;

/** yaml.v2's emitter, for the block-style documents its encoder produces. */
class Emitter {
  out = '';
  /** yaml.v3 with SetIndent(2) indents sequences under mapping keys; yaml.v2 does not. */
  constructor(private readonly indentSequences = false) {}
  private column = 0;
  private indent = -1;
  private readonly indents: number[] = [];
  private whitespace = true;
  private indention = true;
  openEnded = false;
  private flowLevel = 0;

  private put(s: string): void {
    this.out += s;
    this.column++;
  }
  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
    this.indention = true;
  }
  private writeChar(ch: string): void {
    this.out += ch;
    this.column++;
  }
  private writeBreakChar(ch: string): void {
    if (ch === '\n') this.putBreak();
    else {
      this.out += ch;
      this.column = 0;
      this.indention = true;
    }
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? bestIndent : 0;
    else if (!indentless) this.indent += bestIndent;
  }
  private popIndent(): void {
    this.indent = this.indents.pop()!;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    for (const ch of indicator) this.writeChar(ch);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
    this.openEnded = false;
  }

  emitNode(value: unknown, ctx: { mapping: boolean; simpleKey: boolean }): void {
    if (Array.isArray(value)) {
      if (value.length === 0 || this.flowLevel > 0) return this.emitFlowEmpty('[', ']');
      return this.emitBlockSequence(value, ctx.mapping);
    }
    if (isGoMap(value)) {
      const keys = yamlKeyOrder(Object.keys(value));
      if (keys.length === 0 || this.flowLevel > 0) return this.emitFlowEmpty('{', '}');
      return this.emitBlockMapping(value, keys);
    }
    this.emitScalarValue(value, ctx);
  }

  private emitFlowEmpty(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.increaseIndent(true, false);
    this.popIndent();
    this.writeIndicator(close, false, false, false);
  }

  private emitBlockSequence(items: unknown[], mappingContext: boolean): void {
    this.increaseIndent(false, mappingContext && !this.indention && !this.indentSequences);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.emitNode(item, { mapping: false, simpleKey: false });
    }
    this.popIndent();
  }

  private emitBlockMapping(map: GoMap, keys: string[]): void {
    this.increaseIndent(false, false);
    for (const key of keys) {
      this.writeIndent();
      const simple = Buffer.byteLength(key, 'utf8') <= 128 && !/[\r\n\u0085\u2028\u2029]/.test(key);
      if (simple) {
        this.emitScalarValue(key, { simpleKey: true });
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.emitScalarValue(key, { simpleKey: false });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.emitNode(map[key], { mapping: true, simpleKey: false });
    }
    this.popIndent();
  }

  private emitScalarValue(value: unknown, ctx: { simpleKey: boolean }): void {
    let text: string;
    let style: ScalarStyle;
    if (value === null || value === undefined) {
      text = 'null';
      style = 'plain';
    } else if (typeof value === 'boolean') {
      text = value ? 'true' : 'false';
      style = 'plain';
    } else if (typeof value === 'bigint') {
      text = value.toString();
      style = 'plain';
    } else if (typeof value === 'number') {
      text = formatFloat(value, 'g', -1);
      if (text === '+Inf') text = '.inf';
      else if (text === '-Inf') text = '-.inf';
      else if (text === 'NaN') text = '.nan';
      style = 'plain';
    } else {
      text = String(value);
      const canUsePlain = resolvePlain(text).tag === 'str' && !base60Float.test(text);
      style = text.includes('\n') ? 'literal' : canUsePlain ? 'plain' : 'double';
    }
    style = this.selectStyle(text, style, ctx.simpleKey);
    this.increaseIndent(true, false);
    const allowBreaks = !ctx.simpleKey;
    switch (style) {
      case 'plain':
        this.writePlain(text, allowBreaks);
        break;
      case 'single':
        this.writeSingleQuoted(text, allowBreaks);
        break;
      case 'double':
        this.writeDoubleQuoted(text, allowBreaks);
        break;
      case 'literal':
        this.writeLiteral(text);
        break;
    }
    this.popIndent();
  }

  private selectStyle(text: string, requested: ScalarStyle, simpleKey: boolean): ScalarStyle {
    const a = analyzeScalar(text);
    let style = requested;
    if (simpleKey && a.multiline) return 'double';
    if (style === 'plain') {
      if ((this.flowLevel > 0 && !a.flowPlainAllowed) || (this.flowLevel === 0 && !a.blockPlainAllowed)) style = 'single';
      if (text.length === 0 && (this.flowLevel > 0 || simpleKey)) style = 'single';
    }
    if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!a.blockAllowed || this.flowLevel > 0 || simpleKey)) style = 'double';
    return style;
  }

  private writePlain(value: string, allowBreaks: boolean): void {
    if (value.length > 0 && !this.whitespace) this.put(' ');
    let spaces = false;
    let breaks = false;
    const chars = [...value];
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > bestWidth && chars[i + 1] !== ' ') this.writeIndent();
        else this.writeChar(ch);
        spaces = true;
      } else if (isBreakChar(ch)) {
        if (!breaks && ch === '\n') this.putBreak();
        this.writeBreakChar(ch);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.writeChar(ch);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    if (value.length > 0) this.whitespace = false;
    this.indention = false;
  }

  private writeSingleQuoted(value: string, allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false);
    let spaces = false;
    let breaks = false;
    const chars = [...value];
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > bestWidth && i > 0 && i < chars.length - 1 && chars[i + 1] !== ' ') this.writeIndent();
        else this.writeChar(ch);
        spaces = true;
      } else if (isBreakChar(ch)) {
        if (!breaks && ch === '\n') this.putBreak();
        this.writeBreakChar(ch);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (ch === "'") this.put("'");
        this.writeChar(ch);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
  }

  private writeDoubleQuoted(value: string, allowBreaks: boolean): void {
    let spaces = false;
    this.writeIndicator('"', true, false, false);
    const chars = [...value];
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i]!;
      const code = ch.codePointAt(0)!;
      if (!isPrintable(ch) || code === 0xfeff || isBreakChar(ch) || ch === '"' || ch === '\\') {
        this.put('\\');
        const simple: Record<number, string> = { 0: '0', 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 27: 'e', 0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P' };
        if (simple[code] !== undefined) this.put(simple[code]!);
        else {
          const [prefix, width] = code <= 0xff ? ['x', 2] : code <= 0xffff ? ['u', 4] : ['U', 8];
          this.put(prefix);
          for (const digit of code.toString(16).toUpperCase().padStart(width, '0')) this.put(digit);
        }
        spaces = false;
      } else if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > bestWidth && i > 0 && i < chars.length - 1) {
          this.writeIndent();
          if (chars[i + 1] === ' ') this.put('\\');
        } else this.writeChar(ch);
        spaces = true;
      } else {
        this.writeChar(ch);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
  }

  private writeLiteral(value: string): void {
    this.writeIndicator('|', true, false, false);
    const chars = [...value];
    if (chars[0] === ' ' || isBreakChar(chars[0])) this.writeIndicator(String(bestIndent), false, false, false);
    this.openEnded = false;
    let chomp = '';
    const last = chars[chars.length - 1];
    if (chars.length === 0 || !isBreakChar(last)) chomp = '-';
    else if (chars.length === 1 || isBreakChar(chars[chars.length - 2])) {
      chomp = '+';
      this.openEnded = true;
    }
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (const ch of chars) {
      if (isBreakChar(ch)) {
        this.writeBreakChar(ch);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.writeChar(ch);
        this.indention = false;
        breaks = false;
      }
    }
  }
}

/** sigs.k8s.io/yaml Marshal: the YAML text yaml.v2 writes for the value's JSON form (ends with a newline). */
export function encodeYaml(value: unknown, options: { indentSequences?: boolean } = {}): string {
  const normalized = jsonNormalize(value);
  const emitter = new Emitter(options.indentSequences);
  emitter.emitNode(normalized, { mapping: false, simpleKey: false });
  emitter.writeIndent();
  if (emitter.openEnded) {
    emitter.out += '...\n';
  }
  return emitter.out;
}
