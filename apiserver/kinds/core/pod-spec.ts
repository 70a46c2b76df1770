// PodSpec defaults and validation, shared by Pods and every kind with a pod template
// (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController, PodTemplate).
import type { StatusCause } from '../../status.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, fieldError, isCIdentifier } from '../../registry/field-errors.ts';
import { defaultField } from '../define.ts';
import { canonicalizeResourceList } from '../../quantity.ts';

type Json = Record<string, any>;

/** `Always` for `:latest` or untagged images (the image parser substitutes latest), else `IfNotPresent`. */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  if (colon < 0) return image.includes('@') ? 'IfNotPresent' : 'Always';
  return withoutDigest.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: Json | undefined): void {
  if (!probe) return;
  if (!probe.timeoutSeconds) probe.timeoutSeconds = 1;
  if (!probe.periodSeconds) probe.periodSeconds = 10;
  if (!probe.successThreshold) probe.successThreshold = 1;
  if (!probe.failureThreshold) probe.failureThreshold = 3;
  defaultHandler(probe);
}

function defaultHandler(handler: Json | undefined): void {
  if (handler?.httpGet) {
    defaultField(handler.httpGet, 'path', '/');
    defaultField(handler.httpGet, 'scheme', 'HTTP');
  }
}

function defaultContainer(container: Json): void {
  defaultField(container, 'imagePullPolicy', defaultPullPolicy(container.image));
  defaultField(container, 'terminationMessagePath', '/dev/termination-log');
  defaultField(container, 'terminationMessagePolicy', 'File');
  for (const port of container.ports ?? []) defaultField(port, 'protocol', 'TCP');
  for (const env of container.env ?? []) if (env.valueFrom?.fieldRef) defaultField(env.valueFrom.fieldRef, 'apiVersion', 'v1');
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
  defaultHandler(container.lifecycle?.postStart);
  defaultHandler(container.lifecycle?.preStop);
  if (container.resources === undefined) container.resources = {};
  canonicalizeResourceList(container.resources.limits);
  canonicalizeResourceList(container.resources.requests);
}

function defaultVolume(volume: Json): void {
  const sources = Object.keys(volume).filter((k) => k !== 'name');
  if (sources.length === 0) volume.emptyDir = {};
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) if (volume[key]) defaultField(volume[key], 'defaultMode', 420);
  for (const source of volume.projected?.sources ?? []) if (source.serviceAccountToken) defaultField(source.serviceAccountToken, 'expirationSeconds', 3600);
  if (volume.hostPath) defaultField(volume.hostPath, 'type', '');
}

/** Defaults of core/v1 PodSpec, Container and Volume (templates and pods alike). */
export function defaultPodSpec(spec: Json | undefined): void {
  if (!spec) return;
  defaultField(spec, 'dnsPolicy', 'ClusterFirst');
  defaultField(spec, 'restartPolicy', 'Always');
  if (!spec.securityContext) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) spec.terminationGracePeriodSeconds = 30;
  defaultField(spec, 'schedulerName', 'default-scheduler');
  for (const container of spec.containers ?? []) defaultContainer(container);
  for (const container of spec.initContainers ?? []) defaultContainer(container);
  for (const container of spec.ephemeralContainers ?? []) defaultContainer(container);
  for (const volume of spec.volumes ?? []) defaultVolume(volume);
}

/** Defaults only a Pod gets (not templates). */
export function defaultPodOnly(spec: Json | undefined): void {
  if (!spec) return;
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const limits = container.resources?.limits;
    if (!limits) continue;
    container.resources.requests ??= {};
    for (const [name, value] of Object.entries(limits)) if (container.resources.requests[name] === undefined) container.resources.requests[name] = value;
  }
  if (spec.hostNetwork) {
    for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const port of container.ports ?? []) if (!port.hostPort) port.hostPort = port.containerPort;
    }
  }
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const protocols = ['SCTP', 'TCP', 'UDP'];

function validateContainers(containers: Json[] | undefined, path: string, names: Set<string>, required: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!Array.isArray(containers) || containers.length === 0) {
    if (required) causes.push(fieldError.required(path, ''));
    return causes;
  }
  containers.forEach((container, i) => {
    const at = `${path}[${i}]`;
    if (!container.name) causes.push(fieldError.required(`${at}.name`, ''));
    else {
      for (const message of dns1123LabelErrors(container.name)) causes.push(fieldError.invalid(`${at}.name`, container.name, message));
      if (names.has(container.name)) causes.push(fieldError.duplicate(`${at}.name`, container.name));
      names.add(container.name);
    }
    if (!container.image) causes.push(fieldError.required(`${at}.image`, ''));
    if (container.imagePullPolicy && !pullPolicies.includes(container.imagePullPolicy)) causes.push(fieldError.notSupported(`${at}.imagePullPolicy`, container.imagePullPolicy, pullPolicies));
    const portNames = new Set<string>();
    (container.ports ?? []).forEach((port: Json, j: number) => {
      const portPath = `${at}.ports[${j}]`;
      if (!Number.isInteger(port.containerPort) || port.containerPort < 1 || port.containerPort > 65535) {
        causes.push(fieldError.invalid(`${portPath}.containerPort`, port.containerPort ?? 0, 'must be between 1 and 65535, inclusive'));
      }
      if (port.protocol && !protocols.includes(port.protocol)) causes.push(fieldError.notSupported(`${portPath}.protocol`, port.protocol, protocols));
      if (port.name) {
        if (portNames.has(port.name)) causes.push(fieldError.duplicate(`${portPath}.name`, port.name));
        portNames.add(port.name);
      }
    });
    (container.env ?? []).forEach((env: Json, j: number) => {
      if (!env.name) causes.push(fieldError.required(`${at}.env[${j}].name`, ''));
      else if (/[=]/.test(env.name) || !/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(env.name)) {
        causes.push(
          fieldError.invalid(
            `${at}.env[${j}].name`,
            env.name,
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
          ),
        );
      }
    });
    void isCIdentifier;
  });
  return causes;
}

/** Validation of a PodSpec at `path` (e.g. `spec` or `spec.template.spec`). */
export function validatePodSpec(spec: Json | undefined, path: string, options: { restartPolicies?: string[] } = {}): StatusCause[] {
  if (!spec || typeof spec !== 'object') return [fieldError.required(path, '')];
  const names = new Set<string>();
  const causes = [
    ...validateContainers(spec.containers, `${path}.containers`, names, true),
    ...validateContainers(spec.initContainers, `${path}.initContainers`, names, false),
    ...validateContainers(spec.ephemeralContainers, `${path}.ephemeralContainers`, names, false),
  ];
  (spec.ephemeralContainers ?? []).forEach((container: Json, i: number) => {
    const at = `${path}.ephemeralContainers[${i}]`;
    // What a debugging container may not have: it is never restarted, probed, exposed or given resources.
    for (const field of ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources', 'resizePolicy', 'restartPolicy']) {
      const value = container[field];
      const empty = value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);
      if (!empty) causes.push(fieldError.forbidden(`${at}.${field}`, 'cannot be set for an Ephemeral Container'));
    }
    const target = container.targetContainerName;
    if (target && ![...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c: Json) => c.name === target)) causes.push(fieldError.notFound(`${at}.targetContainerName`, target));
  });
  const allowed = options.restartPolicies ?? restartPolicies;
  if (spec.restartPolicy && !allowed.includes(spec.restartPolicy)) causes.push(fieldError.notSupported(`${path}.restartPolicy`, spec.restartPolicy, allowed));
  if (spec.dnsPolicy && !dnsPolicies.includes(spec.dnsPolicy)) causes.push(fieldError.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, dnsPolicies));
  const volumeNames = new Set<string>();
  (spec.volumes ?? []).forEach((volume: Json, i: number) => {
    if (!volume.name) causes.push(fieldError.required(`${path}.volumes[${i}].name`, ''));
    else {
      for (const message of dns1123LabelErrors(volume.name)) causes.push(fieldError.invalid(`${path}.volumes[${i}].name`, volume.name, message));
      if (volumeNames.has(volume.name)) causes.push(fieldError.duplicate(`${path}.volumes[${i}].name`, volume.name));
      volumeNames.add(volume.name);
    }
  });
  if (spec.serviceAccountName) for (const message of dns1123SubdomainErrors(spec.serviceAccountName)) causes.push(fieldError.invalid(`${path}.serviceAccountName`, spec.serviceAccountName, message));
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
    causes.push(fieldError.invalid(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  return causes;
}

/** A pod template (`spec.template`): its labels must match the selector where one is given. */
export function validatePodTemplate(template: Json | undefined, path: string, options: { restartPolicies?: string[] } = {}): StatusCause[] {
  if (!template || typeof template !== 'object') return [fieldError.required(path, '')];
  const causes = validatePodSpec(template.spec, `${path}.spec`, options);
  if (template.spec?.ephemeralContainers?.length) causes.push(fieldError.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  return causes;
}
