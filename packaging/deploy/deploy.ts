// The deploy engine: applies an artifact's objects to a cluster with server-side apply, records the set in
// an `Artifact` parent (ApplySet), prunes members the artifact no longer has, optionally waits for rollouts,
// and reports exactly what was applied, what was not, and what was pruned.
import { isDeepStrictEqual } from 'node:util';
import { artifactApiVersion, artifactApplySetId, artifactCrd, artifactKind, artifactParent, shortDigest } from './applyset.ts';
import { objectPath, ResourceMapper, type ResourceMapping } from './discovery.ts';
import { isNotFound, KubeApiError, type KubeClient, type KubeObject } from './kube-client.ts';
import { artifactPath, comparable, listLiveMembers, readParent, type LiveMember } from './live-members.ts';
import { describeRef, groupKindsOf, isCrd, keyOfMember, namespacesOf, prepareMembers, type ObjectRef, type SetMember } from './object-set.ts';
import { isWaitedKind, readinessOf } from './readiness.ts';

export interface ArtifactToDeploy {
  /** The artifact name, e.g. `team-env`: the name of the `Artifact` parent object. */
  name: string;
  reference: string;
  digest: string;
  /** The FROM chain, nearest first. */
  parents: { reference: string; digest: string }[];
  settings: Record<string, string>;
  /** Rendered objects, already in install order. */
  objects: object[];
}

export interface DeployOptions {
  client: KubeClient;
  /** Where namespaced objects without a namespace go (default `default`). */
  namespace?: string;
  /** Server-side dry run: every request with dryRun=All; nothing changes. */
  dryRun?: boolean;
  /** Wait for rollouts (Deployments, StatefulSets, DaemonSets), Jobs and CRDs. */
  wait?: boolean;
  /** Bound of `wait` (and of waiting for CRDs to be established). Default 5 minutes. */
  timeoutMs?: number;
  /** Delete members the artifact no longer has (default true). */
  prune?: boolean;
  /** One line per step, for the command's output. */
  progress?: (line: string) => void;
  /** How often `wait` polls (default 500 ms). */
  pollMs?: number;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface DeployReport {
  name: string;
  digest: string;
  applySetId: string;
  dryRun: boolean;
  phase: 'Deployed' | 'Failed';
  applied: { object: ObjectRef; action: ApplyAction }[];
  /** Objects of the artifact that were not applied (after a failure). */
  notApplied: ObjectRef[];
  pruned: ObjectRef[];
  failure?: { object?: ObjectRef; message: string };
}

/** A deploy that stopped; its report says exactly what was and was not applied. */
export class DeployFailedError extends Error {
  constructor(readonly report: DeployReport) {
    super(report.failure?.message ?? 'deploy failed');
    this.name = 'DeployFailedError';
  }
}

/**
 * Every object is applied with `force=true`: the artifact is the declared source of truth for the fields it
 * sets, so a field another manager (kubectl edit, a previous tool) took over must not block a deploy; it is
 * taken back, as `kubectl apply --server-side --force-conflicts` does.
 */
export const fieldManager = 'k2';
const defaultTimeoutMs = 5 * 60_000;
const crdMapping: ResourceMapping = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false };

interface Engine {
  client: KubeClient;
  mapper: ResourceMapper;
  dryRun: boolean;
  progress: (line: string) => void;
  deadline: number;
  pollMs: number;
}

function applyQuery(dryRun: boolean): Record<string, string | undefined> {
  return { fieldManager, force: 'true', dryRun: dryRun ? 'All' : undefined };
}

async function serverSideApply(engine: Engine, path: string, object: KubeObject): Promise<{ status: number; object: KubeObject }> {
  const response = await engine.client.request('PATCH', path, { query: applyQuery(engine.dryRun), body: object, contentType: 'application/apply-patch+yaml' });
  return { status: response.status, object: response.body };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Polls objects until each is ready; progress lines when a message changes; throws on failure or at the deadline. */
async function waitUntilReady(engine: Engine, targets: { mapping: ResourceMapping; ref: ObjectRef }[]): Promise<void> {
  const pending = new Map(targets.map((t) => [describeRef(t.ref), t]));
  const lastMessage = new Map<string, string>();
  while (pending.size) {
    for (const [description, target] of [...pending]) {
      const live = await engine.client.find(objectPath(target.mapping, target.ref.namespace, target.ref.name));
      const readiness = live ? readinessOf(target.mapping.group, target.mapping.kind, live) : { ready: false, message: `${description} not found` };
      if (lastMessage.get(description) !== readiness.message) engine.progress(`  ${readiness.ready ? 'ready' : 'waiting'}: ${readiness.message}`);
      lastMessage.set(description, readiness.message);
      if (readiness.failed) throw new Error(readiness.message);
      if (readiness.ready) pending.delete(description);
    }
    if (!pending.size) break;
    if (Date.now() >= engine.deadline) {
      throw new Error(`timed out waiting for ${[...pending.keys()].map((d) => `${d} (${lastMessage.get(d)})`).join(', ')}`);
    }
    await sleep(Math.min(engine.pollMs, Math.max(0, engine.deadline - Date.now())));
  }
}

/** Installs (or updates) k2's Artifact CRD and waits until it is served. */
async function ensureArtifactCrd(engine: Engine): Promise<void> {
  const crd = artifactCrd();
  await serverSideApply(engine, objectPath(crdMapping, undefined, crd.metadata.name), crd);
  if (engine.dryRun) return;
  await waitUntilReady({ ...engine, progress: () => {} }, [{ mapping: crdMapping, ref: { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name } }]);
}

interface StatusFields {
  phase: 'Deploying' | 'Deployed' | 'Failed';
  message: string;
  objects?: number;
  pruned?: number;
  lastDeployed?: string;
}

/**
 * Writes the parent's whole status (server-side apply removes fields an apply leaves out) and returns it;
 * `old` is the status written last.
 */
async function writeStatus(engine: Engine, artifact: ArtifactToDeploy, old: KubeObject, fields: StatusFields): Promise<KubeObject> {
  if (engine.dryRun) return old;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const reason = { Deploying: 'Deploying', Deployed: 'Deployed', Failed: 'DeployFailed' }[fields.phase];
  const conditionStatus = fields.phase === 'Deployed' ? 'True' : 'False';
  const oldCondition = (old.conditions ?? []).find((c: KubeObject) => c?.type === 'Deployed');
  // As Kubernetes conditions do, the transition time changes only when the condition's status does.
  const transitioned = oldCondition?.status !== conditionStatus || !oldCondition?.lastTransitionTime;
  const status = {
    phase: fields.phase,
    shortDigest: shortDigest(artifact.digest),
    objects: fields.objects ?? old.objects ?? 0,
    pruned: fields.pruned ?? old.pruned ?? 0,
    message: fields.message,
    ...((fields.lastDeployed ?? old.lastDeployed) ? { lastDeployed: fields.lastDeployed ?? old.lastDeployed } : {}),
    conditions: [{ type: 'Deployed', status: conditionStatus, reason, message: fields.message, lastTransitionTime: transitioned ? now : oldCondition.lastTransitionTime }],
  };
  await engine.client.request('PATCH', `${artifactPath(artifact.name)}/status`, {
    query: applyQuery(false),
    body: { apiVersion: artifactApiVersion, kind: artifactKind, metadata: { name: artifact.name }, status },
    contentType: 'application/apply-patch+yaml',
  });
  return status;
}

function checkArtifact(artifact: ArtifactToDeploy): void {
  if (typeof artifact?.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(artifact.name)) {
    throw new Error(`artifact name ${JSON.stringify(artifact?.name)} is not a valid object name (lowercase letters, digits, '-' and '.')`);
  }
  if (typeof artifact.digest !== 'string' || !/^[a-z0-9]+:[a-f0-9]{12,}$/.test(artifact.digest)) throw new Error(`artifact digest ${JSON.stringify(artifact.digest)} is not a digest (sha256:…)`);
}

/** The order to delete pruned objects in: namespaced ones first, Namespaces and CRDs last. */
function pruneOrder(members: LiveMember[]): LiveMember[] {
  const rank = (m: LiveMember) => (m.mapping.kind === 'CustomResourceDefinition' ? 3 : m.mapping.kind === 'Namespace' && m.mapping.group === '' ? 2 : m.mapping.namespaced ? 0 : 1);
  return [...members].sort((a, b) => rank(a) - rank(b));
}

/**
 * Applies an artifact to the cluster `options.client` speaks to. Resolves with the report when every object
 * is applied (and pruned, and ready with `wait`); throws DeployFailedError, whose report lists what was
 * applied and what was not, when an object fails or `wait` times out; throws a plain Error for bad input
 * before anything is changed.
 */
export async function deployArtifact(artifact: ArtifactToDeploy, options: DeployOptions): Promise<DeployReport> {
  checkArtifact(artifact);
  const engine: Engine = {
    client: options.client,
    mapper: new ResourceMapper(options.client),
    dryRun: options.dryRun === true,
    progress: options.progress ?? (() => {}),
    deadline: Date.now() + (options.timeoutMs ?? defaultTimeoutMs),
    pollMs: options.pollMs ?? 500,
  };
  const prune = options.prune !== false;
  const applySetId = artifactApplySetId(artifact.name);
  const members = await prepareMembers(artifact.objects, applySetId, options.namespace ?? 'default', engine.mapper);
  const report: DeployReport = { name: artifact.name, digest: artifact.digest, applySetId, dryRun: engine.dryRun, phase: 'Deployed', applied: [], notApplied: [], pruned: [] };
  const dry = engine.dryRun ? ' (server dry run)' : '';

  await ensureArtifactCrd(engine);
  const parent = await readParent(engine.client, artifact.name);
  const newGroupKinds = groupKindsOf(members);
  const newNamespaces = namespacesOf(members);
  const allGroupKinds = [...parent.groupKinds, ...newGroupKinds];
  const allNamespaces = [...parent.namespaces, ...newNamespaces];
  const record = { name: artifact.name, reference: artifact.reference, digest: artifact.digest, parents: artifact.parents ?? [], settings: artifact.settings ?? {} };

  // Before any member changes, the parent records the superset of old and new group-kinds and namespaces,
  // so that an interrupted deploy leaves nothing the next one cannot find (as kubectl does).
  const live = await listLiveMembers(engine.client, engine.mapper, applySetId, allGroupKinds, allNamespaces);
  if (engine.dryRun && !parent.object) {
    // The parent does not exist and cannot be dry-run created before its CRD is served: nothing to record.
  } else {
    await serverSideApply(engine, artifactPath(artifact.name), artifactParent({ ...record, groupKinds: allGroupKinds, namespaces: allNamespaces }));
  }
  const parentObject = engine.dryRun ? parent.object : await engine.client.get(artifactPath(artifact.name));
  let status: KubeObject = await writeStatus(engine, artifact, parentObject?.status ?? {}, { phase: 'Deploying', message: `deploying ${artifact.reference} (${members.length} objects)` });
  engine.progress(`deploying ${artifact.reference} ${artifact.digest} as artifact ${artifact.name}: ${members.length} objects${dry}`);

  const fail = async (member: SetMember | undefined, message: string, notApplied: SetMember[]): Promise<never> => {
    report.phase = 'Failed';
    report.notApplied = notApplied.map((m) => m.ref);
    report.failure = { ...(member ? { object: member.ref } : {}), message };
    const summary = `${message}; ${report.applied.length} of ${members.length} objects applied, ${report.notApplied.length} not applied`;
    report.failure.message = summary;
    engine.progress(`FAILED: ${summary}`);
    if (report.notApplied.length) engine.progress(`not applied: ${report.notApplied.map(describeRef).join(', ')}`);
    try {
      status = await writeStatus(engine, artifact, status, { phase: 'Failed', message: summary, objects: report.applied.length });
    } catch (error) {
      report.failure.message += ` (the Artifact's status could not be set to Failed: ${(error as Error).message})`;
    }
    throw new DeployFailedError(report);
  };

  const crdsAppliedNow = new Set<string>();
  for (const [index, member] of members.entries()) {
    const description = describeRef(member.ref);
    try {
      // Kinds a CRD of this set defines are served now that the CRDs (applied first) are established.
      if (!member.mapping && !isCrd(member)) member.mapping = await engine.mapper.find(member.ref.apiVersion, member.ref.kind);
      if (!member.mapping) {
        if (!engine.dryRun) throw new Error(`the cluster does not serve ${member.ref.kind} in ${member.ref.apiVersion}`);
        // In a dry run its CRD is not created, so the object cannot be checked by the server.
        report.applied.push({ object: member.ref, action: 'created' });
        engine.progress(`${description} created${dry}, not checked: its CustomResourceDefinition is new`);
        continue;
      }
      const previous = live.get(keyOfMember(member));
      const result = await serverSideApply(engine, objectPath(member.mapping, member.ref.namespace, member.ref.name), member.object);
      const action: ApplyAction =
        result.status === 201 ? 'created'
        : previous && (engine.dryRun ? isDeepStrictEqual(comparable(previous.object), comparable(result.object)) : previous.object.metadata?.resourceVersion === result.object?.metadata?.resourceVersion) ? 'unchanged'
        : 'configured';
      report.applied.push({ object: member.ref, action });
      engine.progress(`${description} ${action}${dry}`);
      if (isCrd(member) && action !== 'unchanged') crdsAppliedNow.add(member.ref.name);
    } catch (error) {
      if (engine.dryRun && error instanceof KubeApiError && error.code === 404 && member.ref.namespace && newNamespaceInDryRun(report, member.ref.namespace)) {
        report.applied.push({ object: member.ref, action: 'created' });
        engine.progress(`${description} created${dry}, not checked: its namespace is new`);
        continue;
      }
      const message = error instanceof Error ? error.message : String(error);
      return fail(member, `${description}: ${message}`, members.slice(index));
    }
    const lastCrd = isCrd(member) && !(members[index + 1] && isCrd(members[index + 1]!));
    if (lastCrd && crdsAppliedNow.size && !engine.dryRun) {
      try {
        await awaitCrds(engine, members, crdsAppliedNow);
      } catch (error) {
        return fail(undefined, (error as Error).message, members.slice(index + 1));
      }
    }
  }

  if (prune) {
    const applied = new Set(members.map(keyOfMember));
    const stale = pruneOrder([...live].filter(([key]) => !applied.has(key)).map(([, member]) => member));
    for (const member of stale) {
      try {
        await engine.client.request('DELETE', objectPath(member.mapping, member.ref.namespace, member.ref.name), {
          query: { dryRun: engine.dryRun ? 'All' : undefined },
          body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
        });
      } catch (error) {
        if (!isNotFound(error)) return fail(undefined, `pruning ${describeRef(member.ref)}: ${(error as Error).message}`, []);
      }
      report.pruned.push(member.ref);
      engine.progress(`${describeRef(member.ref)} pruned${dry}`);
    }
    // Only now may the parent forget the old group-kinds and namespaces.
    if (parentObject) await serverSideApply(engine, artifactPath(artifact.name), artifactParent({ ...record, groupKinds: newGroupKinds, namespaces: newNamespaces }));
  }

  if (options.wait) {
    const targets = members.filter((m) => m.mapping && isWaitedKind(m.group, m.ref.kind)).map((m) => ({ mapping: m.mapping!, ref: m.ref }));
    if (engine.dryRun) engine.progress(`would wait for ${targets.length} objects${dry}`);
    else if (targets.length) {
      engine.progress(`waiting for ${targets.length} objects (timeout ${Math.round((engine.deadline - Date.now()) / 1000)} s)`);
      try {
        await waitUntilReady(engine, targets);
      } catch (error) {
        return fail(undefined, (error as Error).message, []);
      }
    }
  }

  const changed = report.applied.filter((a) => a.action !== 'unchanged').length;
  const summary = `${members.length} objects (${changed} changed, ${members.length - changed} unchanged), ${report.pruned.length} pruned`;
  await writeStatus(engine, artifact, status, { phase: 'Deployed', message: summary, objects: members.length, pruned: report.pruned.length, lastDeployed: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
  engine.progress(`deployed ${artifact.reference} ${artifact.digest}: ${summary}${dry}`);
  return report;
}

function newNamespaceInDryRun(report: DeployReport, namespace: string): boolean {
  return report.applied.some((a) => a.object.kind === 'Namespace' && a.object.name === namespace && a.action === 'created');
}

/** Waits for the set's CRDs applied in this deploy to be established, then forgets their groups' discovery. */
async function awaitCrds(engine: Engine, members: SetMember[], names: Set<string>): Promise<void> {
  const crds = members.filter((m) => isCrd(m) && names.has(m.ref.name));
  engine.progress(`waiting for ${crds.length} CustomResourceDefinitions to be established`);
  await waitUntilReady(engine, crds.map((m) => ({ mapping: crdMapping, ref: m.ref })));
  for (const crd of crds) engine.mapper.forgetGroup(String(crd.object.spec?.group ?? ''));
}

