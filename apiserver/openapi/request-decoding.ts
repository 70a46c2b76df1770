// What kube-apiserver's decoding of a request body does besides parsing, with its exact wording:
//
// - built-in kinds are decoded into Go structs: a value of the wrong JSON type fails the request
//   (`json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
//   int32`), unknown fields are dropped, or reported under fieldValidation=Strict/Warn
//   (`unknown field "spec.replicass"`), repeated keys are reported (`duplicate field "…"`), and what
//   encoding the struct again leaves out is gone (nulls, and omitempty zeros: `hostNetwork: false`, `env: []`);
// - custom resources are pruned along their structural schema (honouring
//   x-kubernetes-preserve-unknown-fields and x-kubernetes-embedded-resource), their metadata is
//   decoded as ObjectMeta, and non-nullable nulls without a default are dropped.
//
// Schemas are compiled once (per definition, or per CRD schema object) into a small node graph,
// so that a check of a typical Deployment costs a few microseconds.
import { FieldFlag, kubernetesMessageTable } from '../protobuf/message-table.ts';
import { StatusError } from '../status.ts';
import { builtinSchemas, type BuiltinSchemas } from './builtin-schemas.ts';
import { findDuplicateKeys, type PathSegment } from './duplicate-fields.ts';
import { base64Error, quantityError, rfc3339Error, goQuote } from './go-decoding-errors.ts';
import { goNameOfDefinition, goTypeNameFromSchema } from './go-type-names.ts';
import { definitionNameOfRef } from './schema-refs.ts';
import type { GroupVersionKind, OpenApiSchema } from './schema.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The schema a request body is decoded against. */
export interface DecodeTarget {
  gvk: GroupVersionKind;
  /** Built-in kinds: the kind's definition. Custom resources: the version's openAPIV3Schema. */
  schema: OpenApiSchema;
  /** Built-in kinds decode into Go types (type errors, document-order strict errors). */
  builtIn: boolean;
  /** Built-in kinds: the name of the definition (`io.k8s.api.apps.v1.Deployment`). */
  definitionName?: string;
  /** CRDs whose spec.preserveUnknownFields is true (apiextensions.k8s.io/v1beta1): no pruning. */
  preserveUnknownFields?: boolean;
}

export interface DecodeOptions {
  fieldValidation: FieldValidation;
  /** The body as received; when given (and strict errors are wanted), repeated keys are reported. */
  rawJson?: string;
}

export interface DecodeProblems {
  /** `unknown field "spec.x"`, `duplicate field "spec.y"`: Kubernetes' order and wording. */
  strictErrors: string[];
  /** A failure typed decoding reports whatever fieldValidation says (`json: cannot unmarshal …`). */
  decodeError?: string;
}

const objectMetaDefinition = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** The target for a built-in kind, or undefined when the schema facts do not know it. */
export function builtinDecodeTarget(gvk: GroupVersionKind): DecodeTarget | undefined {
  const definitionName = builtinSchemas().definitionNameFor(gvk);
  const schema = definitionName === undefined ? undefined : builtinSchemas().definition(definitionName);
  return schema ? { gvk, schema, builtIn: true, definitionName } : undefined;
}

export function customResourceDecodeTarget(gvk: GroupVersionKind, openAPIV3Schema: OpenApiSchema, preserveUnknownFields = false): DecodeTarget {
  return { gvk, schema: openAPIV3Schema, builtIn: false, preserveUnknownFields };
}

/**
 * Checks and prunes a decoded create/update body in place, as kube-apiserver's decoder would.
 * Throws a 400 BadRequest StatusError (`Deployment in version "v1" cannot be handled as a
 * Deployment: …`) on type errors and, under Strict, on unknown or duplicate fields; returns the
 * warnings to send under Warn (one `Warning` header text each).
 */
export function decodeRequestObject(object: Record<string, unknown>, target: DecodeTarget, options: DecodeOptions): { warnings: string[] } {
  const problems = checkAndPrune(object, target, options);
  if (problems.decodeError) throw cannotBeHandled(target.gvk, problems.decodeError);
  if (problems.strictErrors.length === 0) return { warnings: [] };
  if (options.fieldValidation === 'Strict') throw cannotBeHandled(target.gvk, strictDecodingError(problems.strictErrors));
  return { warnings: options.fieldValidation === 'Warn' ? problems.strictErrors : [] };
}

/** `strict decoding error: unknown field "a", duplicate field "b"` (runtime.NewStrictDecodingError). */
export function strictDecodingError(errors: string[]): string {
  return `strict decoding error: ${errors.join(', ')}`;
}

/** kube-apiserver's wrapper around decoding failures of create and update bodies. */
export function cannotBeHandled(gvk: GroupVersionKind, detail: string): StatusError {
  return new StatusError(400, 'BadRequest', `${gvk.kind} in version ${goQuote(gvk.version)} cannot be handled as a ${gvk.kind}: ${detail}`);
}

/**
 * Strict errors of a patch body itself. A patch decodes into a map, so only repeated keys count;
 * JSON patches (`application/json-patch+json`) prefix theirs with `json patch `.
 */
export function patchBodyStrictErrors(rawPatch: string, jsonPatch: boolean): string[] {
  return findDuplicateKeys(rawPatch).map((path) => `${jsonPatch ? 'json patch ' : ''}duplicate field ${goQuote(pathText(path))}`);
}

/**
 * The 422 kube-apiserver answers when a patched object fails decoding (kubectl prints "The request
 * is invalid: patch: Invalid value: …"). `printedPatch` is the patched object's JSON text for JSON
 * and merge patches, and goPrintValue(patch) for strategic merge patches.
 */
export function invalidPatch(printedPatch: string, detail: string): StatusError {
  const message = `Invalid value: ${goQuote(printedPatch)}: ${detail}`;
  return new StatusError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] });
}

/** Go's `%v` of a decoded JSON value: `map[a:1 b:[x y]]`, keys sorted, nil as `<nil>`. */
export function goPrintValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goPrintValue).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value).sort();
    return `map[${entries.map((key) => `${key}:${goPrintValue((value as Record<string, unknown>)[key])}`).join(' ')}]`;
  }
  // Integers decode as int64; floats print like JavaScript's, but with two-digit exponents.
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : String(value).replace(/e([+-])(\d)$/, 'e$10$2');
  return String(value);
}

/** `spec.containers[0].image`: keys joined by dots, indices in brackets (strict decoding's paths). */
function pathText(path: PathSegment[], last?: string): string {
  let out = '';
  for (const segment of last === undefined ? path : [...path, last]) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out;
}

/**
 * The decoding checks without throwing: finds strict errors (only when fieldValidation is Strict
 * or Warn) and the typed decoding error, and removes unknown fields (and, as decoding does,
 * nulls) from the object.
 */
export function checkAndPrune(object: Record<string, unknown>, target: DecodeTarget, options: DecodeOptions): DecodeProblems {
  const collect = options.fieldValidation !== 'Ignore';
  const walker = new Walker(collect);
  if (target.builtIn) {
    if (!target.definitionName) throw new Error(`decode target ${target.gvk.kind} is built-in but names no definition`);
    const root = compiledBuiltin(target.definitionName);
    walker.walkTyped(object, root, root.goType);
    if (!walker.decodeError && collect && options.rawJson) walker.addDuplicates(options.rawJson, root, true);
    return { strictErrors: walker.strictErrors, decodeError: walker.decodeError };
  }
  // Custom resources: JSON strict errors (duplicates), then ObjectMeta's, then pruning's (sorted).
  if (collect && options.rawJson) walker.addDuplicates(options.rawJson, undefined, false);
  const metadata = object.metadata;
  if (metadata !== undefined && metadata !== null) {
    walker.checkObjectMeta(object, ['metadata']);
    if (walker.decodeError) return { strictErrors: walker.strictErrors, decodeError: walker.decodeError };
  }
  if (!target.preserveUnknownFields) {
    const root = compiledCustom(target.schema);
    const unknown = walker.pruneCustom(object, root, true);
    walker.strictErrors.push(...unknown.pruned.sort().map((path) => `unknown field ${goQuote(path)}`));
    walker.strictErrors.push(...unknown.embeddedMetadata.sort().map((path) => `unknown field ${goQuote(path)}`));
  }
  return { strictErrors: walker.strictErrors, decodeError: walker.decodeError };
}

// ---------------------------------------------------------------------------------------------
// Compiled schemas

type NodeKind =
  | 'struct'
  | 'map'
  | 'array'
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'bytes'
  | 'quantity'
  | 'intOrString'
  | 'time'
  | 'microTime'
  /** Anything goes: RawExtension, FieldsV1, apiextensions JSON, schemaless nodes. */
  | 'free';

interface Field {
  node: Node;
  /** The Go type of this field's value (typed decoding messages). */
  goType: string;
  /** `json:",omitempty"` on a value that is not a pointer: encoding leaves out its zero ("", 0, false, empty list or map). */
  omitsZero?: boolean;
}

interface Node {
  kind: NodeKind;
  goType: string;
  /** The Go struct name (definition short name) for struct nodes. */
  structName: string;
  fields: Map<string, Field>;
  /** Array items or map values. */
  elem?: Node;
  int64: boolean;
  preserveUnknownFields: boolean;
  embeddedResource: boolean;
  nullable: boolean;
  hasDefault: boolean;
}

/** Definitions whose Go types decode with their own rules. */
const specialDefinitions: Record<string, NodeKind> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'intOrString',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'microTime',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': 'free',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': 'free',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': 'free',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': 'free',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': 'free',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': 'free',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSON': 'free',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSONSchemaPropsOrArray': 'free',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSONSchemaPropsOrBool': 'free',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSONSchemaPropsOrStringArray': 'free',
};

function newNode(kind: NodeKind, goType: string, schema: OpenApiSchema): Node {
  return {
    kind,
    goType,
    structName: '',
    fields: new Map(),
    int64: schema.format === 'int64',
    preserveUnknownFields: schema['x-kubernetes-preserve-unknown-fields'] === true,
    embeddedResource: schema['x-kubernetes-embedded-resource'] === true,
    nullable: schema.nullable === true,
    hasDefault: schema.default !== undefined,
  };
}

class BuiltinCompiler {
  readonly #nodes = new Map<OpenApiSchema, Node>();
  constructor(readonly facts: BuiltinSchemas) {}

  definitionNode(name: string): Node {
    const schema = this.facts.definition(name);
    if (!schema) throw new Error(`no schema definition ${name}`);
    const cached = this.#nodes.get(schema);
    if (cached) return cached;
    const special = specialDefinitions[name];
    const isStruct = special === undefined && schema.properties !== undefined;
    const kind: NodeKind = special ?? (isStruct ? 'struct' : schema.type === 'object' && !schema.additionalProperties ? 'free' : this.#kindOf(schema));
    const node = newNode(kind, goNameOfDefinition(name), schema);
    this.#nodes.set(schema, node);
    if (kind === 'struct') {
      node.structName = name.slice(name.lastIndexOf('.') + 1);
      const omittingZero = fieldsOmittingZero(name);
      for (const [property, propertySchema] of Object.entries(schema.properties!)) {
        node.fields.set(property, {
          node: this.node(propertySchema),
          goType: this.facts.goTypeOf(name, property) ?? goTypeNameFromSchema(propertySchema),
          ...(omittingZero.has(property) ? { omitsZero: true } : {}),
        });
      }
    } else if (kind === 'map' || kind === 'array') {
      this.#fillElement(node, schema);
    }
    return node;
  }

  node(schema: OpenApiSchema): Node {
    const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]!.$ref : undefined);
    if (ref) return this.definitionNode(definitionNameOfRef(ref));
    const cached = this.#nodes.get(schema);
    if (cached) return cached;
    const node = newNode(this.#kindOf(schema), goTypeNameFromSchema(schema), schema);
    this.#nodes.set(schema, node);
    this.#fillElement(node, schema);
    return node;
  }

  #kindOf(schema: OpenApiSchema): NodeKind {
    switch (schema.type) {
      case 'string':
        return schema.format === 'byte' ? 'bytes' : 'string';
      case 'integer':
        return 'integer';
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array':
        return 'array';
      case 'object':
        return typeof schema.additionalProperties === 'object' ? 'map' : 'free';
      default:
        return 'free';
    }
  }

  #fillElement(node: Node, schema: OpenApiSchema): void {
    if (node.kind === 'array' && schema.items) node.elem = this.node(schema.items);
    if (node.kind === 'map' && typeof schema.additionalProperties === 'object') node.elem = this.node(schema.additionalProperties);
  }
}

/** Structural-schema nodes of a CRD's inline schema (no $refs). */
function compileCustomNode(schema: OpenApiSchema, cache: WeakMap<OpenApiSchema, Node>): Node {
  const cached = cache.get(schema);
  if (cached) return cached;
  const kind: NodeKind = schema.properties ? 'struct' : typeof schema.additionalProperties === 'object' ? 'map' : schema.type === 'array' ? 'array' : schema.type === 'object' ? 'struct' : 'free';
  const node = newNode(kind, '', schema);
  cache.set(schema, node);
  for (const [property, propertySchema] of Object.entries(schema.properties ?? {})) {
    node.fields.set(property, { node: compileCustomNode(propertySchema, cache), goType: '' });
  }
  if (typeof schema.additionalProperties === 'object') node.elem = compileCustomNode(schema.additionalProperties, cache);
  if (schema.items) node.elem = compileCustomNode(schema.items, cache);
  return node;
}

let builtinCompiler: BuiltinCompiler | undefined;
const customNodes = new WeakMap<OpenApiSchema, Node>();

function compiledBuiltin(definitionName: string): Node {
  builtinCompiler ??= new BuiltinCompiler(builtinSchemas());
  return builtinCompiler.definitionNode(definitionName);
}

function compiledCustom(schema: OpenApiSchema): Node {
  return compileCustomNode(schema, customNodes);
}

function objectMetaNode(): Node {
  builtinCompiler ??= new BuiltinCompiler(builtinSchemas());
  return builtinCompiler.definitionNode(objectMetaDefinition);
}

// ---------------------------------------------------------------------------------------------
// Walking

/** A value Go's omitempty leaves out: empty strings, lists and maps, 0 and false (structs are never left out). */
function isGoZero(value: unknown, node: Node): boolean {
  switch (node.kind) {
    case 'string':
    case 'bytes':
      return value === '';
    case 'integer':
    case 'number':
      return value === 0;
    case 'boolean':
      return value === false;
    case 'array':
      return Array.isArray(value) && value.length === 0;
    case 'map':
      return isPlainObject(value) && Object.keys(value).length === 0;
    default:
      return false;
  }
}

/**
 * The JSON names of a built-in definition's fields that are `omitempty` and not pointers, from the Go struct facts
 * of the protobuf message table (inlined structs included). Types without a message (CRDs, APIService) have none.
 */
function fieldsOmittingZero(definitionName: string): Set<string> {
  const { messages } = kubernetesMessageTable();
  const omitting = new Set<string>();
  const collect = (message: string) => {
    for (const field of messages[message] ?? []) {
      const [, jsonName, type, flags] = field;
      if (flags & FieldFlag.Inline) collect(type);
      else if (flags & FieldFlag.OmitEmpty && !(flags & FieldFlag.Pointer)) omitting.add(jsonName);
    }
  };
  if (definitionName.startsWith('io.k8s.api.') || definitionName.startsWith('io.k8s.apimachinery.')) collect(`k8s.io.${definitionName.slice('io.k8s.'.length)}`);
  return omitting;
}

/** What Go's decoder leaves for a JSON null in a slice or map element. */
function goZeroValue(node: Node): unknown {
  switch (node.kind) {
    case 'struct':
      return {};
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'number':
    case 'integer':
      return 0;
    default:
      return null;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How Go's decoder names a JSON value in `cannot unmarshal <value>`. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}

/** Go prints the literal for numbers that do not fit an integer field. */
function numberLiteral(value: number): string {
  return String(value).replace('e+', 'e');
}

class Walker {
  readonly strictErrors: string[] = [];
  decodeError: string | undefined;
  /** Path of object keys and array indices from the root (strict error paths). */
  readonly #path: PathSegment[] = [];
  /** Struct field names from the root (typed decoding's error context). */
  readonly #goFields: string[] = [];
  #goStruct = '';
  readonly #seenStrict = new Set<string>();

  constructor(readonly collect: boolean) {}

  #strict(kind: 'unknown field' | 'duplicate field', path: string): void {
    const text = `${kind} ${goQuote(path)}`;
    // Go keeps at most 100 strict errors and reports each once.
    if (this.#seenStrict.has(text) || this.strictErrors.length >= 100) return;
    this.#seenStrict.add(text);
    this.strictErrors.push(text);
  }

  #typeError(value: string, goType: string): void {
    if (this.decodeError) return;
    this.decodeError =
      this.#goStruct !== '' || this.#goFields.length > 0
        ? `json: cannot unmarshal ${value} into Go struct field ${this.#goStruct}.${this.#goFields.join('.')} of type ${goType}`
        : `json: cannot unmarshal ${value} into Go value of type ${goType}`;
  }

  /** Typed decoding of a built-in kind (and of ObjectMeta in custom resources). */
  walkTyped(value: unknown, node: Node, goType: string): void {
    if (value === null || this.decodeError) return;
    switch (node.kind) {
      case 'struct': {
        if (!isPlainObject(value)) return this.#typeError(jsonKind(value), goType);
        const outerStruct = this.#goStruct;
        for (const key in value) {
          const field = node.fields.get(key);
          if (!field) {
            if (this.collect) this.#strict('unknown field', pathText(this.#path, key));
            delete value[key];
            continue;
          }
          const child = value[key];
          if (child === null) {
            // Decoding null leaves the Go zero value, which encoding then omits.
            delete value[key];
            continue;
          }
          this.#path.push(key);
          this.#goFields.push(key);
          this.#goStruct = node.structName;
          this.walkTyped(child, field.node, field.goType);
          this.#goStruct = outerStruct;
          this.#goFields.pop();
          this.#path.pop();
          if (this.decodeError) return;
          // Decoded into the Go struct and encoded again, an omitempty zero value is gone (hostNetwork: false, env: []).
          if (field.omitsZero && isGoZero(child, field.node)) delete value[key];
        }
        return;
      }
      case 'map': {
        if (!isPlainObject(value)) return this.#typeError(jsonKind(value), goType);
        const elemType = elementGoType(goType, node);
        for (const key in value) {
          if (value[key] === null && node.elem) value[key] = goZeroValue(node.elem);
          this.#path.push(key);
          this.walkTyped(value[key], node.elem!, elemType);
          this.#path.pop();
          if (this.decodeError) return;
        }
        return;
      }
      case 'array': {
        if (!Array.isArray(value)) return this.#typeError(jsonKind(value), goType);
        if (!node.elem) return;
        const elemType = elementGoType(goType, node);
        for (let i = 0; i < value.length; i++) {
          // A null element decodes to the element type's zero value (an empty struct, "", 0, false).
          if (value[i] === null) value[i] = goZeroValue(node.elem);
          this.#path.push(i);
          this.walkTyped(value[i], node.elem, elemType);
          this.#path.pop();
          if (this.decodeError) return;
        }
        return;
      }
      case 'string':
        if (typeof value !== 'string') this.#typeError(jsonKind(value), goType);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.#typeError(jsonKind(value), goType);
        return;
      case 'number':
        if (typeof value !== 'number') this.#typeError(jsonKind(value), goType);
        return;
      case 'integer':
        if (typeof value !== 'number') return this.#typeError(jsonKind(value), goType);
        if (!Number.isInteger(value) || (node.int64 ? !Number.isSafeInteger(value) : value > 2147483647 || value < -2147483648)) {
          this.#typeError(`number ${numberLiteral(value)}`, goType);
        }
        return;
      case 'bytes':
        if (typeof value !== 'string') return this.#typeError(jsonKind(value), goType);
        this.decodeError ??= base64Error(value);
        return;
      case 'quantity': {
        const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? numberLiteral(value) : JSON.stringify(value);
        this.decodeError ??= quantityError(text);
        return;
      }
      case 'intOrString':
        if (typeof value === 'string') return;
        if (typeof value === 'number' && Number.isInteger(value) && value <= 2147483647 && value >= -2147483648) return;
        this.decodeError ??= `json: cannot unmarshal ${typeof value === 'number' ? `number ${numberLiteral(value)}` : jsonKind(value)} into Go value of type int32`;
        return;
      case 'time':
      case 'microTime':
        if (typeof value !== 'string') {
          this.decodeError ??= `json: cannot unmarshal ${jsonKind(value)} into Go value of type string`;
          return;
        }
        this.decodeError ??= rfc3339Error(value, node.kind === 'microTime');
        return;
      case 'free':
        return;
    }
  }

  /**
   * A custom resource's (or embedded resource's) metadata decoded as ObjectMeta: unknown fields
   * are reported with the `metadata.` prefix and dropped; type errors fail the request.
   */
  checkObjectMeta(holder: Record<string, unknown>, prefix: PathSegment[]): void {
    const saved = this.#path.splice(0);
    this.#path.push(...prefix);
    const outerStruct = this.#goStruct;
    const outerFields = this.#goFields.splice(0);
    const meta = objectMetaNode();
    this.walkTyped(holder.metadata, meta, meta.goType);
    this.#goStruct = outerStruct;
    this.#goFields.push(...outerFields);
    this.#path.splice(0, this.#path.length, ...saved);
  }

  /** Structural-schema pruning of a custom resource; returns the pruned paths. */
  pruneCustom(object: Record<string, unknown>, root: Node, collect: boolean): { pruned: string[]; embeddedMetadata: string[] } {
    const pruned: string[] = [];
    const embeddedMetadata: string[] = [];
    const path: PathSegment[] = [];
    const metaFields = new Set(['apiVersion', 'kind', 'metadata']);
    const visit = (value: unknown, node: Node | undefined, embedded: boolean, isRoot: boolean): void => {
      if (node?.preserveUnknownFields) return skipPrune(value, node);
      if (isPlainObject(value)) {
        if (!node) {
          for (const key of Object.keys(value)) {
            if (collect) pruned.push(pathText(path, key));
            delete value[key];
          }
          return;
        }
        if (embedded && !isRoot && isPlainObject(value.metadata)) coerceMetadata(value);
        for (const key of Object.keys(value)) {
          if (embedded && metaFields.has(key)) continue;
          const child = node.kind === 'map' ? node.elem : node.fields.get(key)?.node;
          if (child === undefined) {
            if (collect && (!metaFields.has(key) || path.length > 0)) pruned.push(pathText(path, key));
            delete value[key];
            continue;
          }
          if (value[key] === null && !child.nullable && !child.hasDefault) {
            delete value[key];
            continue;
          }
          path.push(key);
          visit(value[key], child, child.embeddedResource, false);
          path.pop();
        }
      } else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          visit(value[i], node?.elem, node?.elem?.embeddedResource ?? false, false);
          path.pop();
        }
      }
    };
    // x-kubernetes-preserve-unknown-fields: keep unknown keys, still prune below known ones.
    const skipPrune = (value: unknown, node: Node): void => {
      if (isPlainObject(value)) {
        if (node.embeddedResource && isPlainObject(value.metadata) && path.length > 0) coerceMetadata(value);
        for (const key of Object.keys(value)) {
          if (node.embeddedResource && metaFields.has(key)) continue;
          const child = node.kind === 'map' ? node.elem : node.fields.get(key)?.node;
          if (!child) continue;
          if (value[key] === null && !child.nullable && !child.hasDefault) {
            delete value[key];
            continue;
          }
          path.push(key);
          visit(value[key], child, child.embeddedResource, false);
          path.pop();
        }
      } else if (Array.isArray(value) && node.elem) {
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          skipPrune(value[i], node.elem);
          path.pop();
        }
      }
    };
    const coerceMetadata = (resource: Record<string, unknown>): void => {
      const before = this.strictErrors.length;
      this.checkObjectMeta(resource, [...path, 'metadata']);
      // Embedded metadata's unknown fields are reported after the pruned ones, sorted together.
      embeddedMetadata.push(...this.strictErrors.splice(before).map((text) => JSON.parse(text.slice('unknown field '.length)) as string));
    };
    visit(object, root, true, true);
    return { pruned, embeddedMetadata };
  }

  /** Reports repeated keys; typed decoding only sees those inside known fields. */
  addDuplicates(rawJson: string, root: Node | undefined, typed: boolean): void {
    for (const duplicate of findDuplicateKeys(rawJson)) {
      if (typed && !reachesKnownField(duplicate, root!)) continue;
      this.#strict('duplicate field', pathText(duplicate));
    }
  }
}

/** Whether a path runs through known struct fields, maps and arrays only (else decoding skipped it). */
function reachesKnownField(path: PathSegment[], root: Node): boolean {
  let node: Node | undefined = root;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i]!;
    if (!node) return false;
    if (node.kind === 'struct') node = typeof segment === 'string' ? node.fields.get(segment)?.node : undefined;
    else if (node.kind === 'map' || node.kind === 'array') node = node.elem;
    else return false;
  }
  if (!node) return false;
  const last = path[path.length - 1]!;
  return node.kind === 'map' || (node.kind === 'struct' && typeof last === 'string' && node.fields.has(last));
}

/** The Go type of a slice's elements or a map's values: from the field's own Go type when literal. */
function elementGoType(goType: string, node: Node): string {
  if (goType.startsWith('[]')) return goType.slice(2);
  if (goType.startsWith('map[')) {
    let depth = 0;
    for (let i = 3; i < goType.length; i++) {
      if (goType[i] === '[') depth++;
      else if (goType[i] === ']' && --depth === 0) return goType.slice(i + 1);
    }
  }
  return node.elem?.goType ?? 'interface {}';
}
