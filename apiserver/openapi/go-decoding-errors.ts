// The error texts of the Go libraries kube-apiserver decodes request bodies with, reproduced from
// their documented behaviour: strconv.Quote, encoding/base64, resource.ParseQuantity and time.Parse
// with RFC 3339 layouts. Clients show these messages verbatim.

/** Go's strconv.Quote for the strings that occur in field paths and values. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    switch (char) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\v':
        out += '\\v';
        break;
      default:
        if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
        else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`;
        else out += char;
    }
  }
  return `${out}"`;
}

const base64Alphabet = new Int16Array(256).fill(-1);
for (const [index, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) {
  base64Alphabet[char.charCodeAt(0)] = index;
}
const canonicalBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Why Go's base64.StdEncoding would refuse this string (`illegal base64 data at input byte 4`),
 * or undefined when it decodes. Follows Go's quantum-by-quantum decoder: newlines are skipped,
 * padding is required, and the reported offset is Go's.
 */
export function base64Error(text: string): string | undefined {
  if (canonicalBase64.test(text)) return undefined;
  const src = Buffer.from(text, 'utf8');
  const corrupt = (offset: number) => `illegal base64 data at input byte ${offset}`;
  let si = 0;
  while (si < src.length) {
    // One quantum of up to four symbols.
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return undefined;
        return corrupt(si - j);
      }
      const symbol = src[si++]!;
      if (base64Alphabet[symbol]! >= 0) continue;
      if (symbol === 0x0a || symbol === 0x0d) {
        j--;
        continue;
      }
      if (symbol !== 0x3d) return corrupt(si - 1); // not '='
      // Padding: only after two or three symbols.
      if (j === 0 || j === 1) return corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
        if (si === src.length) return corrupt(src.length);
        if (src[si] !== 0x3d) return corrupt(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
      return si < src.length ? corrupt(si) : undefined;
    }
  }
  return undefined;
}

export const quantityFormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const quantitySuffixes = new Set(['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']);

/** Quantities that parsed lately: manifests repeat a few (`100m`, `128Mi`) in every container of every pod. */
const parsedQuantities = new Set<string>();

/** Why resource.ParseQuantity would refuse this text, or undefined when it parses. */
export function quantityError(text: string): string | undefined {
  if (parsedQuantities.has(text)) return undefined;
  const error = parseError(text);
  if (error === undefined && text.length <= 64) {
    if (parsedQuantities.size >= 1024) parsedQuantities.clear();
    parsedQuantities.add(text);
  }
  return error;
}

function parseError(text: string): string | undefined {
  if (text.length === 0) return quantityFormatError;
  if (text === '0') return undefined;
  let pos = text[0] === '-' || text[0] === '+' ? 1 : 0;
  const isDigit = (i: number) => i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57;
  const numberStart = pos;
  while (isDigit(pos)) pos++;
  if (pos >= text.length) return undefined;
  let digits = pos - numberStart;
  if (text[pos] === '.') {
    pos++;
    const denominatorStart = pos;
    while (isDigit(pos)) pos++;
    digits += pos - denominatorStart;
    if (pos >= text.length) return digits === 0 ? 'unable to parse numeric part of quantity' : undefined;
  }
  const suffixStart = pos;
  while (pos < text.length && 'eEinumkKMGTP'.includes(text[pos]!)) pos++;
  if (pos < text.length && (text[pos] === '-' || text[pos] === '+')) pos++;
  while (isDigit(pos)) pos++;
  if (pos < text.length) return quantityFormatError;
  const suffix = text.slice(suffixStart);
  const validSuffix = quantitySuffixes.has(suffix) || (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1)));
  if (!validSuffix) return "unable to parse quantity's suffix";
  if (digits === 0) return 'unable to parse numeric part of quantity';
  return undefined;
}

/**
 * Why Go's time.Parse would refuse this text with layout RFC3339 (`2006-01-02T15:04:05Z07:00`)
 * or, for MicroTime, `2006-01-02T15:04:05.000000Z07:00`; undefined when it parses.
 */
export function rfc3339Error(text: string, micro = false): string | undefined {
  const layout = micro ? '2006-01-02T15:04:05.000000Z07:00' : '2006-01-02T15:04:05Z07:00';
  const digits = (count: number) => (rest: string) => (new RegExp(`^\\d{${count}}`).test(rest) ? count : -1);
  const elements: [string, (rest: string) => number][] = [
    ['2006', digits(4)],
    ['-', literal('-')],
    ['01', digits(2)],
    ['-', literal('-')],
    ['02', digits(2)],
    ['T', literal('T')],
    ['15', (rest) => /^\d{1,2}/.exec(rest)?.[0].length ?? -1],
    [':', literal(':')],
    ['04', digits(2)],
    [':', literal(':')],
    // Without a fraction in the layout, Go still accepts one after the seconds.
    ['05', micro ? digits(2) : (rest) => /^\d{2}(?:\.\d+)?/.exec(rest)?.[0].length ?? -1],
    ...(micro ? [['.000000', (rest: string) => (/^\.\d{6}/.test(rest) ? 7 : -1)] as [string, (rest: string) => number]] : []),
    ['Z07:00', (rest) => (rest.startsWith('Z') ? 1 : /^[+-]\d{2}:\d{2}/.test(rest) ? 6 : -1)],
  ];
  let rest = text;
  const values: string[] = [];
  for (const [element, match] of elements) {
    const length = match(rest);
    if (length < 0) return `parsing time ${goQuote(text)} as ${goQuote(layout)}: cannot parse ${goQuote(rest)} as ${goQuote(element)}`;
    values.push(rest.slice(0, length));
    rest = rest.slice(length);
  }
  if (rest.length > 0) return `parsing time ${goQuote(text)}: extra text: ${goQuote(rest)}`;
  const [year, , month, , day, , hour, , minute, , second] = values.map((v) => Number.parseFloat(v));
  const range = (what: string) => `parsing time ${goQuote(text)}: ${what} out of range`;
  if (month! < 1 || month! > 12) return range('month');
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (day! < 1 || day! > daysInMonth) return range('day');
  if (hour! > 23) return range('hour');
  if (minute! > 59) return range('minute');
  if (second! >= 60) return range('second');
  return undefined;
}

function literal(text: string): (rest: string) => number {
  return (rest) => (rest.startsWith(text) ? text.length : -1);
}
