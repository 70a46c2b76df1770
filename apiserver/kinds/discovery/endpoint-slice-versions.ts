// EndpointSlices before discovery.k8s.io/v1: v1beta1 (1.17–1.24) and v1alpha1 (1.16–1.20) described an
// endpoint's place by one topology map, which v1 splits into zone, nodeName and deprecatedTopology.
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

const zoneKey = 'topology.kubernetes.io/zone';
const hostnameKey = 'kubernetes.io/hostname';

function endpointToV1(endpoint: Json): Json {
  const { topology, ...rest } = endpoint;
  if (!topology) return rest;
  const remaining: Record<string, string> = { ...topology };
  if (remaining[zoneKey] !== undefined) {
    rest.zone = remaining[zoneKey];
    delete remaining[zoneKey];
  }
  // The hostname key goes only where nodeName already says it.
  if (remaining[hostnameKey] !== undefined && remaining[hostnameKey] === rest.nodeName) delete remaining[hostnameKey];
  if (Object.keys(remaining).length) rest.deprecatedTopology = remaining;
  return rest;
}

function endpointFromV1(endpoint: Json): Json {
  const { deprecatedTopology, zone, ...rest } = endpoint;
  if (deprecatedTopology === undefined && zone === undefined && rest.nodeName === undefined) return rest;
  const topology: Record<string, string> = { ...deprecatedTopology };
  if (zone !== undefined) topology[zoneKey] = zone;
  if (rest.nodeName !== undefined && topology[hostnameKey] === undefined) topology[hostnameKey] = rest.nodeName;
  return { ...rest, topology };
}

/** Every port gets a name ("") and TCP, in every version. */
export function defaultEndpointSlicePorts(slice: KubeObject): void {
  for (const port of (slice.ports ?? []) as Json[]) {
    port.name ??= '';
    port.protocol ||= 'TCP';
  }
}

const topologyConversion: Omit<VersionDescription, 'version'> = {
  toStored(slice) {
    if (Array.isArray(slice.endpoints)) slice.endpoints = (slice.endpoints as Json[]).map(endpointToV1);
    return slice;
  },
  fromStored(stored) {
    if (!Array.isArray(stored.endpoints)) return stored;
    const slice = cloneObject(stored);
    slice.endpoints = (slice.endpoints as Json[]).map(endpointFromV1);
    return slice;
  },
};

export const endpointSliceVersions: VersionDescription[] = [
  { version: 'v1beta1', ...topologyConversion },
  { version: 'v1alpha1', ...topologyConversion },
];
