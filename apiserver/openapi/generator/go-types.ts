// Reads the Go API types of Kubernetes (k8s.io/api, apimachinery, apiextensions-apiserver,
// kube-aggregator) from local git mirrors and extracts structure-only facts per struct field: JSON
// name, Go type, pointer/omitempty/inline, protobuf number and the patch and list markers. The
// OpenAPI documents in ../shared lack three things these facts give: which fields are pointers
// (protobuf zero-value pruning), the Go type names typed JSON decoding prints in its errors, and
// the fields removed apiVersions gained after the newest document that describes them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where a repository's git directory is and the commit the facts are read at. */
export interface GoSourceRepository {
  /** Go module path, e.g. `k8s.io/api`. */
  module: string;
  gitDir: string;
  commit: string;
  /** Package folders (relative to the module root) to read; `*\/*` means every `<group>/<version>`. */
  packages: string[];
}

/** A Go type expression, resolved to its package. */
export type GoType =
  | { kind: 'builtin'; name: string }
  | { kind: 'slice'; elem: GoType }
  | { kind: 'map'; key: GoType; value: GoType }
  /** `model` is the OpenAPI model name, e.g. `io.k8s.api.core.v1.Protocol`; `display` is `v1.Protocol`. */
  | { kind: 'named'; model: string; display: string };

export interface GoField {
  /** JSON name; empty for an embedded (inlined) struct. */
  json: string;
  /** The field's type with any pointer removed. */
  type: GoType;
  pointer: boolean;
  omitempty: boolean;
  inline: boolean;
  /** Marked `+optional`. */
  optional: boolean;
  /** Marked `+required` (required even with omitempty). */
  required: boolean;
  protobuf?: { number: number; name: string };
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: string;
  listMapKeys?: string[];
  mapType?: string;
}

export interface GoTypeFacts {
  /** Struct fields by OpenAPI model name, e.g. `io.k8s.api.apps.v1.DeploymentSpec`. */
  structs: Map<string, GoField[]>;
  /** Underlying types of named non-struct types (`type Protocol string`), by model name. */
  namedTypes: Map<string, GoType>;
  /** API group of each package, by model package. */
  groups: Map<string, string>;
  sources: { module: string; commit: string }[];
}

/** The mirrors `fetch` makes under /work/.mirror; overridable with K2_UPSTREAM_MIRRORS. */
export function defaultRepositories(mirrorRoot = process.env.K2_UPSTREAM_MIRRORS ?? '/work/.mirror'): GoSourceRepository[] {
  const gitDir = (name: string) => join(mirrorRoot, name, 'repo');
  return [
    // The same commits the protobuf message facts in ../shared/protobuf were extracted at.
    { module: 'k8s.io/api', gitDir: gitDir('kubernetes+api'), commit: '10b39a39bcee', packages: ['*/*'] },
    {
      module: 'k8s.io/apimachinery',
      gitDir: gitDir('kubernetes+apimachinery'),
      commit: 'eed236ceee2c',
      packages: ['pkg/apis/meta/v1', 'pkg/api/resource', 'pkg/util/intstr', 'pkg/runtime', 'pkg/types', 'pkg/version'],
    },
    {
      module: 'k8s.io/apiextensions-apiserver',
      gitDir: gitDir('kubernetes+apiextensions-apiserver'),
      commit: '1aa2717a5',
      packages: ['pkg/apis/apiextensions/v1', 'pkg/apis/apiextensions/v1beta1'],
    },
    {
      module: 'k8s.io/kube-aggregator',
      gitDir: gitDir('kubernetes+kube-aggregator'),
      commit: '232ca687',
      packages: ['pkg/apis/apiregistration/v1', 'pkg/apis/apiregistration/v1beta1'],
    },
  ];
}

/** reflect's names for Go's predeclared types (`byte` prints as `uint8`). */
const builtinGoTypes: Record<string, string> = {
  string: 'string', bool: 'bool', int: 'int', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64',
  uint: 'uint', uint8: 'uint8', byte: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64',
  float32: 'float32', float64: 'float64', 'interface{}': 'interface {}', any: 'interface {}',
};

/** How reflect prints a type in decoding errors: `[]v1.Container`, `map[string]string`. */
export function goTypeDisplay(type: GoType): string {
  switch (type.kind) {
    case 'builtin':
      return type.name;
    case 'slice':
      return `[]${goTypeDisplay(type.elem)}`;
    case 'map':
      return `map[${goTypeDisplay(type.key)}]${goTypeDisplay(type.value)}`;
    case 'named':
      return type.display;
  }
}

/** The OpenAPI model package of a Go import path: `k8s.io/api/core/v1` → `io.k8s.api.core.v1`. */
export function modelPackage(importPath: string): string {
  if (!importPath.startsWith('k8s.io/')) throw new Error(`not a Kubernetes import path: ${importPath}`);
  return 'io.k8s.' + importPath.slice('k8s.io/'.length).replaceAll('/', '.');
}

interface ParsedPackage {
  importPath: string;
  /** The package clause name (`v1`, `resource`), which reflect prints in type names. */
  name: string;
  files: { imports: Map<string, string>; text: string }[];
}

function git(repo: GoSourceRepository, args: string[]): string {
  return execFileSync('git', ['--git-dir', repo.gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function readPackages(repo: GoSourceRepository): ParsedPackage[] {
  if (!existsSync(repo.gitDir)) {
    const github = repo.gitDir.split('/').at(-2)?.replace('+', '/');
    throw new Error(`${repo.module} sources not found at ${repo.gitDir}: mirror github.com/${github} there, or set K2_UPSTREAM_MIRRORS`);
  }
  const byDir = new Map<string, string[]>();
  for (const file of git(repo, ['ls-tree', '-r', '--name-only', repo.commit]).split('\n')) {
    if (!file.endsWith('.go') || file.endsWith('_test.go')) continue;
    const base = file.slice(file.lastIndexOf('/') + 1);
    if (base === 'generated.pb.go' || base.startsWith('zz_generated') || base === 'types_swagger_doc_generated.go') continue;
    const dir = file.slice(0, file.lastIndexOf('/'));
    const wanted = repo.packages.some((pattern) =>
      pattern === '*/*' ? /^[a-z0-9]+\/v[0-9]+((alpha|beta)[0-9]+)?$/.test(dir) : dir === pattern,
    );
    if (wanted) byDir.set(dir, [...(byDir.get(dir) ?? []), file]);
  }
  return [...byDir].sort(([a], [b]) => a.localeCompare(b)).map(([dir, paths]) => {
    const parsed: ParsedPackage = { importPath: `${repo.module}/${dir}`, name: '', files: [] };
    for (const path of paths) {
      const text = git(repo, ['show', `${repo.commit}:${path}`]);
      parsed.name ||= /^package (\w+)/m.exec(text)?.[1] ?? '';
      parsed.files.push({ imports: parseImports(text), text });
    }
    return parsed;
  });
}

function parseImports(text: string): Map<string, string> {
  const imports = new Map<string, string>();
  const add = (alias: string | undefined, path: string) => imports.set(alias ?? path.slice(path.lastIndexOf('/') + 1), path);
  const block = /^import \(([\s\S]*?)^\)/m.exec(text)?.[1] ?? '';
  for (const m of block.matchAll(/^\s*(?:(\w+)\s+)?"([^"]+)"/gm)) add(m[1], m[2]!);
  for (const m of text.matchAll(/^import (?:(\w+)\s+)?"([^"]+)"/gm)) add(m[1], m[2]!);
  return imports;
}

/** Splits `map[K]V` into K and V, minding nested brackets. */
function splitMapType(expression: string): [string, string] {
  let depth = 0;
  for (let i = 3; i < expression.length; i++) {
    if (expression[i] === '[') depth++;
    else if (expression[i] === ']' && --depth === 0) return [expression.slice(4, i), expression.slice(i + 1)];
  }
  throw new Error(`unbalanced map type ${expression}`);
}

export function readGoTypeFacts(repositories: GoSourceRepository[] = defaultRepositories()): GoTypeFacts {
  const packages = repositories.flatMap(readPackages);
  const packageNames = new Map(packages.map((p) => [p.importPath, p.name]));
  // Type aliases (`type Rule = v1.Rule`): reflect, and so every fact, sees the aliased type.
  const aliases = new Map<string, GoType>();

  const resolve = (expression: string, pkg: ParsedPackage, imports: Map<string, string>): GoType => {
    if (expression.startsWith('*')) return resolve(expression.slice(1), pkg, imports);
    if (expression.startsWith('[]')) return { kind: 'slice', elem: resolve(expression.slice(2), pkg, imports) };
    if (expression.startsWith('map[')) {
      const [key, value] = splitMapType(expression);
      return { kind: 'map', key: resolve(key, pkg, imports), value: resolve(value, pkg, imports) };
    }
    if (builtinGoTypes[expression]) return { kind: 'builtin', name: builtinGoTypes[expression]! };
    const dot = expression.indexOf('.');
    const importPath = dot > 0 ? imports.get(expression.slice(0, dot)) : pkg.importPath;
    if (!importPath) throw new Error(`${pkg.importPath}: unknown import in ${expression}`);
    const name = expression.slice(dot + 1);
    const packageName = packageNames.get(importPath) ?? importPath.slice(importPath.lastIndexOf('/') + 1);
    const model = importPath.startsWith('k8s.io/') ? `${modelPackage(importPath)}.${name}` : `${importPath}.${name}`;
    return aliases.get(model) ?? { kind: 'named', model, display: `${packageName}.${name}` };
  };

  const structs = new Map<string, GoField[]>();
  const namedTypes = new Map<string, GoType>();
  const groups = new Map<string, string>();
  for (const pkg of packages) {
    for (const file of pkg.files) {
      for (const m of file.text.matchAll(/^type ([A-Z]\w*) = (\S+)\s*$/gm)) {
        aliases.set(`${modelPackage(pkg.importPath)}.${m[1]}`, resolve(m[2]!, pkg, file.imports));
      }
    }
  }
  for (const pkg of packages) {
    const prefix = modelPackage(pkg.importPath);
    for (const file of pkg.files) {
      // register.go's `const GroupName = "apps"`, else doc.go's `+groupName=` marker.
      const group = /^const GroupName = "([^"]*)"/m.exec(file.text)?.[1] ?? /^\/\/ \+groupName=(.*)$/m.exec(file.text)?.[1];
      if (group !== undefined) groups.set(prefix, group.trim());
      for (const m of file.text.matchAll(/^type ([A-Z]\w*) (?!struct\b|interface\b|func\b|=)(\S+)\s*$/gm)) {
        namedTypes.set(`${prefix}.${m[1]}`, resolve(m[2]!, pkg, file.imports));
      }
      for (const [model, fields] of readStructs(file.text, prefix, (expression) => resolve(expression, pkg, file.imports))) {
        structs.set(model, fields);
      }
    }
  }
  return { structs, namedTypes, groups, sources: repositories.map((r) => ({ module: r.module, commit: r.commit })) };
}

/** The exported structs of one Go file, with their serialized fields. */
function readStructs(text: string, prefix: string, resolve: (expression: string) => GoType): Map<string, GoField[]> {
  const structs = new Map<string, GoField[]>();
  let current: { model: string; fields: GoField[] } | undefined;
  let comments: string[] = [];
  let inBlockComment = false;
  let skipping = false; // inside an unexported struct
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (inBlockComment || trimmed.startsWith('/*')) {
      inBlockComment = !trimmed.endsWith('*/');
      continue;
    }
    if (skipping) {
      skipping = !line.startsWith('}');
      continue;
    }
    if (!current) {
      const open = /^type (\w+) struct \{$/.exec(line);
      if (open && /^[A-Z]/.test(open[1]!)) current = { model: `${prefix}.${open[1]}`, fields: [] };
      else skipping = open !== null;
      comments = [];
      continue;
    }
    if (line.startsWith('}')) {
      structs.set(current.model, current.fields);
      current = undefined;
      continue;
    }
    if (trimmed.startsWith('//')) {
      comments.push(trimmed.slice(2).trim());
      continue;
    }
    const markers = comments.filter((c) => c.startsWith('+'));
    comments = [];
    // Blank lines; unexported fields and untagged multi-name fields (never in API types).
    if (trimmed === '' || /^[a-z_]\w*\s+\S/.test(trimmed) || /^\w+(\s*,\s*\w+)+\s/.test(trimmed)) continue;
    const field = /^(?:([A-Z]\w*)\s+)?(\*?(?:\[\]|map\[[\w.]+\])*\*?(?:[\w.]+|interface\{\}|any))\s*(?:`([^`]*)`)?\s*(?:\/\/.*)?$/.exec(trimmed);
    if (!field) throw new Error(`${current.model}: cannot read field line: ${trimmed}`);
    const [, goName, typeText, tagText = ''] = field;
    const tags = new Map([...tagText.matchAll(/(\w+):"([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const jsonTag = tags.get('json');
    const embedded = goName === undefined;
    if (jsonTag === '-' || (!embedded && jsonTag === undefined)) continue; // not serialized
    const [jsonName = '', ...jsonOptions] = (jsonTag ?? '').split(',');
    const inline = (embedded && jsonName === '') || jsonOptions.includes('inline');
    const marker = (name: string) => markers.filter((m) => m.startsWith(`+${name}=`)).map((m) => m.slice(name.length + 2).trim());
    const goField: GoField = {
      json: inline ? '' : jsonName || goName!,
      type: resolve(typeText!),
      pointer: typeText!.startsWith('*'),
      omitempty: jsonOptions.includes('omitempty'),
      inline,
      optional: markers.includes('+optional'),
      required: markers.includes('+required'),
    };
    const protobuf = tags.get('protobuf');
    const protobufName = protobuf ? /(?:^|,)name=([^,]+)/.exec(protobuf)?.[1] : undefined;
    if (protobuf && protobufName) goField.protobuf = { number: Number(protobuf.split(',')[1]), name: protobufName };
    if (tags.has('patchStrategy')) goField.patchStrategy = tags.get('patchStrategy');
    if (tags.has('patchMergeKey')) goField.patchMergeKey = tags.get('patchMergeKey');
    const listType = marker('listType')[0];
    if (listType) goField.listType = listType;
    const listMapKeys = marker('listMapKey');
    if (listMapKeys.length) goField.listMapKeys = listMapKeys;
    const mapType = marker('mapType')[0] ?? marker('structType')[0];
    if (mapType) goField.mapType = mapType;
    current.fields.push(goField);
  }
  return structs;
}
