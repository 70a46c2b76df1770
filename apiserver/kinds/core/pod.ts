import { fieldError } from '../../registry/field-errors.ts';
import { cloneObject, deepEqual } from '../../registry/object-meta.ts';
import type { KubeObject } from '../../registry/types.ts';
import type { StatusCause } from '../../status.ts';
import { defineKind } from '../define.ts';
import { defaultPodOnly, defaultPodSpec, validatePodSpec } from './pod-spec.ts';

type Json = Record<string, any>;

/** Guaranteed, Burstable or BestEffort, from requests and limits (as the kubelet computes it). */
export function qosClass(spec: Json | undefined): string {
  const containers: Json[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const container of containers) {
    const requests = container.resources?.requests ?? {};
    const limits = container.resources?.limits ?? {};
    for (const resource of ['cpu', 'memory']) {
      if (requests[resource] !== undefined || limits[resource] !== undefined) any = true;
      if (limits[resource] === undefined || (requests[resource] !== undefined && String(requests[resource]) !== String(limits[resource]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const mutableSpecMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Only images, activeDeadlineSeconds, added tolerations and a few more may change in a pod's spec. */
function validatePodSpecUpdate(spec: Json, old: Json): StatusCause[] {
  const comparable = (s: Json) => {
    const copy: Json = cloneObject(s);
    for (const list of ['containers', 'initContainers']) for (const c of copy[list] ?? []) delete c.image;
    delete copy.activeDeadlineSeconds;
    delete copy.tolerations;
    delete copy.terminationGracePeriodSeconds;
    return copy;
  };
  if (!deepEqual(comparable(spec), comparable(old))) return [fieldError.forbidden('spec', mutableSpecMessage)];
  const oldTolerations: Json[] = old.tolerations ?? [];
  const newTolerations: Json[] = spec.tolerations ?? [];
  if (!oldTolerations.every((t) => newTolerations.some((n) => deepEqual(n, t)))) return [fieldError.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds')];
  return [];
}

/** The pod as it is, with the ephemeral containers of the one written (the ephemeralcontainers subresource). */
function withEphemeralContainersOf(written: KubeObject, pod: KubeObject): KubeObject {
  const ephemeral = (written.spec as Json | undefined)?.ephemeralContainers;
  if (ephemeral === undefined || ephemeral === null) delete (pod.spec as Json).ephemeralContainers;
  else (pod.spec as Json).ephemeralContainers = ephemeral;
  return pod;
}

/** The pod as it is, with the container resources of the one written (the resize subresource). */
function withResourcesOf(written: KubeObject, pod: KubeObject): KubeObject {
  const writtenSpec = (written.spec as Json | undefined) ?? {};
  for (const list of ['containers', 'initContainers']) {
    for (const container of ((pod.spec as Json)[list] ?? []) as Json[]) {
      const wanted = ((writtenSpec[list] ?? []) as Json[]).find((c) => c.name === container.name);
      if (wanted?.resources === undefined) continue;
      container.resources = wanted.resources;
    }
  }
  return pod;
}

const resizableResources = new Set(['cpu', 'memory']);

/** A resize changes cpu and memory only, keeps the pod's QoS class, and leaves non-sidecar init containers alone. */
function validateResize(spec: Json, old: Json): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const list of ['containers', 'initContainers']) {
    ((spec[list] ?? []) as Json[]).forEach((container, i) => {
      const before = ((old[list] ?? []) as Json[]).find((c) => c.name === container.name);
      if (!before || deepEqual(container.resources ?? {}, before.resources ?? {})) return;
      const at = `spec.${list}[${i}].resources`;
      if (list === 'initContainers' && container.restartPolicy !== 'Always') {
        causes.push(fieldError.forbidden(at, 'resources for non-sidecar init containers are immutable'));
        return;
      }
      for (const kind of ['requests', 'limits']) {
        const now: Json = container.resources?.[kind] ?? {};
        const then: Json = before.resources?.[kind] ?? {};
        for (const name of new Set([...Object.keys(now), ...Object.keys(then)])) {
          if (resizableResources.has(name)) {
            if (then[name] !== undefined && now[name] === undefined) causes.push(fieldError.forbidden(`${at}.${kind}[${name}]`, 'resource removal is not supported'));
          } else if (String(now[name]) !== String(then[name])) causes.push(fieldError.forbidden(`${at}.${kind}[${name}]`, 'only cpu and memory resources are mutable'));
        }
      }
    });
  }
  if (qosClass(spec) !== qosClass(old)) causes.push(fieldError.invalid('spec', qosClass(spec), 'Pod QOS Class may not change as a result of resizing'));
  return causes;
}

/** Ephemeral containers can be added, never changed or removed. */
function validateEphemeralContainersUpdate(spec: Json, old: Json): StatusCause[] {
  const causes: StatusCause[] = [];
  const now: Json[] = Array.isArray(spec?.ephemeralContainers) ? spec.ephemeralContainers : [];
  for (const before of (old?.ephemeralContainers ?? []) as Json[]) {
    const index = now.findIndex((c) => c.name === before.name);
    if (index < 0) causes.push(fieldError.forbidden('spec.ephemeralContainers', `existing ephemeral containers "${before.name}" may not be removed`));
    else if (!deepEqual(now[index], before)) causes.push(fieldError.forbidden(`spec.ephemeralContainers[${index}]`, `existing ephemeral containers "${before.name}" may not be changed`));
  }
  return causes;
}

export const pods = defineKind({
  group: '',
  kind: 'Pod',
  plural: 'pods',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  versions: ['v1'],
  status: true,
  returnDeletedObject: true,
  subresources: {
    attach: { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    binding: { kind: 'Binding', verbs: ['create'] },
    // `kubectl debug`: the pod is read and written whole, and only its ephemeral containers change.
    ephemeralcontainers: { kind: 'Pod', verbs: ['get', 'patch', 'update'], writesPart: withEphemeralContainersOf },
    eviction: { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
    log: { kind: 'Pod', verbs: ['get'] },
    portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    proxy: { kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    // In-place resize (kubectl patch --subresource=resize): only the containers' cpu and memory change.
    resize: { kind: 'Pod', verbs: ['get', 'patch', 'update'], writesPart: withResourcesOf },
  },
  fieldSelectors: {
    'spec.nodeName': (pod) => (pod.spec as Json | undefined)?.nodeName,
    'spec.restartPolicy': (pod) => (pod.spec as Json | undefined)?.restartPolicy,
    'spec.schedulerName': (pod) => (pod.spec as Json | undefined)?.schedulerName,
    'spec.serviceAccountName': (pod) => (pod.spec as Json | undefined)?.serviceAccountName,
    'spec.hostNetwork': (pod) => String(Boolean((pod.spec as Json | undefined)?.hostNetwork)),
    'status.phase': (pod) => (pod.status as Json | undefined)?.phase,
    'status.podIP': (pod) => (pod.status as Json | undefined)?.podIP,
    'status.nominatedNodeName': (pod) => (pod.status as Json | undefined)?.nominatedNodeName,
  },
  defaults(pod) {
    defaultPodSpec(pod.spec as Json);
    defaultPodOnly(pod.spec as Json);
  },
  prepareForCreate(pod) {
    pod.status = { phase: 'Pending', qosClass: qosClass(pod.spec as Json) };
  },
  prepareForUpdate(pod, old, context) {
    // Ephemeral containers are added through their subresource only; other writes keep them as they are.
    if (context.subresource === 'ephemeralcontainers') return;
    const spec = pod.spec as Json | undefined;
    const kept = (old.spec as Json | undefined)?.ephemeralContainers;
    if (!spec) return;
    if (kept === undefined) delete spec.ephemeralContainers;
    else spec.ephemeralContainers = kept;
  },
  validate(pod: KubeObject, old, context) {
    const spec = pod.spec as Json;
    // A status write keeps the stored spec itself, checked when it was written (nor does Kubernetes' status strategy check it).
    if (old && context.subresource === 'status' && spec === old.spec) return [];
    const causes = validatePodSpec(spec, 'spec');
    if (!old) {
      if (spec?.ephemeralContainers?.length) causes.push(fieldError.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
      return causes;
    }
    // Binding (scheduling) sets spec.nodeName through its own subresource; status writes keep the old spec.
    if (context.subresource === 'ephemeralcontainers') causes.push(...validateEphemeralContainersUpdate(spec, old.spec as Json));
    else if (context.subresource === 'resize') causes.push(...validateResize(spec, old.spec as Json));
    else if (context.subresource !== 'binding' && context.subresource !== 'status') causes.push(...validatePodSpecUpdate(spec, old.spec as Json));
    return causes;
  },
});
