// `k2 diff`: what a deploy would change, like `kubectl diff` — each object is server-side dry-run applied and
// its live form compared with the would-be form (managedFields, generation and resourceVersion stripped), as a
// unified diff; members the artifact no longer has show as removed.
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { artifactApplySetId } from './applyset.ts';
import { objectPath, ResourceMapper } from './discovery.ts';
import { fieldManager } from './deploy.ts';
import { KubeApiError, type KubeClient, type KubeObject } from './kube-client.ts';
import { comparable, listLiveMembers, readParent } from './live-members.ts';
import { groupKindsOf, keyOfMember, namespacesOf, prepareMembers, type ObjectRef } from './object-set.ts';

export interface DiffOptions {
  client: KubeClient;
  /** Where namespaced objects without a namespace go (default `default`). */
  namespace?: string;
}

export type ObjectChange = 'create' | 'update' | 'unchanged' | 'prune';

export interface DiffEntry {
  object: ObjectRef;
  change: ObjectChange;
  /** The unified diff (empty when unchanged). */
  diff: string;
}

export interface DiffReport {
  /** Whether the deploy would change anything (`kubectl diff` exits 1 then). */
  changed: boolean;
  entries: DiffEntry[];
  /** Every entry's diff, concatenated. */
  text: string;
}

/** The file name kubectl diff uses for an object: group.version.Kind.namespace.name. */
function fileNameOf(ref: ObjectRef): string {
  return [ref.apiVersion.replace('/', '.'), ref.kind, ...(ref.namespace ? [ref.namespace] : []), ref.name].join('.');
}

function asYaml(object: KubeObject | undefined): string {
  return object ? YAML.stringify(object, { sortMapEntries: false }) : '';
}

function unifiedDiff(ref: ObjectRef, live: KubeObject | undefined, wouldBe: KubeObject | undefined): string {
  const name = fileNameOf(ref);
  return createTwoFilesPatch(`live/${name}`, `artifact/${name}`, asYaml(live), asYaml(wouldBe), undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}

/** What deploying `artifact` would change on the cluster; changes nothing. */
export async function diffArtifact(artifact: { name: string; objects: object[] }, options: DiffOptions): Promise<DiffReport> {
  const { client } = options;
  const mapper = new ResourceMapper(client);
  const applySetId = artifactApplySetId(artifact.name);
  const members = await prepareMembers(artifact.objects, applySetId, options.namespace ?? 'default', mapper);
  const parent = await readParent(client, artifact.name);
  const live = await listLiveMembers(client, mapper, applySetId, [...parent.groupKinds, ...groupKindsOf(members)], [...parent.namespaces, ...namespacesOf(members)]);
  const entries: DiffEntry[] = [];

  for (const member of members) {
    let before: KubeObject | undefined;
    let after: KubeObject = member.object;
    if (member.mapping) {
      const path = objectPath(member.mapping, member.ref.namespace, member.ref.name);
      before = live.get(keyOfMember(member))?.object ?? (await client.find(path));
      try {
        after = (await client.request('PATCH', path, { query: { fieldManager, force: 'true', dryRun: 'All' }, body: member.object, contentType: 'application/apply-patch+yaml' })).body;
      } catch (error) {
        // A namespace this artifact creates does not exist yet: the object is shown as given.
        const missingNamespace = error instanceof KubeApiError && error.code === 404 && !before;
        if (!missingNamespace) throw new Error(`${member.ref.kind} ${member.ref.name}: ${(error as Error).message}`);
      }
    }
    const liveForm = comparable(before);
    const wouldBe = comparable(after)!;
    const change: ObjectChange = !before ? 'create' : isDeepStrictEqual(liveForm, wouldBe) ? 'unchanged' : 'update';
    entries.push({ object: member.ref, change, diff: change === 'unchanged' ? '' : unifiedDiff(member.ref, liveForm, wouldBe) });
  }

  const wanted = new Set(members.map(keyOfMember));
  for (const [key, member] of live) {
    if (wanted.has(key)) continue;
    entries.push({ object: member.ref, change: 'prune', diff: unifiedDiff(member.ref, comparable(member.object), undefined) });
  }
  return { changed: entries.some((e) => e.change !== 'unchanged'), entries, text: entries.map((e) => e.diff).join('') };
}
