// .helmignore rules (Helm's pkg/ignore) and the glob syntaxes Helm uses: Go's filepath.Match for
// .helmignore, gobwas/glob (with "**" and {a,b}) for .Files.Glob.

/** Go filepath.Match pattern as a RegExp ('*' and '?' never cross '/'). */
export function filepathMatchRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) out += escapeChar(pattern[++i]!);
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`syntax error in pattern: ${pattern}`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\(.)/g, '\\$1')}]`;
      i = end;
    } else out += escapeChar(ch);
  }
  return new RegExp(`^${out}$`);
}

function escapeChar(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** gobwas/glob with '/' as separator: '*' within a segment, '**' across, '?', [..], {a,b}. */
export function globRegExp(pattern: string): RegExp {
  let out = '';
  let inBraces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) out += escapeChar(pattern[++i]!);
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body}]`;
      i = end;
    } else if (ch === '{') {
      inBraces++;
      out += '(?:';
    } else if (ch === '}' && inBraces > 0) {
      inBraces--;
      out += ')';
    } else if (ch === ',' && inBraces > 0) out += '|';
    else out += escapeChar(ch);
  }
  return new RegExp(`^${out}$`);
}

interface Rule {
  negate: boolean;
  mustDir: boolean;
  match: (path: string) => boolean;
}

/** Parsed .helmignore rules. */
export class IgnoreRules {
  private readonly rules: Rule[] = [];

  static parse(text: string): IgnoreRules {
    const rules = new IgnoreRules();
    for (const line of text.split(/\r?\n/)) rules.add(line);
    return rules;
  }

  /** Helm always ignores hidden files inside templates/. */
  addDefaults(): this {
    this.add('templates/.?*');
    return this;
  }

  add(line: string): void {
    let rule = line.trim();
    if (rule === '' || rule.startsWith('#')) return;
    if (rule.includes('**')) throw new Error('double-star (**) syntax is not supported');
    const negate = rule.startsWith('!');
    if (negate) rule = rule.slice(1);
    const mustDir = rule.endsWith('/');
    if (mustDir) rule = rule.slice(0, -1);
    let match: (path: string) => boolean;
    if (rule.startsWith('/')) {
      const re = filepathMatchRegExp(rule.slice(1));
      match = (p) => re.test(p);
    } else if (rule.includes('/')) {
      const re = filepathMatchRegExp(rule);
      match = (p) => re.test(p);
    } else {
      // Without a slash the pattern is matched against the file name only.
      const re = filepathMatchRegExp(rule);
      match = (p) => re.test(p.slice(p.lastIndexOf('/') + 1));
    }
    this.rules.push({ negate, mustDir, match });
  }

  /** Whether a path (relative to the chart root, '/' separators) is ignored. */
  ignores(path: string, isDir: boolean): boolean {
    if (path === '' || path === '.' || path === './') return false;
    for (const rule of this.rules) {
      if (rule.negate) {
        // Helm's own (inverted-looking) negation semantics, kept for identical results.
        if (rule.mustDir && !isDir) return true;
        if (!rule.match(path)) return true;
        continue;
      }
      if (rule.mustDir && !isDir) continue;
      if (rule.match(path)) return true;
    }
    return false;
  }
}
