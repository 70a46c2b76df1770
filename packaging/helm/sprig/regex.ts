// Go regexp (RE2 syntax) on JavaScript's RegExp: the syntax differences charts meet are translated,
// and the Find/Replace/Split functions keep Go's semantics (empty matches, $name expansion, n limits).

const posixClasses: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const jsSyntaxChars = '^$\\.*+?()[]{}|/';
const cache = new Map<string, RegExp>();

/** Compiles a Go regular expression; throws Go-like errors for syntax JavaScript cannot express. */
export function goRegExp(pattern: string, global = false): RegExp {
  const key = `${global ? 'g' : ''}:${pattern}`;
  const cached = cache.get(key);
  if (cached) {
    cached.lastIndex = 0;
    return cached;
  }
  let source = pattern;
  let flags = 'u';
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading) {
    for (const f of leading[1]!) {
      if (f === 'U') throw new Error(`error parsing regexp: ungreedy mode (?U) is not supported: \`${pattern}\``);
      if (!flags.includes(f)) flags += f;
    }
    source = source.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\') {
      const next = source[i + 1];
      if (next === undefined) throw new Error(`error parsing regexp: trailing backslash at end of expression: \`\``);
      i++;
      if (next === 'A' && !inClass) out += '(?<![\\s\\S])';
      else if (next === 'z' && !inClass) out += '(?![\\s\\S])';
      else if (next === 'Q') {
        const end = source.indexOf('\\E', i + 1);
        const literal = end < 0 ? source.slice(i + 1) : source.slice(i + 1, end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? source.length : end + 1;
      } else if ((next === 'p' || next === 'P') && source[i + 1] !== '{') {
        out += `\\${next}{${source[i + 1]}}`;
        i++;
      } else if (/[A-Za-z0-9]/.test(next) || jsSyntaxChars.includes(next) || (inClass && next === '-')) {
        out += `\\${next}`;
      } else {
        // Go allows escaping any punctuation; JavaScript's unicode mode does not.
        out += inClass && (next === ']' || next === '^') ? `\\${next}` : next;
      }
      continue;
    }
    if (inClass) {
      if (ch === '[' && source[i + 1] === ':') {
        const end = source.indexOf(':]', i + 2);
        const name = end > 0 ? source.slice(i + 2, end) : '';
        const negated = name.startsWith('^');
        const cls = posixClasses[negated ? name.slice(1) : name];
        if (cls && !negated) {
          out += cls;
          i = end + 1;
          continue;
        }
        if (cls) throw new Error(`error parsing regexp: negated POSIX class is not supported: \`${pattern}\``);
      }
      if (ch === ']') inClass = false;
      out += ch === '[' ? '\\[' : ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (ch === '(' && source.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (ch === '(' && /^\(\?[imsU-]+[:)]/.test(source.slice(i))) {
      throw new Error(`error parsing regexp: inline flags inside the expression are not supported: \`${pattern}\``);
    }
    out += ch;
  }
  let re: RegExp;
  try {
    re = new RegExp(out, flags + (global ? 'g' : ''));
  } catch (e) {
    throw new Error(`error parsing regexp: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, re);
  return re;
}

/** Go FindAllStringIndex: successive non-overlapping matches; empty matches abutting a previous match are dropped. */
function findAll(pattern: string, s: string, n: number): RegExpExecArray[] {
  const re = goRegExp(pattern, true);
  const out: RegExpExecArray[] = [];
  let prevEnd = -1;
  re.lastIndex = 0;
  while (n < 0 || out.length < n) {
    const m = re.exec(s);
    if (!m) break;
    const end = m.index + m[0].length;
    if (m[0].length === 0) {
      re.lastIndex = m.index + (s.codePointAt(m.index)! > 0xffff ? 2 : 1);
      if (m.index === prevEnd) {
        if (m.index >= s.length) break;
        continue;
      }
    }
    out.push(m);
    prevEnd = end;
    if (m.index >= s.length) break;
  }
  return out;
}

export function regexMatch(pattern: string, s: string): boolean {
  return goRegExp(pattern).test(s);
}

export function regexFind(pattern: string, s: string): string {
  return goRegExp(pattern).exec(s)?.[0] ?? '';
}

export function regexFindAll(pattern: string, s: string, n: number): string[] {
  if (n === 0) return [];
  return findAll(pattern, s, n).map((m) => m[0]);
}

/** Go's Regexp.Expand template: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '$') {
      out += ch;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(inner)) {
        out += '$';
        continue;
      }
      name = inner;
      i = close;
    } else {
      const word = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!word) {
        out += '$';
        continue;
      }
      name = word[0];
      i += name.length;
    }
    if (/^[0-9]+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
  }
  return out;
}

function replaceAll(pattern: string, s: string, replacement: (m: RegExpExecArray) => string): string {
  let out = '';
  let last = 0;
  for (const m of findAll(pattern, s, -1)) {
    out += s.slice(last, m.index) + replacement(m);
    last = m.index + m[0].length;
  }
  return out + s.slice(last);
}

export function regexReplaceAll(pattern: string, s: string, repl: string): string {
  return replaceAll(pattern, s, (m) => expand(repl, m));
}

export function regexReplaceAllLiteral(pattern: string, s: string, repl: string): string {
  return replaceAll(pattern, s, () => repl);
}

export function regexSplit(pattern: string, s: string, n: number): string[] {
  if (n === 0) return [];
  if (pattern.length > 0 && s.length === 0) return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(pattern, s, n)) {
    if (n > 0 && parts.length === n - 1) break;
    end = m.index;
    if (m.index + m[0].length !== 0) parts.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}

export function regexQuoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
