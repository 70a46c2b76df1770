// Shorthand for kind descriptions: derives the singular name and schema definition names, so a
// kind's file says only what is particular to it.
import type { ResourceDescription, VersionDescription } from '../registry/types.ts';

/** The Go package of a group, as it appears in schema definition names. */
const definitionPackages: Record<string, string> = {
  '': 'io.k8s.api.core',
  'rbac.authorization.k8s.io': 'io.k8s.api.rbac',
  'networking.k8s.io': 'io.k8s.api.networking',
  'discovery.k8s.io': 'io.k8s.api.discovery',
  'storage.k8s.io': 'io.k8s.api.storage',
  'scheduling.k8s.io': 'io.k8s.api.scheduling',
  'coordination.k8s.io': 'io.k8s.api.coordination',
  'events.k8s.io': 'io.k8s.api.events',
  'certificates.k8s.io': 'io.k8s.api.certificates',
  'admissionregistration.k8s.io': 'io.k8s.api.admissionregistration',
  'node.k8s.io': 'io.k8s.api.node',
  'flowcontrol.apiserver.k8s.io': 'io.k8s.api.flowcontrol',
  'authentication.k8s.io': 'io.k8s.api.authentication',
  'authorization.k8s.io': 'io.k8s.api.authorization',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
};

export function definitionName(group: string, version: string, kind: string): string {
  return `${definitionPackages[group] ?? `io.k8s.api.${group.split('.')[0]}`}.${version}.${kind}`;
}

type KindSpec = Omit<ResourceDescription, 'singular' | 'versions'> & {
  singular?: string;
  /** Versions, stored form first; a string is a version with no conversion. */
  versions: (string | VersionDescription)[];
};

export function defineKind(spec: KindSpec): ResourceDescription {
  const versions = spec.versions.map((v): VersionDescription => {
    const version = typeof v === 'string' ? { version: v } : v;
    return { ...version, definitionName: version.definitionName ?? definitionName(version.group ?? spec.group, version.version, version.kind ?? spec.kind) };
  });
  return { ...spec, singular: spec.singular ?? spec.kind.toLowerCase(), versions };
}

/** Sets `object[key]` when it is missing (undefined, null or empty string). */
export function defaultField<T extends Record<string, unknown>, K extends keyof T>(object: T, key: K, value: T[K]): void {
  const current = object[key];
  if (current === undefined || current === null || current === '') object[key] = value;
}
