// Sprig's string, encoding, path and URL functions.
import { randomInt } from 'node:crypto';
import { base32, base32Value } from '../../../apiserver/base32.ts';
import { posix } from 'node:path';
import { quote as goQuote } from '../../gotemplate/fmt.ts';
import { type GoFunc, goFunc, newMap } from '../../gotemplate/values.ts';
import { strval } from './convert.ts';
import { regexFind, regexFindAll, regexMatch, regexQuoteMeta, regexReplaceAll, regexReplaceAllLiteral, regexSplit } from './regex.ts';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Go string slicing is by bytes; charts use it on ASCII text, so slice the UTF-8 bytes. */
function byteSlice(s: string, start: number, end?: number): string {
  const bytes = utf8.encode(s);
  return utf8Decoder.decode(bytes.slice(start, end));
}

function byteLength(s: string): number {
  return utf8.encode(s).length;
}

function trunc(c: bigint, s: string): string {
  const n = Number(c);
  const length = byteLength(s);
  if (n < 0 && length + n > 0) return byteSlice(s, length + n);
  if (n >= 0 && length > n) return byteSlice(s, 0, n);
  return s;
}

function substring(start: bigint, end: bigint, s: string): string {
  const a = Number(start);
  const b = Number(end);
  const length = byteLength(s);
  if (a < 0) {
    if (b < 0 || b > length) throw new Error(`runtime error: slice bounds out of range [:${b}] with length ${length}`);
    return byteSlice(s, 0, b);
  }
  if (b < 0 || b > length) {
    if (a > length) throw new Error(`runtime error: slice bounds out of range [${a}:${length}]`);
    return byteSlice(s, a);
  }
  if (a > b) throw new Error(`runtime error: slice bounds out of range [${a}:${b}]`);
  return byteSlice(s, a, b);
}

/** goutils.AbbreviateFull */
function abbreviateFull(str: string, offset: number, maxWidth: number): string {
  if (str === '') return '';
  if (maxWidth < 4) throw new Error('minimum abbreviation width is 4');
  if (str.length <= maxWidth) return str;
  if (offset > str.length) offset = str.length;
  if (str.length - offset < maxWidth - 3) offset = str.length - (maxWidth - 3);
  if (offset <= 4) return `${str.slice(0, maxWidth - 3)}...`;
  if (maxWidth < 7) throw new Error('minimum abbreviation width with offset is 7');
  if (offset + maxWidth - 3 < str.length) return `...${abbreviateFull(str.slice(offset), 0, maxWidth - 3)}`;
  return `...${str.slice(str.length - (maxWidth - 3))}`;
}

/** goutils.WrapCustom */
function wrapCustom(str: string, wrapLength: number, newLine: string, wrapLongWords: boolean): string {
  if (str === '') return '';
  if (newLine === '') newLine = '\n';
  if (wrapLength < 1) wrapLength = 1;
  const length = str.length;
  let offset = 0;
  let out = '';
  while (length - offset > wrapLength) {
    if (str[offset] === ' ') {
      offset++;
      continue;
    }
    const end = wrapLength + offset + 1;
    const spaceToWrapAt = str.slice(offset, end).lastIndexOf(' ') + offset;
    if (spaceToWrapAt >= offset) {
      out += str.slice(offset, spaceToWrapAt) + newLine;
      offset = spaceToWrapAt + 1;
    } else if (wrapLongWords) {
      out += str.slice(offset, wrapLength + offset) + newLine;
      offset += wrapLength;
    } else {
      const index = str.slice(wrapLength + offset).indexOf(' ');
      if (index === -1) {
        out += str.slice(offset);
        offset = length;
      } else {
        const at = index + wrapLength + offset;
        out += str.slice(offset, at) + newLine;
        offset = at + 1;
      }
    }
  }
  return out + str.slice(offset);
}

/** strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const isSeparator = !/[\p{L}\p{N}_]/u.test(prev);
    out += isSeparator ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

/** Words of an identifier for snake/kebab case: separators, lower→upper and acronym boundaries. */
function identifierWords(s: string): string[] {
  return s
    .split(/[\s_\-]+/)
    .flatMap((part) => part.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1\u0000$2').replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1\u0000$2').split('\u0000'))
    .filter((w) => w.length > 0);
}

function delimitedLower(s: string, connector: string): string {
  return identifierWords(s)
    .map((w) => w.toLowerCase())
    .join(connector);
}

/** xstrings.ToPascalCase: words joined at underscores, each capitalised; leading underscores kept. */
function pascalCase(s: string): string {
  const chars = [...s];
  let out = '';
  let i = 0;
  while (i < chars.length && chars[i] === '_') out += chars[i++];
  if (i >= chars.length) return out;
  let r0 = chars[i++]!.toUpperCase();
  while (i < chars.length) {
    const r1 = r0;
    r0 = chars[i++]!;
    if (r1 === '_' && r0 === '_') {
      out += r1;
      continue;
    }
    if (r1 === '_') r0 = r0.toUpperCase();
    else out += r1;
  }
  return out + r0;
}

function swapCase(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/\p{Lu}/u.test(ch) || /\p{Lt}/u.test(ch)) out += ch.toLowerCase();
    else if (/\p{Ll}/u.test(ch)) out += ch.toUpperCase();
    else out += ch;
  }
  return out;
}

function initials(s: string): string {
  let out = '';
  let atWordStart = true;
  for (const ch of s) {
    if (/\s/u.test(ch)) atWordStart = true;
    else if (atWordStart) {
      out += ch;
      atWordStart = false;
    }
  }
  return out;
}

const alphabets = {
  alphaNum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  alpha: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  numeric: '0123456789',
  ascii: Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(''),
};

function randomString(count: bigint, alphabet: string): string {
  const n = Number(count);
  if (n < 0) throw new Error(`Requested random string length ${n} is less than 0.`);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function shuffle(s: string): string {
  const chars = [...s];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** Go's path.Clean */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join('/');
  if (rooted) return `/${joined}`;
  return joined || '.';
}

function pathBase(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function pathDir(p: string): string {
  return cleanPath(p.slice(0, p.lastIndexOf('/') + 1));
}

function pathExt(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== '/'; i--) if (p[i] === '.') return p.slice(i);
  return '';
}

function base64Decode(v: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return `illegal base64 data at input byte ${firstBadBase64Byte(v)}`;
  return Buffer.from(v, 'base64').toString('utf8');
}

function firstBadBase64Byte(v: string): number {
  const bad = v.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return bad;
  return Math.floor(v.replace(/=+$/, '').length / 4) * 4;
}

function base32Encode(s: string): string {
  let out = base32(utf8.encode(s));
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function base32Decode(s: string): string {
  const clean = s.replace(/=+$/, '');
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (let i = 0; i < clean.length; i++) {
    const index = base32Value(clean[i]!);
    if (index < 0) return `illegal base32 data at input byte ${i}`;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}

/** net/url.Parse for the parts sprig's urlParse reports. */
function urlParse(v: string): Record<string, unknown> {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(v);
  if (!m) throw new Error(`unable to parse url: parse ${goQuote(v)}: invalid URL`);
  const [, scheme = '', authority, rest = '', query = '', fragment = ''] = m;
  let userinfo = '';
  let host = '';
  let opaque = '';
  let path = rest;
  if (authority !== undefined) {
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      userinfo = authority.slice(0, at);
      host = authority.slice(at + 1);
    } else host = authority;
  } else if (scheme && !rest.startsWith('/')) {
    opaque = rest;
    path = '';
  }
  const hostname = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '');
  return Object.assign(newMap(), {
    scheme,
    host,
    hostname,
    path: decodeURIComponentSafe(path),
    query,
    opaque,
    fragment: decodeURIComponentSafe(fragment),
    userinfo,
  });
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function urlJoin(d: Record<string, unknown>): string {
  const get = (key: string): string => {
    const value = d[key];
    if (value === undefined) return '';
    if (typeof value !== 'string') throw new Error(`unable to parse ${key} key, must be of type string, but ${typeof value} found`);
    return value;
  };
  const scheme = get('scheme');
  const opaque = get('opaque');
  const userinfo = get('userinfo');
  const host = get('host');
  const path = get('path');
  const query = get('query');
  const fragment = get('fragment');
  let out = '';
  if (scheme) out += `${scheme}:`;
  if (opaque) out += opaque;
  else {
    if (scheme || host || userinfo) {
      if (host || path || userinfo) out += '//';
      if (userinfo) out += `${userinfo}@`;
      out += host;
    }
    if (path && !path.startsWith('/') && host) out += '/';
    out += encodeURI(path);
  }
  if (query) out += `?${query}`;
  if (fragment) out += `#${encodeURIComponent(fragment).replace(/%2F/g, '/')}`;
  return out;
}

function quoteAll(...values: unknown[]): string {
  return values
    .filter((v) => v !== null && v !== undefined)
    .map((v) => goQuote(strval(v)))
    .join(' ');
}

function squoteAll(...values: unknown[]): string {
  return values
    .filter((v) => v !== null && v !== undefined)
    .map((v) => `'${strval(v)}'`)
    .join(' ');
}

function indent(spaces: bigint, v: string): string {
  const pad = ' '.repeat(Math.max(0, Number(spaces)));
  return pad + v.replaceAll('\n', `\n${pad}`);
}

function splitToMap(parts: string[]): Record<string, unknown> {
  const map = newMap();
  parts.forEach((part, i) => {
    map[`_${i}`] = part;
  });
  return map;
}

/** strings.SplitN */
function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (n < 0) return sep === '' ? [...s] : s.split(sep);
  if (sep === '') {
    const chars = [...s];
    return chars.length > n ? [...chars.slice(0, n - 1), chars.slice(n - 1).join('')] : chars;
  }
  const parts: string[] = [];
  let rest = s;
  while (parts.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  parts.push(rest);
  return parts;
}

/** strings.Trim with a cutset. */
function trimCutset(s: string, cutset: string): string {
  const set = new Set(cutset);
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (start < end && set.has(chars[start]!)) start++;
  while (end > start && set.has(chars[end - 1]!)) end--;
  return chars.slice(start, end).join('');
}

export const textFuncs: Record<string, GoFunc> = {
  abbrev: goFunc(['int', 'string'], (w: bigint, s: string) => (Number(w) < 4 ? s : abbreviateFull(s, 0, Number(w)))),
  abbrevboth: goFunc(['int', 'int', 'string'], (l: bigint, r: bigint, s: string) => {
    if (r < 4n || (l > 0n && r < 7n)) return s;
    return abbreviateFull(s, Number(l), Number(r));
  }),
  trunc: goFunc(['int', 'string'], trunc),
  trim: goFunc(['string'], (s: string) => s.replace(/^[\s\u0085\u00a0]+|[\s\u0085\u00a0]+$/gu, '')),
  upper: goFunc(['string'], (s: string) => s.toUpperCase()),
  lower: goFunc(['string'], (s: string) => s.toLowerCase()),
  title: goFunc(['string'], title),
  untitle: goFunc(['string'], (s: string) => s.replace(/(^|\s)(\S)/gu, (_m, space: string, first: string) => space + first.toLowerCase())),
  substr: goFunc(['int', 'int', 'string'], substring),
  repeat: goFunc(['int', 'string'], (count: bigint, s: string) => {
    if (count < 0n) throw new Error('strings: negative Repeat count');
    return s.repeat(Number(count));
  }),
  trimall: goFunc(['string', 'string'], (a: string, b: string) => trimCutset(b, a)),
  trimAll: goFunc(['string', 'string'], (a: string, b: string) => trimCutset(b, a)),
  trimSuffix: goFunc(['string', 'string'], (a: string, b: string) => (a && b.endsWith(a) ? b.slice(0, b.length - a.length) : b)),
  trimPrefix: goFunc(['string', 'string'], (a: string, b: string) => (b.startsWith(a) ? b.slice(a.length) : b)),
  nospace: goFunc(['string'], (s: string) => s.replace(/\s/gu, '')),
  initials: goFunc(['string'], initials),
  randAlphaNum: goFunc(['int'], (n: bigint) => randomString(n, alphabets.alphaNum)),
  randAlpha: goFunc(['int'], (n: bigint) => randomString(n, alphabets.alpha)),
  randAscii: goFunc(['int'], (n: bigint) => randomString(n, alphabets.ascii)),
  randNumeric: goFunc(['int'], (n: bigint) => randomString(n, alphabets.numeric)),
  swapcase: goFunc(['string'], swapCase),
  shuffle: goFunc(['string'], shuffle),
  snakecase: goFunc(['string'], (s: string) => delimitedLower(s, '_')),
  camelcase: goFunc(['string'], pascalCase),
  kebabcase: goFunc(['string'], (s: string) => delimitedLower(s, '-')),
  wrap: goFunc(['int', 'string'], (l: bigint, s: string) => wrapCustom(s, Number(l), '', false)),
  wrapWith: goFunc(['int', 'string', 'string'], (l: bigint, sep: string, s: string) => wrapCustom(s, Number(l), sep, true)),
  contains: goFunc(['string', 'string'], (substr: string, s: string) => s.includes(substr)),
  hasPrefix: goFunc(['string', 'string'], (prefix: string, s: string) => s.startsWith(prefix)),
  hasSuffix: goFunc(['string', 'string'], (suffix: string, s: string) => s.endsWith(suffix)),
  quote: goFunc([], quoteAll, 'any'),
  squote: goFunc([], squoteAll, 'any'),
  cat: goFunc([], (...v: unknown[]) => v.filter((x) => x !== null && x !== undefined).map((x) => strval(x)).join(' '), 'any'),
  indent: goFunc(['int', 'string'], indent),
  nindent: goFunc(['int', 'string'], (n: bigint, v: string) => `\n${indent(n, v)}`),
  replace: goFunc(['string', 'string', 'string'], (old: string, repl: string, src: string) =>
    // strings.Replace with an empty old string inserts before every rune and at the end.
    old === '' ? repl + [...src].join(repl) + repl : src.split(old).join(repl),
  ),
  plural: goFunc(['string', 'string', 'int'], (one: string, many: string, count: bigint) => (count === 1n ? one : many)),
  toString: goFunc(['any'], strval),
  split: goFunc(['string', 'string'], (sep: string, orig: string) => splitToMap(splitN(orig, sep, -1))),
  splitList: goFunc(['string', 'string'], (sep: string, orig: string) => splitN(orig, sep, -1)),
  splitn: goFunc(['string', 'int', 'string'], (sep: string, n: bigint, orig: string) => splitToMap(splitN(orig, sep, Number(n)))),
  b64enc: goFunc(['string'], (v: string) => Buffer.from(v, 'utf8').toString('base64')),
  b64dec: goFunc(['string'], base64Decode),
  b32enc: goFunc(['string'], base32Encode),
  b32dec: goFunc(['string'], base32Decode),
  base: goFunc(['string'], pathBase),
  dir: goFunc(['string'], pathDir),
  clean: goFunc(['string'], cleanPath),
  ext: goFunc(['string'], pathExt),
  isAbs: goFunc(['string'], (p: string) => p.startsWith('/')),
  osBase: goFunc(['string'], pathBase),
  osClean: goFunc(['string'], cleanPath),
  osDir: goFunc(['string'], pathDir),
  osExt: goFunc(['string'], pathExt),
  osIsAbs: goFunc(['string'], (p: string) => posix.isAbsolute(p)),
  regexMatch: goFunc(['string', 'string'], (re: string, s: string) => {
    try {
      return regexMatch(re, s);
    } catch {
      return false;
    }
  }),
  mustRegexMatch: goFunc(['string', 'string'], regexMatch),
  regexFindAll: goFunc(['string', 'string', 'int'], (re: string, s: string, n: bigint) => regexFindAll(re, s, Number(n))),
  mustRegexFindAll: goFunc(['string', 'string', 'int'], (re: string, s: string, n: bigint) => regexFindAll(re, s, Number(n))),
  regexFind: goFunc(['string', 'string'], regexFind),
  mustRegexFind: goFunc(['string', 'string'], regexFind),
  regexReplaceAll: goFunc(['string', 'string', 'string'], regexReplaceAll),
  mustRegexReplaceAll: goFunc(['string', 'string', 'string'], regexReplaceAll),
  regexReplaceAllLiteral: goFunc(['string', 'string', 'string'], regexReplaceAllLiteral),
  mustRegexReplaceAllLiteral: goFunc(['string', 'string', 'string'], regexReplaceAllLiteral),
  regexSplit: goFunc(['string', 'string', 'int'], (re: string, s: string, n: bigint) => regexSplit(re, s, Number(n))),
  mustRegexSplit: goFunc(['string', 'string', 'int'], (re: string, s: string, n: bigint) => regexSplit(re, s, Number(n))),
  regexQuoteMeta: goFunc(['string'], regexQuoteMeta),
  urlParse: goFunc(['string'], urlParse),
  urlJoin: goFunc(['map'], (d: Record<string, unknown> | null) => urlJoin(d ?? newMap())),
};
