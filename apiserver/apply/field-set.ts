// Sets of field paths (structured-merge-diff's fieldpath.Set), stored as a trie: `members` are the
// path elements that end a path at this node, `children` the nodes below. Elements are keyed by their
// canonical FieldsV1 text, so membership is a hash lookup; order (needed for printing and the wire
// format) is upstream's element order, computed when asked. Sets returned by operations share
// unchanged subtrees with their inputs: treat them as immutable and build new ones with `insert`.

import { hash } from 'node:crypto';
import { isJsonObject, type JsonObject, type JsonValue } from './go-format.ts';
import { comparePathElements, parsePathElement, pathString, type Path, type PathElement } from './path.ts';

export interface ChildNode {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

const noMembers: ReadonlyMap<string, PathElement> = new Map();
const noChildren: ReadonlyMap<string, ChildNode> = new Map();

export class FieldSet {
  // Most nodes have only members or only children: the maps are created on first write.
  private memberMap: Map<string, PathElement> | undefined;
  private childMap: Map<string, ChildNode> | undefined;
  /**
   * The wire form, once encoded or read from one. Sets are immutable once built (the builders below run only
   * while a set is made), so the form stays true for the set's life.
   */
  private wire: JsonObject | undefined;

  static of(...paths: Path[]): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  get members(): ReadonlyMap<string, PathElement> {
    return this.memberMap ?? noMembers;
  }

  get children(): ReadonlyMap<string, ChildNode> {
    return this.childMap ?? noChildren;
  }

  /** Adds `pe` as a member of this node (for building sets). */
  addMember(pe: PathElement): void {
    (this.memberMap ??= new Map()).set(pe.id, pe);
  }

  /** Sets the subtree below `pe` (for building sets). */
  setChild(pe: PathElement, set: FieldSet): void {
    (this.childMap ??= new Map()).set(pe.id, { pe, set });
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]!);
    node.addMember(path[path.length - 1]!);
  }

  /** The child node for `pe`, created if missing. */
  descend(pe: PathElement): FieldSet {
    let child = this.childMap?.get(pe.id);
    if (!child) {
      child = { pe, set: new FieldSet() };
      (this.childMap ??= new Map()).set(pe.id, child);
    }
    return child.set;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1; i++) {
      node = node.childMap?.get(path[i]!.id)?.set;
      if (!node) return false;
    }
    return node.memberMap?.has(path[path.length - 1]!.id) ?? false;
  }

  hasMember(pe: PathElement): boolean {
    return this.memberMap?.has(pe.id) ?? false;
  }

  child(pe: PathElement): FieldSet | undefined {
    return this.childMap?.get(pe.id)?.set;
  }

  /** The subset below `pe` (empty when there is none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.childMap?.get(pe.id)?.set ?? EMPTY;
  }

  empty(): boolean {
    if (this.memberMap && this.memberMap.size > 0) return false;
    if (this.childMap) for (const c of this.childMap.values()) if (!c.set.empty()) return false;
    return true;
  }

  size(): number {
    let n = this.memberMap?.size ?? 0;
    if (this.childMap) for (const c of this.childMap.values()) n += c.set.size();
    return n;
  }

  private isBare(): boolean {
    return !this.memberMap?.size && !this.childMap?.size;
  }

  union(other: FieldSet): FieldSet {
    if (other === this || other.isBare()) return this;
    if (this.isBare()) return other;
    const out = new FieldSet();
    // forEach rather than spreading entries: no [id, element] pair per member (status writes union on every write).
    if (this.memberMap || other.memberMap) {
      const members = (out.memberMap = new Map(this.memberMap));
      other.memberMap?.forEach((pe, id) => members.set(id, pe));
    }
    if (this.childMap || other.childMap) {
      const children = (out.childMap = new Map(this.childMap));
      other.childMap?.forEach((o, id) => {
        const c = children.get(id);
        children.set(id, c ? { pe: c.pe, set: c.set.union(o.set) } : o);
      });
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    if (this.memberMap && other.memberMap) {
      const [small, large] = this.memberMap.size <= other.memberMap.size ? [this.memberMap, other.memberMap] : [other.memberMap, this.memberMap];
      for (const [id, pe] of small) if (large.has(id)) out.addMember(pe);
    }
    if (this.childMap && other.childMap) {
      for (const [id, c] of this.childMap) {
        const o = other.childMap.get(id);
        if (!o) continue;
        const res = c.set.intersection(o.set);
        if (!res.empty()) out.setChild(c.pe, res);
      }
    }
    return out;
  }

  /** Members of `other` are removed; a child of `other` only removes what it contains itself. */
  difference(other: FieldSet): FieldSet {
    return this.subtract(other, false);
  }

  /** Like difference, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    return this.subtract(other, true);
  }

  private subtract(other: FieldSet, recursive: boolean): FieldSet {
    if (other.isBare() || this.isBare()) return this;
    let changed = false;
    const out = new FieldSet();
    if (this.memberMap) {
      for (const [id, pe] of this.memberMap) {
        if (other.memberMap?.has(id)) changed = true;
        else out.addMember(pe);
      }
    }
    if (this.childMap) {
      for (const [id, c] of this.childMap) {
        if (recursive && other.memberMap?.has(id)) {
          changed = true;
          continue;
        }
        const o = other.childMap?.get(id);
        if (!o) {
          out.setChild(c.pe, c.set);
          continue;
        }
        const diff = c.set.subtract(o.set, recursive);
        if (diff !== c.set) changed = true;
        if (!diff.empty()) out.setChild(c.pe, diff);
        else changed = true;
      }
    }
    return changed ? out : this;
  }

  /** The members that have no children (the "leaves" of the set). */
  leaves(): FieldSet {
    const out = new FieldSet();
    if (this.memberMap) for (const [id, pe] of this.memberMap) if (!this.childMap?.has(id)) out.addMember(pe);
    if (this.childMap) for (const c of this.childMap.values()) out.setChild(c.pe, c.set.leaves());
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this === other) return true;
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
    return sortSmall([...this.members.values()], comparePathElements);
  }

  sortedChildren(): ChildNode[] {
    return sortSmall([...this.children.values()], compareChildren);
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

  /**
   * The FieldsV1 wire form (`managedFields[].fieldsV1`), keys in upstream's order. The result is frozen
   * and may be shared: a set read back from it gives the very same object again, so the entries of
   * managers a write does not touch are not re-encoded (nor copied with the object).
   */
  toFieldsV1(): JsonObject {
    return (this.wire ??= internWireForm(this.emit(false)));
  }

  private emit(includeSelf: boolean): JsonObject {
    const out: JsonObject = {};
    if (includeSelf && !this.isBare()) out['.'] = fieldsV1Leaf;
    const members = this.sortedMembers();
    const children = this.sortedChildren();
    let mi = 0;
    let ci = 0;
    while (mi < members.length || ci < children.length) {
      const m = members[mi];
      const c = children[ci];
      const order = m && c ? comparePathElements(m, c.pe) : m ? -1 : 1;
      if (order < 0) {
        out[m!.id] = fieldsV1Leaf;
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
    return Object.freeze(out);
  }

  /** Reads the FieldsV1 wire form; throws FieldsV1Error on malformed input. */
  static fromFieldsV1(fields: JsonValue | undefined): FieldSet {
    if (fields === undefined || fields === null) return new FieldSet();
    if (!isJsonObject(fields)) throw new FieldsV1Error(`ReadMapCB: expect { or n, but found ${JSON.stringify(fields).slice(0, 1)}`);
    // Only toFieldsV1 makes frozen wire forms, so a frozen one is already canonical for this set.
    const frozen = Object.isFrozen(fields);
    const known = frozen ? recentlyRead.get(fields) : undefined;
    if (known) return known;
    const set = readFieldsV1(fields).children ?? new FieldSet();
    if (frozen) {
      set.wire = fields;
      if (recentlyRead.size >= maxRecentlyRead) recentlyRead.clear();
      recentlyRead.set(fields, set);
    }
    return set;
  }
}

const compareChildren = (a: ChildNode, b: ChildNode) => comparePathElements(a.pe, b.pe);

/**
 * Sorts in place. A node has a handful of elements, sorted each time a set is encoded: an insertion sort needs no
 * work buffer, which Array.prototype.sort allocates on every call (a fifth of what a status write allocated).
 */
function sortSmall<T>(items: T[], compare: (a: T, b: T) => number): T[] {
  if (items.length > 16) return items.sort(compare);
  for (let i = 1; i < items.length; i++) {
    const item = items[i]!;
    let j = i - 1;
    for (; j >= 0 && compare(items[j]!, item) > 0; j--) items[j + 1] = items[j]!;
    items[j + 1] = item;
  }
  return items;
}

/**
 * The sets of frozen wire forms read lately. Forms shared by many objects (the entry of every pod a workload
 * creates) are read on each of their writes; a few hundred are kept, not one per object (a set of its own
 * would stay with every stored object's form, tens of MB for ten thousand pods).
 */
const recentlyRead = new Map<JsonObject, FieldSet>();
const maxRecentlyRead = 256;

/**
 * Equal wire forms are one shared object. Objects made alike (the pods of one workload, their status
 * from one kubelet) have equal field sets, and managedFields are a third of a cached pod's memory.
 */
const internedWireForms = new Map<string, WeakRef<JsonObject>>();
const releasedWireForms = new FinalizationRegistry<string>((digest) => {
  if (internedWireForms.get(digest)?.deref() === undefined) internedWireForms.delete(digest);
});

function internWireForm(wire: JsonObject): JsonObject {
  // Keyed by a digest, not the text: many forms are never shared (a pod's status names its IP).
  const digest = hash('sha256', JSON.stringify(wire), 'base64');
  const shared = internedWireForms.get(digest)?.deref();
  if (shared) return shared;
  internedWireForms.set(digest, new WeakRef(wire));
  releasedWireForms.register(wire, digest);
  return wire;
}

export class FieldsV1Error extends Error {}

/**
 * The `{}` of a field in FieldsV1, shared by every entry: managedFields are most of the objects a
 * cached pod holds, and never changed in place.
 */
const fieldsV1Leaf: JsonObject = Object.freeze({}) as JsonObject;

const EMPTY = new FieldSet();

function readFieldsV1(obj: JsonObject): { children: FieldSet | undefined; isMember: boolean } {
  let children: FieldSet | undefined;
  let isMember = false;
  for (const key in obj) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    const value = obj[key]!;
    let pe: PathElement | undefined;
    try {
      pe = parsePathElement(key);
    } catch (e) {
      throw new FieldsV1Error(`parsing key as path element: ${(e as Error).message}`);
    }
    if (!pe) continue;
    if (value === null) {
      // A null value reads as an empty object: the element is a member.
      (children ??= new FieldSet()).addMember(pe);
      continue;
    }
    if (!isJsonObject(value)) throw new FieldsV1Error(`ReadMapCB: expect { or n, but found ${JSON.stringify(value).slice(0, 1)}`);
    const sub = readFieldsV1(value);
    if (sub.isMember) (children ??= new FieldSet()).addMember(pe);
    if (sub.children) (children ??= new FieldSet()).setChild(pe, sub.children);
  }
  if (!children) isMember = true;
  return { children, isMember };
}
