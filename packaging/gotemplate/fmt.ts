// Go's fmt (Sprint, Sprintln, Sprintf) and strconv formatting for the values of values.ts.
import { GoComplex, GoStruct, goTypeName, isGoFunc, isGoMap, sortedKeys } from './values.ts';

const utf8 = new TextEncoder();

// ---- strconv ----------------------------------------------------------------------------------

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** unicode.IsPrint */
export function isPrintRune(ch: string): boolean {
  return printable.test(ch);
}

function quoteWith(s: string, quote: string, asciiOnly: boolean): string {
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if (code < 0x80 ? code >= 0x20 && code !== 0x7f : !asciiOnly && isPrintRune(ch)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += '\\ufffd';
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** strconv.Quote */
export function quote(s: string): string {
  return quoteWith(s, '"', false);
}

/** strconv.QuoteToASCII */
export function quoteToASCII(s: string): string {
  return quoteWith(s, '"', true);
}

/** strconv.QuoteRune */
export function quoteRune(code: number): string {
  const ch = code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\ufffd' : String.fromCodePoint(code);
  return quoteWith(ch, "'", false);
}

/** strconv.CanBackquote */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '`' || ch === '\ufeff' || (code < 0x20 && ch !== '\t') || code === 0x7f) return false;
  }
  return true;
}

/** Decimal digits of a float: value = 0.d1d2d3… × 10^dp (digits without trailing zeros). */
interface Decimal {
  neg: boolean;
  digits: string;
  dp: number;
}

function decimalOf(f: number, significant: number | undefined): Decimal {
  const neg = f < 0 || Object.is(f, -0);
  const abs = Math.abs(f);
  if (abs === 0) return { neg, digits: '', dp: 0 };
  const text = significant === undefined ? abs.toExponential() : abs.toExponential(Math.min(100, Math.max(0, significant - 1)));
  const match = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text)!;
  const digits = (match[1]! + (match[2] ?? '')).replace(/0+$/, '');
  return { neg, digits, dp: Number(match[3]) + 1 };
}

/** Decimal digits rounded to `frac` digits after the point. */
function decimalFixed(f: number, frac: number): Decimal {
  const neg = f < 0 || Object.is(f, -0);
  const abs = Math.abs(f);
  let text: string;
  if (abs >= 1e21) {
    text = BigInt(abs).toString() + (frac > 0 ? `.${'0'.repeat(frac)}` : '');
  } else {
    text = abs.toFixed(Math.min(100, frac));
  }
  const [intPart, fracPart = ''] = text.split('.');
  let all = (intPart! + fracPart).replace(/^0+/, '');
  const dp = all.length - fracPart.length;
  all = all.replace(/0+$/, '');
  return { neg, digits: all, dp: all.length ? dp : 0 };
}

function digitAt(d: Decimal, i: number): string {
  return i < d.digits.length ? d.digits[i]! : '0';
}

function fmtE(d: Decimal, prec: number, e: string): string {
  let out = d.neg ? '-' : '';
  out += d.digits.length ? d.digits[0] : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(d, i);
  }
  let exp = d.digits.length ? d.dp - 1 : 0;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${out}${e}${sign}${exp < 10 ? '0' : ''}${exp}`;
}

function fmtF(d: Decimal, prec: number): string {
  let out = d.neg ? '-' : '';
  if (d.dp > 0) {
    for (let i = 0; i < d.dp; i++) out += digitAt(d, i);
  } else out += '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j < 0 ? '0' : digitAt(d, j);
    }
  }
  return out;
}

/** strconv.FormatFloat(f, fmt, prec, 64) for fmt in e, E, f, g, G; prec -1 means shortest. */
export function formatFloat(f: number, format: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const shortest = prec < 0;
  switch (format) {
    case 'e':
    case 'E': {
      const d = decimalOf(f, shortest ? undefined : prec + 1);
      return fmtE(d, shortest ? Math.max(d.digits.length - 1, 0) : prec, format);
    }
    case 'f': {
      if (shortest) {
        const d = decimalOf(f, undefined);
        return fmtF(d, Math.max(d.digits.length - d.dp, 0));
      }
      return fmtF(decimalFixed(f, prec), prec);
    }
    default: {
      let p = prec;
      if (p === 0) p = 1;
      const d = decimalOf(f, shortest ? undefined : p);
      const nd = d.digits.length;
      if (shortest) p = nd;
      let eprec = p;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (nd > 0 && (exp < -4 || exp >= eprec)) {
        if (p > nd) p = nd;
        return fmtE(d, p - 1, format === 'g' ? 'e' : 'E');
      }
      if (nd === 0) return d.neg ? '-0' : '0';
      if (p > d.dp) p = nd;
      return fmtF(d, Math.max(p - d.dp, 0));
    }
  }
}

// ---- fmt --------------------------------------------------------------------------------------

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
  plusV: boolean;
  sharpV: boolean;
}

const plainSpec: Spec = { plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false };

function pad(s: string, spec: Spec, zeroOk = false): string {
  const width = spec.width;
  if (width === undefined) return s;
  const length = [...s].length;
  if (length >= width) return s;
  const fill = width - length;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && zeroOk) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    let body = s.slice(sign.length);
    let prefix = '';
    const radix = /^0[xXbBoO]/.exec(body);
    if (radix && spec.sharp) {
      prefix = radix[0];
      body = body.slice(2);
    }
    return sign + prefix + '0'.repeat(fill) + body;
  }
  return ' '.repeat(fill) + s;
}

function badVerb(verb: string, value: unknown): string {
  if (value === undefined || value === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(value)}=${formatValue(value, 'v', plainSpec, 0)})`;
}

function formatInteger(n: bigint, verb: string, spec: Spec): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      digits = abs.toString();
      break;
    case 'b':
      digits = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (spec.sharp && digits !== '0') prefix = '0';
      break;
    case 'x':
      digits = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      digits = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(abs > 0x10ffffn ? 0xfffdn : abs)), spec);
    case 'q':
      return pad(quoteRune(Number(n)), spec);
    case 'U': {
      let hexDigits = abs.toString(16).toUpperCase();
      if (hexDigits.length < 4) hexDigits = hexDigits.padStart(4, '0');
      let out = `U+${hexDigits}`;
      if (spec.sharp && abs <= 0x10ffffn && isPrintRune(String.fromCodePoint(Number(abs)))) out += ` '${String.fromCodePoint(Number(abs))}'`;
      return pad(out, spec);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    default:
      return badVerb(verb, n);
  }
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && abs === 0n) digits = '';
    else digits = digits.padStart(spec.prec, '0');
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const body = sign + prefix + digits;
  // With a precision, zero padding is not used (Go ignores the 0 flag).
  return pad(body, spec, spec.prec === undefined);
}

function formatFloatVerb(f: number, verb: string, spec: Spec): string {
  let out: string;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      out = formatFloat(f, verb === 'G' ? 'G' : 'g', spec.prec ?? -1);
      if (spec.sharp) {
        // %#g keeps trailing zeros; rarely used, approximated by fixed significant digits.
        const p = spec.prec ?? 6;
        const d = Number(f).toPrecision(Math.max(1, p));
        if (!/e/.test(d)) out = d.includes('.') ? d : `${d}.`;
      }
      break;
    case 'e':
    case 'E':
      out = formatFloat(f, verb, spec.prec ?? 6);
      break;
    case 'f':
    case 'F':
      out = formatFloat(f, 'f', spec.prec ?? 6);
      break;
    default:
      return badVerb(verb, f);
  }
  if (spec.plus && !out.startsWith('-') && !out.startsWith('+')) out = `+${out}`;
  else if (spec.space && !out.startsWith('-') && !out.startsWith('+')) out = ` ${out}`;
  if (out === '+Inf' && !spec.plus) out = spec.space ? ' Inf' : 'Inf';
  if (!Number.isFinite(f)) return pad(out, { ...spec, zero: false });
  return pad(out, spec, true);
}

function hexOf(bytes: Uint8Array, spec: Spec, upper: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (spec.space && i > 0) out += ' ';
    if (spec.sharp && (spec.space || i === 0)) out += upper ? '0X' : '0x';
    const h = bytes[i]!.toString(16).padStart(2, '0');
    out += upper ? h.toUpperCase() : h;
  }
  return out;
}

function formatString(s: string, verb: string, spec: Spec): string {
  if (spec.prec !== undefined && (verb === 's' || verb === 'v' || verb === 'q' || verb === 'x' || verb === 'X')) s = [...s].slice(0, spec.prec).join('');
  switch (verb) {
    case 'v':
      if (spec.sharpV) return pad(quote(s), spec);
      return pad(s, spec);
    case 's':
      return pad(s, spec);
    case 'q':
      if (spec.sharp && canBackquote(s)) return pad(`\`${s}\``, spec);
      return pad(spec.plus ? quoteToASCII(s) : quote(s), spec);
    case 'x':
    case 'X':
      return pad(hexOf(utf8.encode(s), spec, verb === 'X'), spec);
    default:
      return badVerb(verb, s);
  }
}

function formatComplex(c: GoComplex, verb: string, spec: Spec): string {
  if (!'vbgGxXfFeE'.includes(verb)) return badVerb(verb, c);
  const inner = { ...spec, width: undefined, plus: false };
  const re = formatFloatVerb(c.re, verb, inner);
  const im = formatFloatVerb(c.im, verb, { ...inner, plus: true });
  return pad(`(${re}${im}i)`, spec);
}

/** Formats one operand with a verb, following fmt's printArg/printValue. */
function formatValue(value: unknown, verb: string, spec: Spec, depth: number): string {
  if (verb === 'T') return pad(goTypeName(value), spec);
  if (value === undefined || value === null) {
    if (verb === 'v') return pad('<nil>', spec);
    return badVerb(verb, value);
  }
  switch (typeof value) {
    case 'boolean':
      if (verb === 'v' || verb === 't') return pad(value ? 'true' : 'false', spec);
      return badVerb(verb, value);
    case 'bigint':
      return formatInteger(value, verb, spec);
    case 'number':
      return formatFloatVerb(value, verb, spec);
    case 'string':
      return formatString(value, verb, spec);
  }
  if (value instanceof GoComplex) return formatComplex(value, verb, spec);
  if (value instanceof Uint8Array) {
    if (verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') {
      if (verb === 'x' || verb === 'X') return pad(hexOf(value, spec, verb === 'X'), spec);
      return formatString(new TextDecoder().decode(value), verb, spec);
    }
    return formatSequence(Array.from(value, (b) => BigInt(b)), verb, spec, depth);
  }
  if (value instanceof GoStruct) {
    if (value.goString && 'vsqxX'.includes(verb) && !spec.sharpV) return formatString(value.goString(), verb === 'v' ? 's' : verb, spec);
    const fields = value.goFieldNames().map((name) => {
      const text = formatValue((value as unknown as Record<string, unknown>)[name], verb, { ...spec, width: undefined }, depth + 1);
      return spec.plusV ? `${name}:${text}` : text;
    });
    const body = `{${fields.join(' ')}}`;
    return pad(value.goIsPointer && depth === 0 ? `&${body}` : value.goIsPointer ? `0xc000000000` : body, spec);
  }
  if (Array.isArray(value)) return formatSequence(value, verb, spec, depth);
  if (isGoFunc(value)) return pad(verb === 'v' || verb === 'p' ? '0x0' : badVerb(verb, value), spec);
  if (isGoMap(value)) {
    const inner = { ...spec, width: undefined };
    const parts = sortedKeys(value).map((key) => `${formatValue(key, verb, inner, depth + 1)}:${formatValue(value[key], verb, inner, depth + 1)}`);
    return pad(`map[${parts.join(' ')}]`, spec);
  }
  return pad(String(value), spec);
}

function formatSequence(items: readonly unknown[], verb: string, spec: Spec, depth: number): string {
  const inner = { ...spec };
  const parts = items.map((item) => formatValue(item, verb, inner, depth + 1));
  return `[${parts.join(' ')}]`;
}

/** fmt.Sprint: operands formatted with %v, spaces added between operands when neither is a string. */
export function sprint(...args: unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg, 'v', plainSpec, 0);
  }
  return out;
}

/** fmt.Sprintln: operands formatted with %v, always space-separated, newline appended. */
export function sprintln(...args: unknown[]): string {
  return `${args.map((arg) => formatValue(arg, 'v', plainSpec, 0)).join(' ')}\n`;
}

/** %v of one value (fmt.Sprint(v) for a single operand). */
export function formatV(value: unknown): string {
  return formatValue(value, 'v', plainSpec, 0);
}

/** fmt.Sprintf */
export function sprintf(format: string, ...args: unknown[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let goodArgNum = true;
  const end = format.length;
  let i = 0;

  const parseArgNumber = (): number | undefined => {
    // Parses "[n]" at i; returns the zero-based index, or undefined if not present.
    if (format[i] !== '[') return undefined;
    reordered = true;
    const close = format.indexOf(']', i);
    if (close < 0) {
      goodArgNum = false;
      return undefined;
    }
    const n = Number(format.slice(i + 1, close));
    i = close + 1;
    if (!Number.isInteger(n) || n < 1) {
      goodArgNum = false;
      return undefined;
    }
    return n - 1;
  };
  const intFromArg = (): number | undefined => {
    const index = parseArgNumber();
    if (index !== undefined) argNum = index;
    if (argNum >= args.length) return undefined;
    const arg = args[argNum++];
    if (typeof arg === 'bigint') return Number(arg);
    return undefined;
  };

  while (i < end) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = { ...plainSpec };
    goodArgNum = true;
    // Flags.
    flags: while (i < end) {
      switch (format[i]) {
        case '#':
          spec.sharp = true;
          break;
        case '0':
          spec.zero = !spec.minus;
          break;
        case '+':
          spec.plus = true;
          break;
        case '-':
          spec.minus = true;
          spec.zero = false;
          break;
        case ' ':
          spec.space = true;
          break;
        default:
          break flags;
      }
      i++;
    }
    // Width.
    let index = parseArgNumber();
    if (index !== undefined) argNum = index;
    if (format[i] === '*') {
      i++;
      const width = intFromArg();
      if (width === undefined) out += '%!(BADWIDTH)';
      else {
        spec.width = Math.abs(width);
        if (width < 0) {
          spec.minus = true;
          spec.zero = false;
        }
      }
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        spec.width = Number(m[0]);
        i += m[0].length;
      }
    }
    // Precision.
    if (format[i] === '.') {
      i++;
      index = parseArgNumber();
      if (index !== undefined) argNum = index;
      if (format[i] === '*') {
        i++;
        const prec = intFromArg();
        if (prec === undefined || prec < 0) out += '%!(BADPREC)';
        else spec.prec = prec;
      } else {
        const m = /^\d+/.exec(format.slice(i));
        spec.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    index = parseArgNumber();
    if (index !== undefined) argNum = index;
    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    if (verb === 'v') {
      if (spec.sharp) {
        spec.sharp = false;
        spec.sharpV = true;
      }
      if (spec.plus) {
        spec.plus = false;
        spec.plusV = true;
      }
    }
    out += formatValue(args[argNum++], verb, spec, 0);
  }
  if (!reordered && argNum < args.length) {
    out += '%!(EXTRA ';
    out += args
      .slice(argNum)
      .map((arg) => (arg === undefined || arg === null ? '<nil>' : `${goTypeName(arg)}=${formatValue(arg, 'v', plainSpec, 0)}`))
      .join(', ');
    out += ')';
  }
  return out;
}
