// Events: stored once (core/v1), served as core/v1 and as events.k8s.io/v1 and v1beta1, which rename fields.
import { defineKind } from '../define.ts';
import type { KubeObject } from '../../registry/types.ts';

type Json = Record<string, any>;

/** core/v1 field ↔ events.k8s.io field. */
const renamed: [string, string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function rename(object: KubeObject, pairs: [string, string][]): KubeObject {
  const result: Json = { ...object };
  for (const [from, to] of pairs) {
    delete result[from];
    if (object[from] !== undefined) result[to] = object[from];
  }
  return result as KubeObject;
}

/** Kubernetes serves events.k8s.io Events from the core Event storage, short name and all. */
const eventsGroupConversion = {
  shortNames: ['ev'],
  toStored: (e: KubeObject) => rename(e, renamed.map(([a, b]) => [b, a])),
  fromStored: (e: KubeObject) => rename(e, renamed),
};

export const events = defineKind({
  group: '',
  kind: 'Event',
  plural: 'events',
  shortNames: ['ev'],
  namespaced: true,
  versions: [
    'v1',
    { group: 'events.k8s.io', version: 'v1', ...eventsGroupConversion },
    // events.k8s.io/v1beta1 (1.8–1.24) had v1's shape.
    { group: 'events.k8s.io', version: 'v1beta1', ...eventsGroupConversion },
  ],
  ttlSeconds: 3600,
  nameValidation: 'subdomain',
  fieldSelectors: {
    'involvedObject.kind': (e) => (e.involvedObject as Json | undefined)?.kind,
    'involvedObject.namespace': (e) => (e.involvedObject as Json | undefined)?.namespace,
    'involvedObject.name': (e) => (e.involvedObject as Json | undefined)?.name,
    'involvedObject.uid': (e) => (e.involvedObject as Json | undefined)?.uid,
    'involvedObject.apiVersion': (e) => (e.involvedObject as Json | undefined)?.apiVersion,
    'involvedObject.resourceVersion': (e) => (e.involvedObject as Json | undefined)?.resourceVersion,
    'involvedObject.fieldPath': (e) => (e.involvedObject as Json | undefined)?.fieldPath,
    reason: (e) => e.reason as string | undefined,
    reportingComponent: (e) => e.reportingComponent as string | undefined,
    source: (e) => (e.source as Json | undefined)?.component,
    type: (e) => e.type as string | undefined,
  },
});
