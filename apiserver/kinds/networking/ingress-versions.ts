// Ingress before networking.k8s.io/v1: extensions/v1beta1 (1.1–1.21) and networking.k8s.io/v1beta1
// (1.14–1.21). Their backends named the service flatly (serviceName, servicePort as a number or a
// port name) and the default backend was spec.backend; pathType was optional (1.18+ defaulted it).
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

/** v1beta1 backend → v1 backend (a service only when serviceName or servicePort says something). */
export function backendToV1(backend: Json): Json {
  const { serviceName, servicePort, ...rest } = backend;
  const port = servicePort;
  const hasPort = (typeof port === 'number' && port !== 0) || (typeof port === 'string' && port !== '');
  if (serviceName || hasPort || typeof port === 'string') {
    const service: Json = { name: serviceName ?? '' };
    if (typeof port === 'string') service.port = { name: port };
    else if (typeof port === 'number') service.port = { number: port };
    rest.service = service;
  }
  return rest;
}

/** v1 backend → v1beta1 backend (port name wins, else the number, as Kubernetes converts). */
export function backendFromV1(backend: Json): Json {
  const { service, ...rest } = backend;
  if (!service) return rest;
  const port = service.port ?? {};
  return { serviceName: service.name ?? '', servicePort: port.name ? port.name : (port.number ?? 0), ...rest };
}

function mapBackends(ingress: KubeObject, convert: (backend: Json) => Json, from: string, to: string): void {
  const spec = ingress.spec as Json | undefined;
  if (!spec) return;
  if (spec[from]) {
    spec[to] = convert(spec[from]);
    if (from !== to) delete spec[from];
  }
  for (const rule of spec.rules ?? []) for (const path of rule.http?.paths ?? []) if (path.backend) path.backend = convert(path.backend);
}

function ingressToV1(ingress: KubeObject): KubeObject {
  mapBackends(ingress, backendToV1, 'backend', 'defaultBackend');
  return ingress;
}

function ingressFromV1(stored: KubeObject): KubeObject {
  const ingress = cloneObject(stored);
  mapBackends(ingress, backendFromV1, 'defaultBackend', 'backend');
  return ingress;
}

function v1beta1Defaults(ingress: KubeObject): void {
  for (const rule of ((ingress.spec as Json | undefined)?.rules ?? []) as Json[]) for (const path of rule.http?.paths ?? []) path.pathType ||= 'ImplementationSpecific';
}

const converted = { defaults: v1beta1Defaults, toStored: ingressToV1, fromStored: ingressFromV1 };

export const ingressVersions: VersionDescription[] = [
  { version: 'v1beta1', ...converted },
  { group: 'extensions', version: 'v1beta1', ...converted },
];
