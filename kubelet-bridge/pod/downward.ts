// The pod's own facts as containers see them: environment variables (env, envFrom, valueFrom field/resource/
// configMap/secret references, $(VAR) expansion) and the downward API's field and resource values.
import { parseQuantity } from './quantity.ts';
import type { Container, EnvVar, KeyedContent, ObjectFieldSelector, Pod, ResourceFieldSelector } from './types.ts';

/** What the runtime asks the API for while it sets a pod up. `undefined` means "not found". */
export interface PodObjectResolver {
  configMap(namespace: string, name: string): Promise<KeyedContent | undefined>;
  secret(namespace: string, name: string): Promise<KeyedContent | undefined>;
  /** A bound service-account token for the pod (TokenRequest). */
  serviceAccountToken(pod: Pod, request: { audience?: string; expirationSeconds: number }): Promise<string>;
  /** Service environment variables (`<SVC>_SERVICE_HOST` …) visible to the pod's namespace; optional. */
  serviceEnvironment?(namespace: string): Promise<Record<string, string>>;
  /** The host folder of the volume bound to a claim, if it is on this node; optional. */
  persistentVolumeClaimPath?(namespace: string, claimName: string): Promise<string | undefined>;
}

/** A reference the pod needs that does not resolve: the container cannot be configured yet. */
export class ContainerConfigError extends Error {}

/** What only the node knows: its address, and what it can give a container that sets no limit. */
export interface NodeFacts {
  nodeName: string;
  hostIP: string;
  allocatable: { cpuCores: number; memoryBytes: number; ephemeralStorageBytes?: number };
}

/** `$(NAME)` → the variable's value when defined, `$$` → `$`; anything else is left as written (Kubernetes' rules). */
export function expandVariables(text: string, variables: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '$' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close < 0) {
        out += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, close);
      out += Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : `$(${name})`;
      i = close;
    } else out += c;
  }
  return out;
}

const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** The value of a downward API field path for env vars and volume files. */
export function fieldValue(pod: Pod, selector: ObjectFieldSelector, podIPs: string[], node: NodeFacts): string {
  const path = selector.fieldPath;
  const meta = pod.metadata;
  const keyed = subscript.exec(path);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? 'default';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? node.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
      return node.hostIP;
    case 'status.podIP':
      return pod.spec.hostNetwork ? node.hostIP : (podIPs[0] ?? '');
    case 'status.podIPs':
      return pod.spec.hostNetwork ? node.hostIP : podIPs.join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldPath "${path}"`);
  }
}

/** `key="value"` lines, sorted, values quoted as Go's %q does (the downward API's format for label maps). */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map![key])}`)
    .join('\n');
}

/** The value of a resource field reference, in units of its divisor, rounded up as Kubernetes does. */
export function resourceValue(pod: Pod, container: Container | undefined, selector: ResourceFieldSelector, node: NodeFacts): string {
  const target = selector.containerName ? pod.spec.containers.find((c) => c.name === selector.containerName) : container;
  if (!target) throw new ContainerConfigError(`resourceFieldRef names container "${selector.containerName}", which the pod does not have`);
  const [kind, resource] = selector.resource.split('.') as ['limits' | 'requests', string];
  if (!['limits', 'requests'].includes(kind) || !['cpu', 'memory', 'ephemeral-storage'].includes(resource)) {
    throw new ContainerConfigError(`unsupported resource "${selector.resource}"`);
  }
  const declared = target.resources?.[kind]?.[resource] ?? (kind === 'requests' ? target.resources?.limits?.[resource] : undefined);
  let amount: number;
  if (declared !== undefined) amount = parseQuantity(declared);
  else if (kind === 'requests') amount = 0;
  else amount = resource === 'cpu' ? node.allocatable.cpuCores : resource === 'memory' ? node.allocatable.memoryBytes : (node.allocatable.ephemeralStorageBytes ?? 0);
  const divisor = parseQuantity(selector.divisor ?? 1);
  if (divisor <= 0) throw new ContainerConfigError(`divisor of ${selector.resource} must be positive`);
  // cpu requests of 0 still report 1 unit of the divisor, as the kubelet does (requests.cpu rounds up to 1)
  const value = Math.ceil(Math.round((amount / divisor) * 1e9) / 1e9);
  return String(resource === 'cpu' && kind === 'requests' && value === 0 ? 1 : value);
}

async function keyedObject(resolver: PodObjectResolver, kind: 'configMap' | 'secret', namespace: string, name: string, optional: boolean | undefined): Promise<KeyedContent | undefined> {
  const found = await resolver[kind](namespace, name);
  if (!found && !optional) throw new ContainerConfigError(`${kind === 'configMap' ? 'configmap' : 'secret'} "${name}" not found`);
  return found;
}

/** Environment variable names Kubernetes accepts from envFrom (C identifiers, plus '-' and '.'). */
const envNamePattern = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The container's environment, as an ordered list of NAME=value (later names override earlier ones). */
export async function containerEnvironment(pod: Pod, container: Container, podIPs: string[], node: NodeFacts, resolver: PodObjectResolver): Promise<{ key: string; value: string }[]> {
  const namespace = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  if (resolver.serviceEnvironment && pod.spec.enableServiceLinks !== false) Object.assign(env, await resolver.serviceEnvironment(namespace));
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    if (!ref) continue;
    const content = await keyedObject(resolver, source.configMapRef ? 'configMap' : 'secret', namespace, ref.name, ref.optional);
    for (const [key, value] of Object.entries(content?.data ?? {})) {
      const name = `${source.prefix ?? ''}${key}`;
      if (envNamePattern.test(name)) env[name] = value.toString('utf8');
    }
  }
  for (const variable of container.env ?? []) {
    const value = await envValue(pod, container, variable, env, podIPs, node, resolver);
    if (value !== undefined) env[variable.name] = value;
  }
  return Object.entries(env).map(([key, value]) => ({ key, value }));
}

/** A variable's value; undefined when an optional reference does not resolve (the variable is then left out). */
async function envValue(pod: Pod, container: Container, variable: EnvVar, env: Record<string, string>, podIPs: string[], node: NodeFacts, resolver: PodObjectResolver): Promise<string | undefined> {
  const from = variable.valueFrom;
  if (!from) return expandVariables(variable.value ?? '', env);
  const namespace = pod.metadata.namespace ?? 'default';
  if (from.fieldRef) return fieldValue(pod, from.fieldRef, podIPs, node);
  if (from.resourceFieldRef) return resourceValue(pod, container, from.resourceFieldRef, node);
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (ref) {
    const kind = from.configMapKeyRef ? 'configMap' : 'secret';
    const content = await keyedObject(resolver, kind, namespace, ref.name ?? '', ref.optional);
    const value = content?.data[ref.key];
    if (value === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind === 'configMap' ? 'ConfigMap' : 'Secret'} ${namespace}/${ref.name}`);
    }
    return value.toString('utf8');
  }
  return '';
}
