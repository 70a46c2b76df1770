// RFC 6902 JSON patch with the semantics of the library kube-apiserver uses (evanphx/json-patch v4):
// `replace` of a missing object key adds it, negative array indices count from the end, `test` treats
// a null and a missing value alike, a path without a leading slash ignores its first segment. Each
// operation is checked here (for kube-apiserver's outcome and error text) and then carried out by
// fast-json-patch. Failures become the Status errors kube-apiserver answers with.

import jsonPatch, { type Operation } from 'fast-json-patch';
import { goQuote, isJsonObject, type JsonObject, type JsonValue } from '../apply/go-format.ts';
import { patchErrors } from './patch-errors.ts';

// fast-json-patch is CommonJS: under Node's ESM loader only its default export carries every function.
const { _areEquals, applyOperation, deepClone, escapePathComponent, unescapePathComponent } = jsonPatch;

const maxOperations = 10000;

class OperationError extends Error {}

interface Location {
  container: JsonObject | JsonValue[];
  /** The path of the container from the root, as JSON pointer segments (unescaped). */
  parents: string[];
  key: string;
}

/** Where a path points (evanphx's findObject): undefined when a parent is missing, null or a scalar. */
function locate(doc: JsonObject | JsonValue[], path: string): Location | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  const parents = split.slice(1, -1).map(unescapePathComponent);
  let container: JsonObject | JsonValue[] = doc;
  for (const part of parents) {
    let next: JsonValue | undefined;
    if (Array.isArray(container)) {
      const index = arrayIndex(container, part, false);
      next = index === undefined ? undefined : container[index];
    } else {
      next = Object.hasOwn(container, part) ? container[part] : undefined;
    }
    if (next === undefined || next === null || typeof next !== 'object') return undefined;
    container = next;
  }
  return { container, parents, key: unescapePathComponent(split[split.length - 1]!) };
}

function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw new OperationError(`strconv.Atoi: parsing ${goQuote(key)}: invalid syntax`);
  return Number(key);
}

/** An existing index of the array (negative ones count from the end), or undefined. */
function arrayIndex(arr: JsonValue[], key: string, throwing: boolean): number | undefined {
  let index: number;
  try {
    index = atoi(key);
  } catch (e) {
    if (throwing) throw e;
    return undefined;
  }
  if (index < 0) {
    if (index < -arr.length) {
      if (throwing) throw new OperationError(`Unable to access invalid index: ${index}: invalid index referenced`);
      return undefined;
    }
    index += arr.length;
  }
  if (index >= arr.length) {
    if (throwing) throw new OperationError(`Unable to access invalid index: ${index}: invalid index referenced`);
    return undefined;
  }
  return index;
}

function pointer(parents: string[], key: string): string {
  return ['', ...parents, key].map((s, i) => (i === 0 ? s : escapePathComponent(s))).join('/');
}

function stringField(op: JsonObject, field: 'path' | 'from'): string | undefined {
  const v = op[field];
  return typeof v === 'string' ? v : undefined;
}

class JsonPatcher {
  constructor(public doc: JsonObject | JsonValue[]) {}

  private run(op: Operation): void {
    applyOperation(this.doc, op, false, true, true);
  }

  /** Adds at a location; returns the error text of a failure. */
  private addAt(loc: Location, value: JsonValue): void {
    if (Array.isArray(loc.container)) {
      const arr = loc.container;
      let index: number;
      if (loc.key === '-') index = arr.length;
      else {
        try {
          index = atoi(loc.key);
        } catch (e) {
          throw new OperationError(`value was not a proper array index: '${loc.key}': ${(e as Error).message}`);
        }
        const size = arr.length + 1;
        if (index >= size || index < -size) throw new OperationError(`Unable to access invalid index: ${index}: invalid index referenced`);
        if (index < 0) index += size;
      }
      this.run({ op: 'add', path: pointer(loc.parents, String(index)), value });
      return;
    }
    this.run({ op: 'add', path: pointer(loc.parents, loc.key), value });
  }

  private removeAt(loc: Location): void {
    if (Array.isArray(loc.container)) {
      const index = arrayIndex(loc.container, loc.key, true)!;
      this.run({ op: 'remove', path: pointer(loc.parents, String(index)) });
      return;
    }
    if (!Object.hasOwn(loc.container, loc.key)) throw new OperationError(`Unable to remove nonexistent key: ${loc.key}: missing value`);
    this.run({ op: 'remove', path: pointer(loc.parents, loc.key) });
  }

  /** The value at a location; missing object keys read as null, bad array indices throw. */
  private getAt(loc: Location): JsonValue | undefined {
    if (Array.isArray(loc.container)) return loc.container[arrayIndex(loc.container, loc.key, true)!];
    return Object.hasOwn(loc.container, loc.key) ? loc.container[loc.key] : undefined;
  }

  apply(op: JsonObject): void {
    const kind = typeof op.op === 'string' ? op.op : 'unknown';
    const value: JsonValue = Object.hasOwn(op, 'value') ? op.value! : null;
    const path = stringField(op, 'path');
    switch (kind) {
      case 'add': {
        if (path === undefined) throw new OperationError('add operation failed to decode path: missing value');
        const loc = locate(this.doc, path);
        if (!loc) throw new OperationError(`add operation does not apply: doc is missing path: "${path}": missing value`);
        this.wrap(`error in add for path: '${path}'`, () => this.addAt(loc, value));
        return;
      }
      case 'remove': {
        if (path === undefined) throw new OperationError('remove operation failed to decode path: missing value');
        const loc = locate(this.doc, path);
        if (!loc) throw new OperationError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
        this.wrap(`error in remove for path: '${path}'`, () => this.removeAt(loc));
        return;
      }
      case 'replace': {
        if (path === undefined) throw new OperationError('replace operation failed to decode path: missing value');
        if (path === '') {
          if (typeof value !== 'object' || value === null) throw new OperationError('replace operation value must be object or array');
          this.doc = value;
          return;
        }
        const loc = locate(this.doc, path);
        if (!loc) throw new OperationError(`replace operation does not apply: doc is missing path: ${path}: missing value`);
        if (Array.isArray(loc.container)) {
          const index = arrayIndex(loc.container, loc.key, false);
          if (index === undefined) throw new OperationError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
          this.run({ op: 'replace', path: pointer(loc.parents, String(index)), value });
        } else {
          // evanphx v4 sets a missing key instead of failing.
          this.run({ op: 'add', path: pointer(loc.parents, loc.key), value });
        }
        return;
      }
      case 'move': {
        const from = stringField(op, 'from');
        if (from === undefined) throw new OperationError('move operation failed to decode from: operation, missing from field: missing value');
        const source = locate(this.doc, from);
        if (!source) throw new OperationError(`move operation does not apply: doc is missing from path: ${from}: missing value`);
        const moved = this.wrap(`error in move for path: '${source.key}'`, () => this.getAt(source));
        this.wrap(`error in move for path: '${source.key}'`, () => this.removeAt(source));
        if (path === undefined) throw new OperationError('move operation failed to decode path: operation missing path field: missing value');
        const target = locate(this.doc, path);
        if (!target) throw new OperationError(`move operation does not apply: doc is missing destination path: ${path}: missing value`);
        this.wrap(`error in move for path: '${path}'`, () => this.addAt(target, moved ?? null));
        return;
      }
      case 'copy': {
        const from = stringField(op, 'from');
        if (from === undefined) throw new OperationError('copy operation failed to decode from: operation, missing from field: missing value');
        const source = locate(this.doc, from);
        if (!source) throw new OperationError(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
        const copied = this.wrap(`error in copy for from: '${from}'`, () => this.getAt(source));
        if (path === undefined) throw new OperationError('copy operation failed to decode path: missing value');
        const target = locate(this.doc, path);
        if (!target) throw new OperationError(`copy operation does not apply: doc is missing destination path: ${path}: missing value`);
        this.wrap('error while adding value during copy', () => this.addAt(target, copied === undefined ? null : (deepClone(copied) as JsonValue)));
        return;
      }
      case 'test': {
        if (path === undefined) throw new OperationError('test operation failed to decode path: operation missing path field: missing value');
        const expected = Object.hasOwn(op, 'value') ? op.value : undefined;
        if (path === '') {
          if (!_areEquals(this.doc, expected)) throw new OperationError(`testing value ${path} failed: test failed`);
          return;
        }
        const loc = locate(this.doc, path);
        if (!loc) throw new OperationError(`test operation does not apply: is missing path: ${path}: missing value`);
        const actual = this.wrap(`error in test for path: '${path}'`, () => this.getAt(loc));
        if (actual === undefined || actual === null) {
          if (expected === undefined || expected === null) return;
          throw new OperationError(`testing value ${path} failed: test failed`);
        }
        if (expected === undefined || !_areEquals(actual, expected)) throw new OperationError(`testing value ${path} failed: test failed`);
        return;
      }
      default:
        throw new OperationError(`Unexpected kind: ${kind}`);
    }
  }

  private wrap<T>(context: string, step: () => T): T {
    try {
      return step();
    } catch (e) {
      throw new OperationError(`${context}: ${(e as Error).message}`);
    }
  }
}

/** Go's json error when a patch body does not decode into a list of operations. */
function decodeError(body: JsonValue): string | undefined {
  const goType = (v: JsonValue) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);
  if (body === null) return undefined;
  if (!Array.isArray(body)) return `json: cannot unmarshal ${goType(body)} into Go value of type jsonpatch.Patch`;
  for (const op of body) {
    if (op !== null && !isJsonObject(op)) return `json: cannot unmarshal ${goType(op)} into Go value of type jsonpatch.Operation`;
  }
  return undefined;
}

/**
 * Applies a JSON patch to a copy of `current`. Throws PatchError: 400 for a body that is not a list of
 * operations, 413 past 10000 operations, 422 when an operation fails (kube-apiserver's generic message;
 * the reason is in `detail`).
 */
export function applyJsonPatch(current: JsonObject, body: JsonValue): JsonValue {
  const problem = decodeError(body);
  if (problem) throw patchErrors.badRequest(problem);
  const ops = (body ?? []) as (JsonObject | null)[];
  if (ops.length > maxOperations) throw patchErrors.tooManyOperations(ops.length);
  const patcher = new JsonPatcher(deepClone(current) as JsonObject);
  for (const op of ops) {
    try {
      patcher.apply(op ?? {});
    } catch (e) {
      if (e instanceof OperationError) throw patchErrors.unprocessable(e.message);
      throw e;
    }
  }
  return patcher.doc;
}
