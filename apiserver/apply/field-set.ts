// Sets of field paths (structured-merge-diff's fieldpath.Set), stored as a trie: `members` are the
// path elements that end a path at this node, `children` the nodes below. Elements are keyed by their
// canonical FieldsV1 text, so membership is a hash lookup; order (needed for printing and the wire
// format) is upstream's element order, computed when asked. Sets returned by operations may share
// subtrees with their inputs: treat them as immutable and build new ones with `insert`.

import { isJsonObject, type JsonObject, type JsonValue } from './go-format.ts';
import { comparePathElements, parsePathElement, pathString, type Path, type PathElement } from './path.ts';

interface ChildNode {
  pe: PathElement;
  set: FieldSet;
}

export class FieldSet {
  readonly members = new Map<string, PathElement>();
  readonly children = new Map<string, ChildNode>();

  static of(...paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]!);
    const last = path[path.length - 1]!;
    node.members.set(last.id, last);
  }

  /** The child node for `pe`, created if missing. */
  descend(pe: PathElement): FieldSet {
    let child = this.children.get(pe.id);
    if (!child) {
      child = { pe, set: new FieldSet() };
      this.children.set(pe.id, child);
    }
    return child.set;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1; i++) {
      node = node.children.get(path[i]!.id)?.set;
      if (!node) return false;
    }
    return node.members.has(path[path.length - 1]!.id);
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(pe.id);
  }

  child(pe: PathElement): FieldSet | undefined {
    return this.children.get(pe.id)?.set;
  }

  /** The subset below `pe` (empty when there is none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(pe.id)?.set ?? EMPTY;
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.empty()) return false;
    return true;
  }

  size(): number {
    let n = this.members.size;
    for (const c of this.children.values()) n += c.set.size();
    return n;
  }

  union(other: FieldSet): FieldSet {
    if (other.members.size === 0 && other.children.size === 0) return this;
    if (this.members.size === 0 && this.children.size === 0) return other;
    const out = new FieldSet();
    for (const [id, pe] of this.members) out.members.set(id, pe);
    for (const [id, pe] of other.members) out.members.set(id, pe);
    for (const [id, c] of this.children) {
      const o = other.children.get(id);
      out.children.set(id, o ? { pe: c.pe, set: c.set.union(o.set) } : c);
    }
    for (const [id, o] of other.children) if (!this.children.has(id)) out.children.set(id, o);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    const [small, large] = this.members.size <= other.members.size ? [this.members, other.members] : [other.members, this.members];
    for (const [id, pe] of small) if (large.has(id)) out.members.set(id, pe);
    for (const [id, c] of this.children) {
      const o = other.children.get(id);
      if (!o) continue;
      const res = c.set.intersection(o.set);
      if (!res.empty()) out.children.set(id, { pe: c.pe, set: res });
    }
    return out;
  }

  /** Members of `other` are removed; a child of `other` only removes what it contains itself. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [id, pe] of this.members) if (!other.members.has(id)) out.members.set(id, pe);
    for (const [id, c] of this.children) {
      const o = other.children.get(id);
      if (!o) {
        out.children.set(id, c);
        continue;
      }
      const diff = c.set.difference(o.set);
      if (!diff.empty()) out.children.set(id, { pe: c.pe, set: diff });
    }
    return out;
  }

  /** Like difference, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [id, pe] of this.members) if (!other.members.has(id)) out.members.set(id, pe);
    for (const [id, c] of this.children) {
      if (other.members.has(id)) continue;
      const o = other.children.get(id);
      if (!o) {
        out.children.set(id, c);
        continue;
      }
      const diff = c.set.recursiveDifference(o.set);
      if (!diff.empty()) out.children.set(id, { pe: c.pe, set: diff });
    }
    return out;
  }

  /** The members that have no children (the "leaves" of the set). */
  leaves(): FieldSet {
    const out = new FieldSet();
    for (const [id, pe] of this.members) if (!this.children.has(id)) out.members.set(id, pe);
    for (const [id, c] of this.children) out.children.set(id, { pe: c.pe, set: c.set.leaves() });
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.members.size !== other.members.size || this.children.size !== other.children.size) return false;
    for (const id of this.members.keys()) if (!other.members.has(id)) return false;
    for (const [id, c] of this.children) {
      const o = other.children.get(id);
      if (!o || !c.set.equals(o.set)) return false;
    }
    return true;
  }

  /** Members in upstream's order. */
  sortedMembers(): PathElement[] {
    return [...this.members.values()].sort(comparePathElements);
  }

  sortedChildren(): ChildNode[] {
    return [...this.children.values()].sort((a, b) => comparePathElements(a.pe, b.pe));
  }

  /** Every path of the set in upstream's iteration order (members of a node, then its children). */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (node: FieldSet, prefix: PathElement[]) => {
      for (const pe of node.sortedMembers()) out.push([...prefix, pe]);
      for (const c of node.sortedChildren()) walk(c.set, [...prefix, c.pe]);
    };
    walk(this, []);
    return out;
  }

  toString(): string {
    return this.paths().map(pathString).join('\n');
  }

  /** The FieldsV1 wire form (`managedFields[].fieldsV1`), keys in upstream's order. */
  toFieldsV1(): JsonObject {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): JsonObject {
    const out: JsonObject = {};
    if (includeSelf && (this.members.size > 0 || this.children.size > 0)) out['.'] = {};
    const members = this.sortedMembers();
    const children = this.sortedChildren();
    let mi = 0;
    let ci = 0;
    while (mi < members.length || ci < children.length) {
      const m = members[mi];
      const c = children[ci];
      const order = m && c ? comparePathElements(m, c.pe) : m ? -1 : 1;
      if (order < 0) {
        out[m!.id] = {};
        mi++;
      } else if (order > 0) {
        out[c!.pe.id] = c!.set.emit(false);
        ci++;
      } else {
        out[c!.pe.id] = c!.set.emit(true);
        mi++;
        ci++;
      }
    }
    return out;
  }

  /** Reads the FieldsV1 wire form; throws FieldsV1Error on malformed input. */
  static fromFieldsV1(fields: JsonValue | undefined): FieldSet {
    if (fields === undefined || fields === null) return new FieldSet();
    if (!isJsonObject(fields)) throw new FieldsV1Error(`ReadMapCB: expect { or n, but found ${JSON.stringify(fields).slice(0, 1)}`);
    return readFieldsV1(fields).children ?? new FieldSet();
  }
}

export class FieldsV1Error extends Error {}

const EMPTY = new FieldSet();

function readFieldsV1(obj: JsonObject): { children: FieldSet | undefined; isMember: boolean } {
  let children: FieldSet | undefined;
  let isMember = false;
  for (const [key, value] of Object.entries(obj)) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    let pe: PathElement | undefined;
    try {
      pe = parsePathElement(key);
    } catch (e) {
      throw new FieldsV1Error(`parsing key as path element: ${(e as Error).message}`);
    }
    if (!pe) continue;
    if (value === null) {
      // A null value reads as an empty object: the element is a member.
      children ??= new FieldSet();
      children.members.set(pe.id, pe);
      continue;
    }
    if (!isJsonObject(value)) throw new FieldsV1Error(`ReadMapCB: expect { or n, but found ${JSON.stringify(value).slice(0, 1)}`);
    const sub = readFieldsV1(value);
    if (sub.isMember) {
      children ??= new FieldSet();
      children.members.set(pe.id, pe);
    }
    if (sub.children) {
      children ??= new FieldSet();
      children.children.set(pe.id, { pe, set: sub.children });
    }
  }
  if (!children) isMember = true;
  return { children, isMember };
}
