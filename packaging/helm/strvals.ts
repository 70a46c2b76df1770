// Helm's strvals: the `--set a.b[0].c=v,x={1,2}` syntax of --set, --set-string and --set-json.
// Values from --set are typed as Helm types them: true/false/null, int64 for plain integers.
import { type GoMap, isGoMap, newMap } from '../gotemplate/values.ts';
import { unmarshalJson } from './gojson.ts';

const maxIndex = 65536;
const maxNestedNameLevel = 30;

class EndOfInput extends Error {}
class NotAList extends Error {}

type Reader = (runes: string) => unknown;

/** strvals typedVal: booleans, null, int64 for integers not starting with 0, else the string. */
function typedValue(value: string, asString: boolean): unknown {
  if (asString) return value;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (value === '0') return 0n;
  if (value !== '' && value[0] !== '0' && /^[+-]?\d+$/.test(value)) {
    const n = BigInt(value);
    if (BigInt.asIntN(64, n) === n) return n;
  }
  return value;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  read(): string | undefined {
    if (this.pos >= this.text.length) return undefined;
    const ch = String.fromCodePoint(this.text.codePointAt(this.pos)!);
    this.pos += ch.length;
    return ch;
  }
  unread(ch: string): void {
    this.pos -= ch.length;
  }
  rest(): string {
    return this.text.slice(this.pos);
  }
}

/** Reads until one of `stop` (not consumed into the result); backslash escapes the next rune. */
function runesUntil(sc: Scanner, stop: string): { value: string; last: string | undefined; eof: boolean } {
  let value = '';
  for (;;) {
    const r = sc.read();
    if (r === undefined) return { value, last: undefined, eof: true };
    if (stop.includes(r)) return { value, last: r, eof: false };
    if (r === '\\') {
      const next = sc.read();
      if (next === undefined) return { value, last: undefined, eof: true };
      value += next;
    } else value += r;
  }
}

class Parser {
  constructor(
    private readonly sc: Scanner,
    private readonly data: GoMap,
    private readonly reader: Reader | null,
  ) {}

  parse(): void {
    for (;;) {
      try {
        this.key(this.data, 0);
      } catch (e) {
        if (e instanceof EndOfInput) return;
        throw e;
      }
    }
  }

  private key(data: GoMap, level: number): void {
    for (;;) {
      const { value: k, last, eof } = runesUntil(this.sc, '=[,.');
      if (eof) {
        if (k.length === 0) throw new EndOfInput();
        throw new Error(`key ${JSON.stringify(k)} has no value`);
      }
      switch (last) {
        case '[': {
          const i = this.keyIndex();
          let list: unknown[] = [];
          if (Object.prototype.hasOwnProperty.call(data, k)) {
            if (!Array.isArray(data[k])) throw new Error(`unable to parse key: interface conversion: interface {} is ${typeof data[k]}, not []interface {}`);
            list = data[k] as unknown[];
          }
          const result = this.listItem(list, i, level);
          set(data, k, result);
          return;
        }
        case '=': {
          if (!this.reader) {
            if (this.emptyValue()) {
              set(data, k, null);
              return;
            }
            set(data, k, this.jsonValue());
            this.emptyValue();
            return;
          }
          let list: unknown[];
          try {
            list = this.valueList();
          } catch (e) {
            if (e instanceof EndOfInput) {
              set(data, k, '');
              throw e;
            }
            if (e instanceof NotAList) {
              const { value } = runesUntil(this.sc, ',');
              set(data, k, this.reader(value));
              return;
            }
            throw e;
          }
          set(data, k, list);
          return;
        }
        case ',':
          set(data, k, '');
          throw new Error(`key ${JSON.stringify(k)} has no value (cannot end with ,)`);
        case '.': {
          level++;
          if (level > maxNestedNameLevel) throw new Error(`value name nested level is greater than maximum supported nested level of ${maxNestedNameLevel}`);
          let inner = newMap();
          if (Object.prototype.hasOwnProperty.call(data, k)) {
            if (!isGoMap(data[k])) throw new Error(`unable to parse key: interface conversion: interface {} is not map[string]interface {}`);
            inner = data[k] as GoMap;
          }
          let error: unknown;
          try {
            this.key(inner, level);
          } catch (e) {
            error = e;
          }
          if (error === undefined && Object.keys(inner).length === 0) throw new Error(`key map ${JSON.stringify(k)} has no value`);
          if (Object.keys(inner).length !== 0) set(data, k, inner);
          if (error !== undefined) throw error;
          return;
        }
      }
    }
  }

  private keyIndex(): number {
    const { value, eof } = runesUntil(this.sc, ']');
    if (eof) throw new Error('error parsing index: EOF');
    if (!/^[+-]?\d+$/.test(value)) throw new Error(`error parsing index: strconv.Atoi: parsing ${JSON.stringify(value)}: invalid syntax`);
    return Number(value);
  }

  private listItem(list: unknown[], i: number, level: number): unknown[] {
    if (i < 0) throw new Error(`negative ${i} index not allowed`);
    const { value: k, last, eof } = runesUntil(this.sc, '[.=');
    if (k.length > 0) throw new Error(`unexpected data at end of array index: ${JSON.stringify(k)}`);
    if (eof) throw new EndOfInput();
    switch (last) {
      case '=': {
        if (!this.reader) {
          if (this.emptyValue()) return setIndex(list, i, null);
          const result = setIndex(list, i, this.jsonValue());
          this.emptyValue();
          return result;
        }
        try {
          return setIndex(list, i, this.valueList());
        } catch (e) {
          if (e instanceof EndOfInput) return setIndex(list, i, '');
          if (e instanceof NotAList) {
            const { value } = runesUntil(this.sc, ',');
            return setIndex(list, i, this.reader(value));
          }
          throw e;
        }
      }
      case '[': {
        const next = this.keyIndex();
        const existing = list.length > i && list[i] !== null && list[i] !== undefined ? (list[i] as unknown[]) : [];
        return setIndex(list, i, this.listItem(existing, next, level));
      }
      case '.': {
        let inner = newMap();
        if (list.length > i) {
          if (isGoMap(list[i])) inner = list[i] as GoMap;
          else list[i] = inner;
        }
        this.key(inner, level);
        return setIndex(list, i, inner);
      }
    }
    throw new Error(`parse error: unexpected token ${last}`);
  }

  private emptyValue(): boolean {
    for (;;) {
      const r = this.sc.read();
      if (r === undefined || r === ',') return true;
      if (!/\s/u.test(r)) {
        this.sc.unread(r);
        return false;
      }
    }
  }

  /** Decodes one JSON value at the scanner, advancing past it. */
  private jsonValue(): unknown {
    const rest = this.sc.rest();
    for (let end = 1; end <= rest.length; end++) {
      const candidate = rest.slice(0, end);
      const following = rest[end];
      if (following !== undefined && following !== ',' && !/\s/.test(following)) continue;
      try {
        const value = unmarshalJson(candidate);
        this.sc.pos += candidate.length;
        return value;
      } catch {
        // keep extending
      }
    }
    throw new Error(`invalid JSON value: ${rest}`);
  }

  private valueList(): unknown[] {
    const r = this.sc.read();
    if (r === undefined) throw new EndOfInput();
    if (r !== '{') {
      this.sc.unread(r);
      throw new NotAList();
    }
    const list: unknown[] = [];
    for (;;) {
      const { value, last, eof } = runesUntil(this.sc, ',}');
      if (eof) throw new Error("list must terminate with '}'");
      if (last === '}') {
        const after = this.sc.read();
        if (after !== undefined && after !== ',') this.sc.unread(after);
        list.push(this.reader!(value));
        return list;
      }
      list.push(this.reader!(value));
    }
  }
}

function set(data: GoMap, key: string, value: unknown): void {
  if (key === '') return;
  data[key] = value;
}

function setIndex(list: unknown[], index: number, value: unknown): unknown[] {
  if (index < 0) throw new Error(`negative ${index} index not allowed`);
  if (index > maxIndex) throw new Error(`index of ${index} is greater than maximum supported index of ${maxIndex}`);
  while (list.length <= index) list.push(null);
  list[index] = value;
  return list;
}

export type SetKind = 'set' | 'set-string' | 'set-json';

/** Parses one --set/--set-string/--set-json argument into `dest` (Helm's strvals.ParseInto…). */
export function parseSetInto(expression: string, dest: GoMap, kind: SetKind = 'set'): void {
  const reader: Reader | null = kind === 'set-json' ? null : (runes) => typedValue(runes, kind === 'set-string');
  try {
    new Parser(new Scanner(expression), dest, reader).parse();
  } catch (e) {
    throw new Error(`failed parsing --${kind} data: ${(e as Error).message}`);
  }
}
