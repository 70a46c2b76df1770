import { dns1123LabelErrors, fieldError } from '../../registry/field-errors.ts';
import type { StatusCause } from '../../status.ts';
import { defineKind, defaultField } from '../define.ts';

type Json = Record<string, any>;

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];

function validateService(svc: Json, old: Json | undefined): StatusCause[] {
  const spec: Json = svc.spec ?? {};
  const causes: StatusCause[] = [];
  if (!serviceTypes.includes(spec.type)) causes.push(fieldError.notSupported('spec.type', spec.type, serviceTypes));
  const ports: Json[] = spec.ports ?? [];
  if (spec.type !== 'ExternalName' && ports.length === 0 && spec.clusterIP !== 'None') causes.push(fieldError.required('spec.ports', ''));
  if (spec.type === 'ExternalName' && !spec.externalName) causes.push(fieldError.required('spec.externalName', ''));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const at = `spec.ports[${i}]`;
    if (ports.length > 1 && !port.name) causes.push(fieldError.required(`${at}.name`, ''));
    if (port.name) {
      for (const message of dns1123LabelErrors(port.name)) causes.push(fieldError.invalid(`${at}.name`, port.name, message));
      if (names.has(port.name)) causes.push(fieldError.duplicate(`${at}.name`, port.name));
      names.add(port.name);
    }
    if (!Number.isInteger(port.port) || port.port < 1 || port.port > 65535) causes.push(fieldError.invalid(`${at}.port`, port.port ?? 0, 'must be between 1 and 65535, inclusive'));
    if (!protocols.includes(port.protocol)) causes.push(fieldError.notSupported(`${at}.protocol`, port.protocol, protocols));
    if (typeof port.targetPort === 'number' && (port.targetPort < 1 || port.targetPort > 65535)) {
      causes.push(fieldError.invalid(`${at}.targetPort`, port.targetPort, 'must be between 1 and 65535, inclusive'));
    }
    if (port.nodePort !== undefined && spec.type === 'ClusterIP') causes.push(fieldError.forbidden(`${at}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
  });
  if (old) {
    const oldSpec: Json = old.spec ?? {};
    if (oldSpec.clusterIP && spec.clusterIP !== oldSpec.clusterIP && oldSpec.type !== 'ExternalName' && spec.type !== 'ExternalName') {
      causes.push(fieldError.invalid('spec.clusterIPs[0]', spec.clusterIP ?? '', 'may not change once set'));
    }
  }
  return causes;
}

export const services = defineKind({
  group: '',
  kind: 'Service',
  plural: 'services',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  versions: ['v1'],
  status: true,
  nameValidation: 'label',
  returnDeletedObject: true,
  subresources: { proxy: { kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] } },
  defaults(svc) {
    const spec: Json = ((svc.spec as Json | undefined) ??= {});
    defaultField(spec, 'type', 'ClusterIP');
    defaultField(spec, 'sessionAffinity', 'None');
    if (spec.sessionAffinity === 'ClientIP') {
      spec.sessionAffinityConfig ??= {};
      spec.sessionAffinityConfig.clientIP ??= {};
      spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
    } else delete spec.sessionAffinityConfig;
    for (const port of spec.ports ?? []) {
      defaultField(port, 'protocol', 'TCP');
      if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
    }
    if (spec.type !== 'ExternalName') defaultField(spec, 'internalTrafficPolicy', 'Cluster');
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') defaultField(spec, 'externalTrafficPolicy', 'Cluster');
    if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  },
  prepareForCreate(svc) {
    svc.status = { loadBalancer: {} };
  },
  validate: (svc, old) => validateService(svc as Json, old as Json | undefined),
});
