// `k2 convert -f FILE|DIR [--output-version newest|GROUP/VERSION]`: rewrites manifests offline into
// the newest (or a named) version of each kind, with k2's own conversions: the manifest's version
// applies its defaults first (an extensions/v1beta1 Deployment gets its selector from the template
// labels, as the old API did), then it is converted. Multi-document YAML stays multi-document, and
// comments on what did not change are kept. Kinds k2 does not know (custom resources) pass through.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import YAML, { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { compareVersions } from '../apiserver/handlers/discovery.ts';
import { builtinKinds } from '../apiserver/kinds/index.ts';
import { fromServedVersion, toServedVersion } from '../apiserver/registry/conversion.ts';
import { Registry, servedVersionOf, type ServedVersion } from '../apiserver/registry/registry.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';

export interface ConvertOptions {
  /** `newest`, or `group/version` (`v1` for the core group). */
  outputVersion: string;
}

export interface ConvertedFile {
  text: string;
  /** One line per object that was converted (`extensions/v1beta1 Deployment web → apps/v1`). */
  converted: string[];
  /** Objects left as they were, and why. */
  skipped: string[];
}

type Json = Record<string, unknown>;

let registry: Registry | undefined;

function builtinRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    for (const kind of builtinKinds) registry.add(kind);
  }
  return registry;
}

function splitGroupVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/**
 * The version to write an object of `served` in: the newest version of its kind in the same group,
 * or, where that group is gone (extensions), the kind's stored form; or the named one.
 */
function targetVersion(served: ServedVersion, outputVersion: string): ServedVersion | string {
  const versions = builtinRegistry()
    .servedVersions()
    .filter((other) => other.description === served.description && other.versionDescription.verbs?.length !== 0);
  if (outputVersion !== 'newest') {
    const [group, version] = splitGroupVersion(outputVersion);
    return versions.find((other) => other.group === group && other.version === version) ?? `${served.kind} is not served in ${outputVersion}`;
  }
  const sameGroup = versions.filter((other) => other.group === served.group).sort((a, b) => compareVersions(a.version, b.version));
  const newest = sameGroup[0]!;
  // A group that only ever had pre-release versions of this kind moved on: to the stored form.
  const stored = servedVersionOf(served.description);
  return /^v\d+$/.test(newest.version) || stored.group === newest.group ? newest : stored;
}

/** The object written in `target`, or a reason it cannot be. */
function convertObject(object: Json, outputVersion: string): { object: Json; from: ServedVersion; to: ServedVersion } | string | undefined {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return undefined;
  const [group, version] = splitGroupVersion(object.apiVersion);
  const served = builtinRegistry().lookupKind(group, version, object.kind);
  if (!served) return undefined;
  const target = targetVersion(served, outputVersion);
  if (typeof target === 'string') return target;
  if (target === served) return { object, from: served, to: target };
  const input = structuredClone(object) as KubeObject;
  const hadMetadata = 'metadata' in object;
  input.metadata ??= {};
  const converted = toServedVersion(target, fromServedVersion(served, input)) as Json;
  if (!hadMetadata && Object.keys(converted.metadata as Json).length === 0) delete converted.metadata;
  // apiVersion and kind first, as manifests have them.
  const { apiVersion, kind, ...rest } = converted;
  return { object: { apiVersion, kind, ...rest }, from: served, to: target };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Changes the YAML node of `before` into `after`, keeping every node (and its comments) that did not change. */
function patchNode(document: Document, node: Node | null | undefined, before: unknown, after: unknown): Node {
  if (sameJson(before, after) && node) return node;
  const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (isMap(node) && isObject(before) && isObject(after)) {
    const was = before as Json;
    const now = after as Json;
    for (const key of Object.keys(was)) if (!(key in now)) node.delete(key);
    for (const [key, value] of Object.entries(now)) {
      if (key in was) node.set(key, patchNode(document, node.get(key, true) as Node, was[key], value));
      else node.set(key, document.createNode(value));
    }
    // New keys go where the converted object has them (apiVersion and kind first).
    const order = Object.keys(now);
    node.items.sort((a, b) => order.indexOf(String(isScalar(a.key) ? a.key.value : a.key)) - order.indexOf(String(isScalar(b.key) ? b.key.value : b.key)));
    return node;
  }
  if (isSeq(node) && Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    after.forEach((value, index) => node.set(index, patchNode(document, node.get(index, true) as Node, before[index], value)));
    return node;
  }
  const replacement = document.createNode(after);
  if (node && isScalar(node) && isScalar(replacement)) replacement.comment = node.comment;
  return replacement;
}

/** Converts the objects of one manifest (YAML, several documents, or JSON). */
export function convertManifest(text: string, options: ConvertOptions, json = false): ConvertedFile {
  const result: ConvertedFile = { text: '', converted: [], skipped: [] };
  const convertOne = (object: Json): Json => {
    const outcome = convertObject(object, options.outputVersion);
    const name = `${object.apiVersion} ${object.kind} ${((object.metadata as Json | undefined)?.name as string | undefined) ?? ''}`.trim();
    if (outcome === undefined) result.skipped.push(`${name}: not a kind k2 serves`);
    else if (typeof outcome === 'string') result.skipped.push(`${name}: ${outcome}`);
    else if (outcome.from !== outcome.to) result.converted.push(`${name} → ${outcome.to.group ? `${outcome.to.group}/` : ''}${outcome.to.version}${outcome.to.kind !== outcome.from.kind ? ` ${outcome.to.kind}` : ''}`);
    return typeof outcome === 'object' ? outcome.object : object;
  };
  const convertAny = (value: Json): Json => (value.kind === 'List' && Array.isArray(value.items) ? { ...value, items: (value.items as Json[]).map(convertOne) } : convertOne(value));

  if (json) {
    const parsed = JSON.parse(text) as Json;
    result.text = `${JSON.stringify(convertAny(parsed), null, 2)}\n`;
    return result;
  }
  const documents = YAML.parseAllDocuments(text);
  for (const document of documents) {
    if (document.errors.length) throw new Error(document.errors[0]!.message);
    const before = document.toJS() as unknown;
    if (!before || typeof before !== 'object' || Array.isArray(before)) continue;
    const after = convertAny(before as Json);
    document.contents = patchNode(document, document.contents as Node, before, after) as typeof document.contents;
  }
  result.text = documents.map((document) => document.toString({ lineWidth: 0 })).join('');
  return result;
}

function manifestFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => (entry.isDirectory() ? manifestFiles(join(path, entry.name)) : ['.yaml', '.yml', '.json'].includes(extname(entry.name)) ? [join(path, entry.name)] : []));
}

export const convertCommand: CommandModule<object, { filename: string[]; 'output-version': string; 'in-place': boolean }> = {
  command: 'convert',
  describe: 'Rewrite manifests into the newest (or a named) apiVersion of each kind, offline',
  builder: (y) =>
    y
      .option('filename', { alias: 'f', type: 'string', array: true, demandOption: true, describe: 'A manifest, or a directory of them (.yaml, .yml, .json), searched recursively' })
      .option('output-version', { type: 'string', default: 'newest', describe: '`newest`, or GROUP/VERSION (e.g. apps/v1) to write every kind served there' })
      .option('in-place', { type: 'boolean', default: false, describe: 'Rewrite the files instead of printing the result' })
      .check((argv) => {
        const version = argv['output-version'];
        if (version !== 'newest' && !/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(version)) throw new Error(`--output-version: "${version}" is neither newest nor GROUP/VERSION`);
        return true;
      }),
  handler: (argv) => {
    const files = argv.filename.flatMap((path) => manifestFiles(path));
    const printed: string[] = [];
    for (const file of files) {
      const result = convertManifest(readFileSync(file, 'utf8'), { outputVersion: argv['output-version'] }, extname(file) === '.json');
      // Unknown kinds (custom resources) pass through quietly; a named version a kind lacks is worth a word.
      for (const line of result.skipped.filter((skip) => !skip.endsWith('not a kind k2 serves'))) process.stderr.write(`${file}: left as it is: ${line}\n`);
      if (argv['in-place']) writeFileSync(file, result.text);
      else printed.push(result.text);
    }
    if (!argv['in-place']) process.stdout.write(printed.map((text) => text.replace(/^---\n/, '')).join('---\n'));
  },
};
