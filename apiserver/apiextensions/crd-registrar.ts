// Serves the kinds CustomResourceDefinitions define: every API server follows the CRDs in its watch
// cache and registers an Established CRD's kind (discovery and OpenAPI follow the registry), and
// removes it once the CRD is gone.
import type { Logger } from 'pino';
import type { ApiCore } from '../core.ts';
import type { KubeObject, ResourceDescription } from '../registry/types.ts';
import { customResourceDescription, type CrdSpec } from './custom-resource.ts';

type Json = Record<string, any>;

export const crdPrefix = '/registry/customresourcedefinitions.apiextensions.k8s.io/';

export function isEstablished(crd: KubeObject): boolean {
  return ((crd.status as Json | undefined)?.conditions ?? []).some((c: Json) => c.type === 'Established' && c.status === 'True');
}

export class CrdRegistrar {
  private readonly served = new Map<string, ResourceDescription>(); // CRD name → its kind
  private stop: (() => void) | undefined;

  constructor(
    private readonly core: ApiCore,
    private readonly log: Logger,
  ) {}

  start(): void {
    const cache = this.core.cache;
    for (const entry of cache.list(crdPrefix)) this.sync(entry.object);
    this.stop = cache.subscribe(crdPrefix, cache.revision, (event) => {
      if (event.type === 'DELETED') this.remove(event.object.metadata.name!);
      else this.sync(event.object);
    });
  }

  shutdown(): void {
    this.stop?.();
  }

  private sync(crd: KubeObject): void {
    const name = crd.metadata.name!;
    if (!isEstablished(crd)) {
      this.remove(name);
      return;
    }
    const description = customResourceDescription(crd.spec as CrdSpec);
    if (!description) {
      this.remove(name);
      return;
    }
    const previous = this.served.get(name);
    if (previous && JSON.stringify(previous.versions.map((v) => [v.version, v.schema])) === JSON.stringify(description.versions.map((v) => [v.version, v.schema])) && JSON.stringify(crd.spec) === (previous as { specJson?: string }).specJson) return;
    (description as ResourceDescription & { specJson?: string }).specJson = JSON.stringify(crd.spec);
    this.served.set(name, description);
    this.core.registry.add(description);
    this.log.debug({ crd: name }, 'serving custom resource');
  }

  private remove(name: string): void {
    const description = this.served.get(name);
    if (!description) return;
    this.served.delete(name);
    this.core.registry.remove(description);
  }
}
