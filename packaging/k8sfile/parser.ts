// The K8sfile grammar (see README "K8sfile"): one instruction per logical line, `\` continues a line,
// `#` starts a comment (at line start, or after whitespace outside quotes), words are split on whitespace
// with '…' (literal) and "…" (substituting) quoting, and `$NAME` / `${NAME}` / `${NAME:-default}` expand
// ARGs. Every error names the line and column: `K8sfile:LINE:COL: message`.

/** Where something is in the K8sfile (1-based). */
export interface Position {
  line: number;
  column: number;
}

export class K8sfileError extends Error {
  override name = 'K8sfileError';
  constructor(
    readonly file: string,
    readonly position: Position,
    readonly detail: string,
  ) {
    super(`${file}:${position.line}:${position.column}: ${detail}`);
  }
}

/** Release options of INSTALL and of ADD for a chart. */
export interface ReleaseOptions {
  name?: string;
  namespace?: string;
  /** Values files, relative to the build context, in order (later win). */
  values: string[];
  /** `--set path=value` expressions, in order (after the values files). */
  set: string[];
  /** A version or range (INSTALL only; also given as `@version` or `:tag`). */
  version?: string;
}

export type ChartSource =
  | { type: 'repository'; repository: string; chart: string; version?: string }
  | { type: 'oci'; reference: string; chart: string; version?: string };

export type Instruction = { text: string; position: Position } & (
  | { op: 'FROM'; reference: string }
  | { op: 'ARG'; name: string; value: string }
  | { op: 'ADD'; path: string; pathPosition: Position; release: ReleaseOptions }
  | { op: 'INSTALL'; source: ChartSource; release: ReleaseOptions }
  | { op: 'CONFIG'; settings: { key: string; value: string; position: Position }[] }
  | { op: 'REMOVE'; kind: string; name: string; namespace?: string }
  | { op: 'UNINSTALL'; release: string }
  | { op: 'LABEL'; labels: Record<string, string> }
);

export interface ParseOptions {
  /** The file name used in errors (`K8sfile` by default). */
  file?: string;
  /** `--build-arg` values: they override the defaults of the ARGs of the same name. */
  buildArgs?: Record<string, string>;
  /** Checks one CONFIG setting; throws an Error whose message is reported at the setting. */
  validateSetting?: (key: string, value: string) => void;
}

export interface ParsedK8sfile {
  instructions: Instruction[];
  /** The value of every ARG, after --build-arg. */
  args: Record<string, string>;
  /** --build-arg names that no ARG declares (docker warns about these). */
  unusedBuildArgs: string[];
}

interface Char {
  ch: string;
  position: Position;
}

/** A word after quote removal and substitution, and where it started. */
interface Word {
  value: string;
  position: Position;
}

const operations = new Set(['FROM', 'ARG', 'ADD', 'INSTALL', 'CONFIG', 'REMOVE', 'UNINSTALL', 'LABEL']);

/** Joins physical lines into logical ones: continuations folded, comment lines and trailing comments dropped. */
function logicalLines(text: string, fail: (p: Position, m: string) => never): Char[][] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const result: Char[][] = [];
  let current: Char[] | undefined;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    const line = index + 1;
    if (/^\s*#/.test(raw) || (current === undefined && raw.trim() === '')) {
      continue; // comment lines are skipped even inside a continuation, as Dockerfiles do
    }
    const chars: Char[] = [];
    let quote: string | undefined;
    let continued = false;
    for (let col = 0; col < raw.length; col++) {
      const ch = raw[col]!;
      if (ch === '\\' && !quote && raw.slice(col + 1).trim() === '') {
        continued = true;
        break;
      }
      if (quote) {
        if (ch === '\\' && quote === '"' && col + 1 < raw.length) {
          chars.push({ ch, position: { line, column: col + 1 } });
          col++;
          chars.push({ ch: raw[col]!, position: { line, column: col + 1 } });
          continue;
        }
        if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (ch === '#' && col > 0 && /\s/.test(raw[col - 1]!)) {
        break; // a trailing comment
      } else if (ch === '\\' && col + 1 < raw.length) {
        chars.push({ ch, position: { line, column: col + 1 } });
        col++;
        chars.push({ ch: raw[col]!, position: { line, column: col + 1 } });
        continue;
      }
      chars.push({ ch, position: { line, column: col + 1 } });
    }
    while (chars.length && /\s/.test(chars[chars.length - 1]!.ch)) chars.pop();
    if (quote) fail([...chars].reverse().find((c) => c.ch === quote)?.position ?? { line, column: 1 }, `unterminated ${quote === '"' ? 'double' : 'single'} quote`);
    if (current) {
      current.push({ ch: ' ', position: { line, column: 1 } }, ...chars);
    } else {
      current = chars;
    }
    if (!continued) {
      if (current.some((c) => !/\s/.test(c.ch))) result.push(current);
      current = undefined;
    }
  }
  if (current && current.some((c) => !/\s/.test(c.ch))) result.push(current);
  return result;
}

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits a logical line into words: quotes removed, escapes resolved, variables substituted. */
function splitWords(chars: Char[], vars: Map<string, string>, fail: (p: Position, m: string) => never): Word[] {
  const words: Word[] = [];
  let i = 0;
  const expand = (at: number): { value: string; next: number } => {
    // chars[at] is '$'
    const start = chars[at]!.position;
    if (chars[at + 1]?.ch === '{') {
      let j = at + 2;
      let body = '';
      while (j < chars.length && chars[j]!.ch !== '}') body += chars[j++]!.ch;
      if (j >= chars.length) fail(start, 'unterminated ${…}: missing }');
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(body);
      if (!m) fail(start, `bad substitution \${${body}}`);
      const value = vars.get(m[1]!);
      if (m[2] === '-') return { value: value ? value : m[3]!, next: j + 1 };
      if (m[2] === '+') return { value: value ? m[3]! : '', next: j + 1 };
      if (value === undefined) fail(start, `undefined variable \${${m[1]}} (declare it with ARG)`);
      return { value, next: j + 1 };
    }
    let j = at + 1;
    let name = '';
    while (j < chars.length && /[A-Za-z0-9_]/.test(chars[j]!.ch) && (name !== '' || /[A-Za-z_]/.test(chars[j]!.ch))) name += chars[j++]!.ch;
    if (!name) return { value: '$', next: at + 1 };
    const value = vars.get(name);
    if (value === undefined) fail(start, `undefined variable $${name} (declare it with ARG)`);
    return { value, next: j };
  };
  while (i < chars.length) {
    while (i < chars.length && /\s/.test(chars[i]!.ch)) i++;
    if (i >= chars.length) break;
    const position = chars[i]!.position;
    let value = '';
    while (i < chars.length && !/\s/.test(chars[i]!.ch)) {
      const c = chars[i]!.ch;
      if (c === "'") {
        i++;
        while (i < chars.length && chars[i]!.ch !== "'") value += chars[i++]!.ch;
        i++;
      } else if (c === '"') {
        i++;
        while (i < chars.length && chars[i]!.ch !== '"') {
          if (chars[i]!.ch === '\\' && i + 1 < chars.length && /["\\$]/.test(chars[i + 1]!.ch)) {
            value += chars[i + 1]!.ch;
            i += 2;
          } else if (chars[i]!.ch === '$') {
            const r = expand(i);
            value += r.value;
            i = r.next;
          } else {
            value += chars[i++]!.ch;
          }
        }
        i++;
      } else if (c === '\\' && i + 1 < chars.length) {
        value += chars[i + 1]!.ch;
        i += 2;
      } else if (c === '$') {
        const r = expand(i);
        value += r.value;
        i = r.next;
      } else {
        value += c;
        i++;
      }
    }
    words.push({ value, position });
  }
  return words;
}

/** Reads `--flag value` / `--flag=value` options until the first non-option; returns them and the rest. */
function releaseOptions(words: Word[], allowed: Set<string>, fail: (p: Position, m: string) => never): { release: ReleaseOptions; positional: Word[] } {
  const release: ReleaseOptions = { values: [], set: [] };
  const positional: Word[] = [];
  const aliases: Record<string, string> = { '-n': '--namespace', '-f': '--values' };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.value.startsWith('-') || word.value === '-') {
      positional.push(word);
      continue;
    }
    const eq = word.value.indexOf('=');
    let flag = eq >= 0 ? word.value.slice(0, eq) : word.value;
    flag = aliases[flag] ?? flag;
    if (!allowed.has(flag)) fail(word.position, `unknown option ${flag} (want ${[...allowed].join(', ')})`);
    let value: string;
    if (eq >= 0) {
      value = word.value.slice(eq + 1);
    } else {
      const next = words[++i];
      if (next === undefined) fail(word.position, `${flag} needs a value`);
      value = next.value;
    }
    if (flag === '--name') {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 53) fail(word.position, `invalid release name "${value}": lowercase letters, digits and '-', at most 53 characters`);
      release.name = value;
    } else if (flag === '--namespace') {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63) fail(word.position, `invalid namespace "${value}"`);
      release.namespace = value;
    } else if (flag === '--values') {
      release.values.push(value);
    } else if (flag === '--set') {
      if (!value.includes('=')) fail(word.position, `--set wants path=value, got "${value}"`);
      release.set.push(value);
    } else if (flag === '--version') {
      release.version = value;
    }
  }
  return { release, positional };
}

function chartSource(word: Word, fail: (p: Position, m: string) => never): { source: ChartSource } {
  const text = word.value;
  if (text.startsWith('oci://')) {
    const rest = text.slice('oci://'.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) fail(word.position, `invalid OCI chart reference "${text}": want oci://host/path/chart:version`);
    const path = rest.slice(slash + 1);
    const lastSegment = path.slice(path.lastIndexOf('/') + 1);
    const at = lastSegment.indexOf('@');
    const colon = lastSegment.indexOf(':');
    let chart = lastSegment;
    let version: string | undefined;
    let reference = text;
    if (at >= 0 && !lastSegment.slice(at + 1).startsWith('sha256:')) {
      chart = lastSegment.slice(0, at);
      version = lastSegment.slice(at + 1);
      reference = text.slice(0, text.length - lastSegment.length + at);
    } else if (colon >= 0) {
      chart = lastSegment.slice(0, colon);
      version = lastSegment.slice(colon + 1).replace(/@.*$/, '');
    } else if (at >= 0) {
      chart = lastSegment.slice(0, at);
    }
    if (!chart) fail(word.position, `invalid OCI chart reference "${text}": no chart name`);
    return { source: { type: 'oci', reference, chart, version } };
  }
  const m = /^helm\/([^/@\s]+)\/([^/@\s]+)(?:@(.+))?$/.exec(text);
  if (!m) fail(word.position, `invalid chart "${text}": want helm/<repo>/<chart>[@version] or oci://host/path/chart:version`);
  return { source: { type: 'repository', repository: m[1]!, chart: m[2]!, version: m[3] } };
}

/** Parses a K8sfile; ARGs are substituted with the build args (or their defaults). */
export function parseK8sfile(text: string, options: ParseOptions = {}): ParsedK8sfile {
  const file = options.file ?? 'K8sfile';
  const fail: (position: Position, message: string) => never = (position, message) => {
    throw new K8sfileError(file, position, message);
  };
  const buildArgs = options.buildArgs ?? {};
  const vars = new Map<string, string>();
  const args: Record<string, string> = {};
  const instructions: Instruction[] = [];
  let sawFrom = false;
  for (const chars of logicalLines(text, fail)) {
    let start = 0;
    while (/\s/.test(chars[start]!.ch)) start++;
    let end = start;
    while (end < chars.length && !/\s/.test(chars[end]!.ch)) end++;
    const keyword = chars.slice(start, end).map((c) => c.ch).join('');
    const position = chars[start]!.position;
    const op = keyword.toUpperCase();
    if (!operations.has(op)) fail(position, `unknown instruction ${keyword} (want one of ${[...operations].join(', ')})`);
    const rest = chars.slice(end);
    // ARG's own word declares a name: only its default value is substituted.
    const words = op === 'ARG' ? [] : splitWords(rest, vars, fail);
    const restPosition = words[0]?.position ?? { line: position.line, column: position.column + keyword.length + 1 };
    const canonical = (parts: string[]) => [op, ...parts].join(' ');
    const exactly = (n: number, usage: string) => {
      if (words.length < n) fail(restPosition, `${op} needs ${usage}`);
      if (words.length > n) fail(words[n]!.position, `${op} takes ${usage}; unexpected "${words[n]!.value}"`);
    };
    if (op !== 'ARG' && !sawFrom && op !== 'FROM') fail(position, `${op} before FROM: a K8sfile starts with FROM (only ARG may come before it)`);
    switch (op) {
      case 'FROM': {
        exactly(1, 'one reference (name:tag, a path, a registry reference, k2:1 or scratch)');
        if (sawFrom) fail(position, 'a K8sfile has one FROM');
        sawFrom = true;
        instructions.push({ op, reference: words[0]!.value, text: canonical([words[0]!.value]), position });
        break;
      }
      case 'ARG': {
        let i = 0;
        while (i < rest.length && /\s/.test(rest[i]!.ch)) i++;
        if (i >= rest.length) fail(restPosition, 'ARG needs a name, optionally with a default (ARG name=default)');
        let eqIndex = i;
        while (eqIndex < rest.length && rest[eqIndex]!.ch !== '=' && !/\s/.test(rest[eqIndex]!.ch)) eqIndex++;
        const name = rest.slice(i, eqIndex).map((c) => c.ch).join('');
        if (!namePattern.test(name)) fail(rest[i]!.position, `invalid ARG name "${name}": letters, digits and _, not starting with a digit`);
        let value = '';
        if (rest[eqIndex]?.ch === '=') {
          const valueWords = splitWords(rest.slice(eqIndex + 1), vars, fail);
          if (valueWords.length > 1) fail(valueWords[1]!.position, 'ARG takes one name=default; quote a default that has spaces');
          value = valueWords[0]?.value ?? '';
        } else if (eqIndex < rest.length) {
          fail(rest[eqIndex]!.position, 'ARG takes one name, optionally with a default (ARG name=default)');
        }
        if (name in buildArgs) value = buildArgs[name]!;
        vars.set(name, value);
        args[name] = value;
        instructions.push({ op, name, value, text: `ARG ${name}=${JSON.stringify(value)}`, position });
        break;
      }
      case 'ADD': {
        const { release, positional } = releaseOptions(words, new Set(['--name', '--namespace', '--values', '--set']), fail);
        if (positional.length !== 1) fail(positional[1]?.position ?? restPosition, 'ADD takes one path (a YAML file, a folder, a chart folder or a .tgz chart)');
        instructions.push({ op, path: positional[0]!.value, pathPosition: positional[0]!.position, release, text: canonical(words.map((w) => w.value)), position });
        break;
      }
      case 'INSTALL': {
        const { release, positional } = releaseOptions(words, new Set(['--name', '--namespace', '--values', '--set', '--version']), fail);
        if (positional.length !== 1) fail(positional[1]?.position ?? restPosition, 'INSTALL takes one chart: helm/<repo>/<chart>[@version] or oci://host/path/chart:version');
        const { source } = chartSource(positional[0]!, fail);
        if (release.version && source.version && release.version !== source.version) fail(positional[0]!.position, `version ${source.version} in the reference and --version ${release.version} differ`);
        source.version = source.version ?? release.version;
        instructions.push({ op, source, release, text: canonical(words.map((w) => w.value)), position });
        break;
      }
      case 'CONFIG':
      case 'LABEL': {
        if (!words.length) fail(restPosition, `${op} needs key=value pairs`);
        const pairs = words.map((w) => {
          const eq = w.value.indexOf('=');
          if (eq <= 0) fail(w.position, `${op} wants key=value, got "${w.value}"`);
          return { key: w.value.slice(0, eq), value: w.value.slice(eq + 1), position: w.position };
        });
        if (op === 'CONFIG') {
          for (const s of pairs) {
            try {
              options.validateSetting?.(s.key, s.value);
            } catch (e) {
              fail(s.position, (e as Error).message);
            }
          }
          instructions.push({ op, settings: pairs, text: canonical(pairs.map((p) => `${p.key}=${JSON.stringify(p.value)}`)), position });
        } else {
          instructions.push({ op, labels: Object.fromEntries(pairs.map((p) => [p.key, p.value])), text: canonical(pairs.map((p) => `${p.key}=${JSON.stringify(p.value)}`)), position });
        }
        break;
      }
      case 'REMOVE': {
        let namespace: string | undefined;
        const positional: Word[] = [];
        for (let i = 0; i < words.length; i++) {
          const w = words[i]!;
          if (w.value === '-n' || w.value === '--namespace') {
            const next = words[++i];
            if (!next) fail(w.position, `${w.value} needs a value`);
            namespace = next.value;
          } else if (/^(-n|--namespace)=/.test(w.value)) {
            namespace = w.value.slice(w.value.indexOf('=') + 1);
          } else if (w.value.startsWith('-')) {
            fail(w.position, `unknown option ${w.value} (want -n NAMESPACE)`);
          } else {
            positional.push(w);
          }
        }
        if (positional.length !== 1) fail(positional[1]?.position ?? restPosition, 'REMOVE takes kind/name [-n namespace]');
        const m = /^([A-Za-z][A-Za-z0-9.]*)\/([^/\s]+)$/.exec(positional[0]!.value);
        if (!m) fail(positional[0]!.position, `REMOVE wants kind/name, got "${positional[0]!.value}"`);
        const kind = m[1]!;
        const name = m[2]!;
        instructions.push({ op, kind, name, namespace, text: canonical([`${kind}/${name}`, ...(namespace ? ['-n', namespace] : [])]), position });
        break;
      }
      case 'UNINSTALL': {
        exactly(1, 'one release name');
        instructions.push({ op, release: words[0]!.value, text: canonical([words[0]!.value]), position });
        break;
      }
    }
  }
  if (!sawFrom) fail({ line: 1, column: 1 }, 'no FROM: a K8sfile starts with FROM (FROM k2:1 for the bare base, FROM scratch for nothing)');
  return { instructions, args, unusedBuildArgs: Object.keys(buildArgs).filter((name) => !(name in args)) };
}
