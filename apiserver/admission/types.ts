// Admission: plugins that may change (mutate) and then accept or refuse (validate) every write,
// in-process ones (namespace lifecycle, LimitRange, ResourceQuota, ServiceAccount) and webhooks.
import type { UserInfo } from '../authn.ts';
import type { ServedVersion } from '../registry/registry.ts';
import type { KubeObject, ResourceDescription } from '../registry/types.ts';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: AdmissionOperation;
  description: ResourceDescription;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The object being written (stored form); mutating plugins change it in place. */
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  /** What the HTTP request adds (absent for in-process writes). */
  request?: AdmissionRequestContext;
}

/** The parts of an API request that admission webhooks see or answer into. */
export interface AdmissionRequestContext {
  /** The apiVersion the client wrote through (a webhook's requestKind/requestResource); absent: the stored form. */
  served?: ServedVersion;
  fieldManager?: string;
  /** The subresource the client wrote through (a `scale` write reaches admission as an update of its parent). */
  subresource?: string;
  /** Sends a warning to the client (an HTTP `Warning` header, which kubectl prints). */
  warn?(text: string): void;
  /** Adds an annotation to the request's audit event. */
  annotate?(key: string, value: string): void;
}

export interface AdmissionPlugin {
  name: string;
  mutate?(attributes: AdmissionAttributes): void | Promise<void>;
  /** Throws a StatusError to refuse. */
  validate?(attributes: AdmissionAttributes): void | Promise<void>;
}

export class AdmissionChain {
  constructor(private readonly plugins: AdmissionPlugin[] = []) {}

  add(plugin: AdmissionPlugin): void {
    this.plugins.push(plugin);
  }

  // Most plugins decide synchronously: only a plugin that returns a promise is awaited, so a write
  // does not pay a microtask turn per plugin.
  async mutate(attributes: AdmissionAttributes): Promise<void> {
    for (const plugin of this.plugins) {
      const pending = plugin.mutate?.(attributes);
      if (pending) await pending;
    }
  }

  async validate(attributes: AdmissionAttributes): Promise<void> {
    for (const plugin of this.plugins) {
      const pending = plugin.validate?.(attributes);
      if (pending) await pending;
    }
  }
}
