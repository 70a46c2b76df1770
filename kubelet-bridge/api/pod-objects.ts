// The PodObjectResolver the node's PodRuntime uses, over the node's API: ConfigMaps and Secrets, service-account
// tokens (TokenRequest bound to the pod), the service environment variables of the pod's namespace, and the host
// folder of a claim's volume.
import type { Logger } from 'pino';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import type { PodObjectResolver } from '../pod/downward.ts';
import type { KeyedContent, Pod } from '../pod/types.ts';
import type { NodeApi, ResourceInformer } from './node-api.ts';

type Json = Record<string, any>;

function keyed(object: KubeObject | undefined, decode: 'text' | 'base64'): KeyedContent | undefined {
  if (!object) return undefined;
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries((object.data as Record<string, string> | undefined) ?? {})) data[key] = Buffer.from(value, decode === 'base64' ? 'base64' : 'utf8');
  for (const [key, value] of Object.entries((object.binaryData as Record<string, string> | undefined) ?? {})) data[key] = Buffer.from(value, 'base64');
  return { data };
}

/** `my-svc` → `MY_SVC`, the prefix of a service's environment variables. */
function envName(service: string): string {
  return service.toUpperCase().replace(/-/g, '_');
}

/** The kubelet's service links: `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT[_<NAME>]` and the Docker-link `<SVC>_PORT…` ones. */
export function serviceEnvironment(services: KubeObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  const sorted = [...services].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  for (const service of sorted) {
    const spec = (service.spec as Json | undefined) ?? {};
    const ip: string | undefined = spec.clusterIP;
    const ports: Json[] = spec.ports ?? [];
    if (!ip || ip === 'None' || !ports.length) continue;
    const name = envName(service.metadata.name!);
    env[`${name}_SERVICE_HOST`] = ip;
    env[`${name}_SERVICE_PORT`] = String(ports[0]!.port);
    for (const port of ports) if (port.name) env[`${name}_SERVICE_PORT_${envName(port.name)}`] = String(port.port);
    const first = ports[0]!;
    env[`${name}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`;
    for (const port of ports) {
      const protocol = (port.protocol ?? 'TCP') as string;
      const prefix = `${name}_PORT_${port.port}_${protocol}`;
      env[prefix] = `${protocol.toLowerCase()}://${ip}:${port.port}`;
      env[`${prefix}_PROTO`] = protocol.toLowerCase();
      env[`${prefix}_PORT`] = String(port.port);
      env[`${prefix}_ADDR`] = ip;
    }
  }
  return env;
}

export class ApiPodObjectResolver implements PodObjectResolver {
  private warnedNoTokenRequest = false;

  constructor(
    private readonly api: NodeApi,
    private readonly services: ResourceInformer,
    private readonly log: Logger,
  ) {}

  async configMap(namespace: string, name: string): Promise<KeyedContent | undefined> {
    return keyed(await this.api.resource('', 'configmaps').find(namespace, name), 'text');
  }

  async secret(namespace: string, name: string): Promise<KeyedContent | undefined> {
    return keyed(await this.api.resource('', 'secrets').find(namespace, name), 'base64');
  }

  async serviceAccountToken(pod: Pod, request: { audience?: string; expirationSeconds: number }): Promise<string> {
    const namespace = pod.metadata.namespace ?? 'default';
    const token = await this.api.serviceAccountToken(namespace, pod.spec.serviceAccountName ?? 'default', {
      audiences: request.audience ? [request.audience] : undefined,
      expirationSeconds: request.expirationSeconds,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata.name!, uid: pod.metadata.uid! },
    });
    if (token !== undefined) return token;
    if (!this.warnedNoTokenRequest) {
      this.warnedNoTokenRequest = true;
      this.log.warn('the API server does not serve TokenRequest (serviceaccounts/token): pods get empty service-account tokens');
    }
    return '';
  }

  async serviceEnvironment(namespace: string): Promise<Record<string, string>> {
    const own = this.services.list(namespace);
    // As the kubelet does: the pod's namespace, plus the `kubernetes` service of the default namespace.
    const master = namespace === 'default' ? [] : this.services.list('default').filter((s) => s.metadata.name === 'kubernetes');
    return serviceEnvironment([...master, ...own]);
  }

  async persistentVolumeClaimPath(namespace: string, claimName: string): Promise<string | undefined> {
    const claim = await this.api.resource('', 'persistentvolumeclaims').find(namespace, claimName);
    const volumeName = (claim?.spec as Json | undefined)?.volumeName as string | undefined;
    if (!volumeName || (claim?.status as Json | undefined)?.phase !== 'Bound') return undefined;
    const volume = await this.api.resource('', 'persistentvolumes').find(undefined, volumeName);
    const spec = (volume?.spec as Json | undefined) ?? {};
    return spec.hostPath?.path ?? spec.local?.path;
  }
}
