// Semantic versions and constraints with the rules of Masterminds/semver v3, which Helm uses for
// `semverCompare`, `semver`, Chart.yaml `kubeVersion` and dependency version ranges.
import { goFunc, GoStruct, type GoFunc } from '../gotemplate/values.ts';

const looseVersion = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

function validatePrerelease(pre: string): void {
  for (const part of pre.split('.')) {
    if (part === '') throw new Error('invalid prerelease string');
    if (/^[0-9]+$/.test(part)) {
      if (part.length > 1 && part[0] === '0') throw new Error('version segment starts with 0');
    } else if (!/^[0-9A-Za-z-]+$/.test(part)) throw new Error('invalid prerelease string');
  }
}

/** A parsed version; exposed to templates as *semver.Version with its methods. */
export class SemVersion extends GoStruct {
  constructor(
    readonly major: bigint,
    readonly minor: bigint,
    readonly patch: bigint,
    readonly pre: string,
    readonly metadata: string,
    readonly original: string,
  ) {
    super();
  }

  /** semver.NewVersion (coercing: "1.2" is 1.2.0, a leading "v" is allowed). */
  static parse(text: string): SemVersion {
    const m = looseVersion.exec(text);
    if (!m) throw new Error('invalid semantic version');
    const pre = m[5] ?? '';
    const metadata = m[8] ?? '';
    if (pre) validatePrerelease(pre);
    if (metadata && metadata.split('.').some((p) => !/^[0-9A-Za-z-]+$/.test(p))) throw new Error('invalid metadata string');
    const seg = (s: string | undefined) => (s ? BigInt(s.replace(/^\./, '')) : 0n);
    return new SemVersion(seg(m[1]), seg(m[2]), seg(m[3]), pre, metadata, text);
  }

  override get goTypeName(): string {
    return '*semver.Version';
  }

  override goFieldNames(): string[] {
    return [];
  }

  override goString(): string {
    let out = `${this.major}.${this.minor}.${this.patch}`;
    if (this.pre) out += `-${this.pre}`;
    if (this.metadata) out += `+${this.metadata}`;
    return out;
  }

  compare(other: SemVersion): number {
    for (const [a, b] of [
      [this.major, other.major],
      [this.minor, other.minor],
      [this.patch, other.patch],
    ] as const) {
      if (a !== b) return a < b ? -1 : 1;
    }
    if (!this.pre && !other.pre) return 0;
    if (!this.pre) return 1;
    if (!other.pre) return -1;
    return comparePrerelease(this.pre, other.pre);
  }

  override goMethods(): Record<string, GoFunc> {
    return {
      Major: goFunc([], () => this.major),
      Minor: goFunc([], () => this.minor),
      Patch: goFunc([], () => this.patch),
      Prerelease: goFunc([], () => this.pre),
      Metadata: goFunc([], () => this.metadata),
      Original: goFunc([], () => this.original),
      String: goFunc([], () => this.goString()),
      Compare: goFunc(['any'], (o: unknown) => BigInt(this.compare(asVersion(o)))),
      LessThan: goFunc(['any'], (o: unknown) => this.compare(asVersion(o)) < 0),
      GreaterThan: goFunc(['any'], (o: unknown) => this.compare(asVersion(o)) > 0),
      Equal: goFunc(['any'], (o: unknown) => this.compare(asVersion(o)) === 0),
      IncMajor: goFunc([], () => SemVersion.parse(`${this.major + 1n}.0.0`)),
      IncMinor: goFunc([], () => SemVersion.parse(`${this.major}.${this.minor + 1n}.0`)),
      IncPatch: goFunc([], () => (this.pre ? SemVersion.parse(`${this.major}.${this.minor}.${this.patch}`) : SemVersion.parse(`${this.major}.${this.minor}.${this.patch + 1n}`))),
    };
  }

  goJson(): unknown {
    return this.goString();
  }
}

function asVersion(value: unknown): SemVersion {
  if (value instanceof SemVersion) return value;
  throw new Error('wrong type for value; expected *semver.Version');
}

function comparePrerelease(a: string, b: string): number {
  const ap = a.split('.');
  const bp = b.split('.');
  const n = Math.max(ap.length, bp.length);
  for (let i = 0; i < n; i++) {
    const x = ap[i];
    const y = bp[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    if (xn && yn) return BigInt(x) < BigInt(y) ? -1 : 1;
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

// ---- constraints ------------------------------------------------------------------------------

const cv = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const ops = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const constraintRegex = new RegExp(String.raw`^\s*(${ops})\s*(${cv})\s*$`);
const rangeRegex = new RegExp(String.raw`\s*(${cv})\s+-\s+(${cv})\s*`, 'g');
const findRegex = new RegExp(String.raw`(${ops})\s*(${cv})`, 'g');
const validRegex = new RegExp(String.raw`^(\s*(${ops})\s*(${cv})\s*)((?:\s+|,\s*)(${ops})\s*(${cv})\s*)*$`);

interface Constraint {
  con: SemVersion;
  orig: string;
  op: string;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const isX = (s: string | undefined) => s === 'x' || s === '*' || s === 'X';

function parseConstraint(text: string): Constraint {
  if (!text.length) return { con: SemVersion.parse('0.0.0'), orig: text, op: '', dirty: true, minorDirty: false, patchDirty: false };
  const m = constraintRegex.exec(text);
  if (!m) throw new Error(`improper constraint: ${JSON.stringify(text)}`);
  let ver = m[2]!;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  const major = m[3]!;
  const minor = m[4] ?? '';
  const patch = m[5] ?? '';
  const pre = m[6] ?? '';
  if (isX(major) || major === '') {
    ver = `0.0.0${pre}`;
    dirty = true;
  } else if (isX(minor.replace(/^\./, '')) || minor === '') {
    minorDirty = true;
    dirty = true;
    ver = `${major}.0.0${pre}`;
  } else if (isX(patch.replace(/^\./, '')) || patch === '') {
    dirty = true;
    patchDirty = true;
    ver = `${major}${minor}.0${pre}`;
  }
  let con: SemVersion;
  try {
    con = SemVersion.parse(ver);
  } catch {
    throw new Error('constraint parser error');
  }
  return { con, orig: m[2]!, op: m[1]!, dirty, minorDirty, patchDirty };
}

function checkConstraint(c: Constraint, v: SemVersion, includePre: boolean): boolean {
  if (v.pre && !includePre) return false;
  const cmp = v.compare(c.con);
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde(c, v) : cmp === 0;
    case '!=':
      if (c.dirty) {
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (c.con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) {
          if (v.pre || c.con.pre) return comparePrerelease(v.pre, c.con.pre) !== 0;
          return false;
        }
      }
      return cmp !== 0;
    case '>':
      if (!c.dirty) return cmp === 1;
      if (v.major > c.con.major) return true;
      if (v.major < c.con.major) return false;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.con.minor;
      return cmp === 1;
    case '<':
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      if (v.major > c.con.major) return false;
      if (v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty) return false;
      return true;
    case '~':
    case '~>':
      return tilde(c, v);
    case '^':
      if (cmp < 0) return false;
      if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
      if (c.con.major === 0n && v.major > 0n) return false;
      if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
      if (c.con.minor === 0n && v.minor > 0n) return false;
      return c.con.patch === v.patch;
  }
  return false;
}

function tilde(c: Constraint, v: SemVersion): boolean {
  if (v.compare(c.con) < 0) return false;
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  if (v.minor !== c.con.minor && !c.minorDirty) return false;
  return true;
}

/** A parsed constraint such as ">=1.21.0-0 <2" or "^1.2 || ~3". */
export class SemConstraints {
  private constructor(
    private readonly groups: Constraint[][],
    private readonly containsPre: boolean[],
  ) {}

  static parse(text: string): SemConstraints {
    const rewritten = text.replace(rangeRegex, (_all, from: string, ...rest: string[]) => `>= ${from}, <= ${rest[9]} `);
    const groups: Constraint[][] = [];
    const containsPre: boolean[] = [];
    for (const or of rewritten.split('||')) {
      if (!validRegex.test(or)) throw new Error(`improper constraint: ${JSON.stringify(or)}`);
      const found = or.match(findRegex) ?? [or];
      const group = found.map(parseConstraint);
      groups.push(group);
      containsPre.push(group.some((c) => c.con.pre !== ''));
    }
    return new SemConstraints(groups, containsPre);
  }

  check(version: SemVersion): boolean {
    return this.groups.some((group, i) => group.every((c) => checkConstraint(c, version, this.containsPre[i]!)));
  }
}

/** sprig's semverCompare: does `version` satisfy `constraint`? */
export function semverCompare(constraint: string, version: string): boolean {
  const c = SemConstraints.parse(constraint);
  const v = SemVersion.parse(version);
  return c.check(v);
}
