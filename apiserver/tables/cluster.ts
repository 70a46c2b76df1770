// Tables of cluster and configuration kinds: Namespaces, Nodes, ConfigMaps, Secrets, ServiceAccounts,
// ResourceQuotas, ComponentStatuses, Leases, LeaseCandidates, PriorityClasses, RuntimeClasses.

import { quantityOrZero } from './quantity.ts';
import { ageColumn, column, integer, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

function countKeys(map: unknown): number {
  let count = 0;
  if (map && typeof map === 'object') for (const key in map) if (Object.hasOwn(map, key)) count++;
  return count;
}

export const namespacePrinter = printer(
  [nameColumn, column('Status', 'string', 'Phase of the namespace (Active or Terminating).'), ageColumn],
  (namespace: any, now) => [objectName(namespace), text(namespace?.status?.phase), objectAge(namespace, now)],
);

export const configMapPrinter = printer(
  [nameColumn, column('Data', 'string', 'Number of entries in data and binaryData.'), ageColumn],
  (configMap: any, now) => [objectName(configMap), countKeys(configMap?.data) + countKeys(configMap?.binaryData), objectAge(configMap, now)],
);

export const secretPrinter = printer(
  [nameColumn, column('Type', 'string', 'The secret type.'), column('Data', 'string', 'Number of entries in data.'), ageColumn],
  (secret: any, now) => [objectName(secret), text(secret?.type), countKeys(secret?.data), objectAge(secret, now)],
);

export const serviceAccountPrinter = printer(
  [nameColumn, column('Secrets', 'string', 'Number of secrets listed on the service account.'), ageColumn],
  (account: any, now) => [objectName(account), account?.secrets?.length ?? 0, objectAge(account, now)],
);

function nodeStatus(node: any): string {
  // Only the Ready condition counts; with duplicates the last one wins.
  let ready: any;
  for (const condition of node?.status?.conditions ?? []) if (condition?.type === 'Ready') ready = condition;
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node?.spec?.unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodeRolePrefix = 'node-role.kubernetes.io/';

/** Roles from `node-role.kubernetes.io/<role>` label keys and the `kubernetes.io/role` label value. */
function nodeRoles(node: any): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries<string>(node?.metadata?.labels ?? {})) {
    if (key.startsWith(nodeRolePrefix)) {
      const role = key.slice(nodeRolePrefix.length);
      if (role) roles.add(role);
    } else if (key === 'kubernetes.io/role' && value) {
      roles.add(value);
    }
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function nodeAddress(node: any, type: string): string {
  const address = (node?.status?.addresses ?? []).find((a: any) => a?.type === type);
  return address ? text(address.address) : '<none>';
}

export const nodePrinter = printer(
  [
    nameColumn,
    column('Status', 'string', 'Readiness of the node, and whether scheduling is disabled.'),
    column('Roles', 'string', 'Roles from the node\'s labels.'),
    ageColumn,
    column('Version', 'string', 'Version of the node agent.'),
    column('Internal-IP', 'string', 'The node\'s first internal address.', { priority: 1 }),
    column('External-IP', 'string', 'The node\'s first external address.', { priority: 1 }),
    column('OS-Image', 'string', 'Operating system image of the node.', { priority: 1 }),
    column('Kernel-Version', 'string', 'Kernel version of the node.', { priority: 1 }),
    column('Container-Runtime', 'string', 'Container runtime and its version.', { priority: 1 }),
  ],
  (node: any, now) => {
    const info = node?.status?.nodeInfo;
    return [
      objectName(node),
      nodeStatus(node),
      nodeRoles(node),
      objectAge(node, now),
      text(info?.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
);

/** `name: used/hard` for every hard limit, `limits.*` resources in LIMIT and the rest in REQUEST. */
function quotaColumns(quota: any): [string, string] {
  const hard = quota?.status?.hard ?? {};
  const used = quota?.status?.used ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const resource of Object.keys(hard).sort()) {
    const entry = `${resource}: ${quantityOrZero(used[resource])}/${quantityOrZero(hard[resource])}`;
    const pieces = resource.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(entry);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotaPrinter = printer(
  [
    nameColumn,
    column('Request', 'string', 'Used and hard amounts of the non-limit resources.'),
    column('Limit', 'string', 'Used and hard amounts of the limits.* resources.'),
    ageColumn,
  ],
  (quota: any, now) => [objectName(quota), ...quotaColumns(quota), objectAge(quota, now)],
);

export const componentStatusPrinter = printer(
  [
    nameColumn,
    column('Status', 'string', 'Health of the component.'),
    column('Message', 'string', 'Message of the health check.'),
    column('Error', 'string', 'Error of the health check.'),
  ],
  (component: any) => {
    const healthy = (component?.conditions ?? []).find((c: any) => c?.type === 'Healthy');
    const status = healthy ? (healthy.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown';
    return [objectName(component), status, text(healthy?.message), text(healthy?.error)];
  },
);

export const leasePrinter = printer(
  [nameColumn, column('Holder', 'string', 'Identity of the current holder.'), ageColumn],
  (lease: any, now) => [objectName(lease), text(lease?.spec?.holderIdentity), objectAge(lease, now)],
);

export const leaseCandidatePrinter = printer(
  [
    nameColumn,
    column('LeaseName', 'string', 'The lease this candidate competes for.'),
    column('BinaryVersion', 'string', 'Binary version of the candidate.'),
    column('EmulationVersion', 'string', 'Emulation version of the candidate.'),
    ageColumn,
  ],
  (candidate: any, now) => [
    objectName(candidate),
    text(candidate?.spec?.leaseName),
    text(candidate?.spec?.binaryVersion),
    text(candidate?.spec?.emulationVersion),
    objectAge(candidate, now),
  ],
);

export const priorityClassPrinter = printer(
  [
    nameColumn,
    column('Value', 'integer', 'Priority of pods in this class.'),
    column('Global-Default', 'boolean', 'Whether pods without a class get this one.'),
    ageColumn,
    column('PreemptionPolicy', 'string', 'Whether pods of this class may preempt others.'),
  ],
  (priorityClass: any, now) => [
    objectName(priorityClass),
    integer(priorityClass?.value),
    priorityClass?.globalDefault === true,
    objectAge(priorityClass, now),
    text(priorityClass?.preemptionPolicy),
  ],
);

export const runtimeClassPrinter = printer(
  [nameColumn, column('Handler', 'string', 'The container runtime handler for this class.'), ageColumn],
  (runtimeClass: any, now) => [objectName(runtimeClass), text(runtimeClass?.handler), objectAge(runtimeClass, now)],
);

/** Table of a `Status` object (kube-apiserver registers a printer for it). */
export const statusPrinter = printer(
  [
    column('Status', 'string', 'Success or Failure.'),
    column('Reason', 'string', 'Machine-readable reason.'),
    column('Message', 'string', 'What happened.'),
  ],
  (status: any) => [text(status?.status), text(status?.reason), text(status?.message)],
);
