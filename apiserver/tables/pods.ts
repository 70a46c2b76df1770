// The Pod table: READY, STATUS, RESTARTS as kubectl shows them, computed the way kube-apiserver 1.33's
// printer does it (init containers, sidecars, terminating and unreachable pods, readiness gates).

import { humanDuration, timestampMillis } from './duration.ts';
import { formatLabels } from './labels.ts';
import { column, containerCells, containerColumns, integer, nameColumn, objectAge, objectName, printer } from './printer.ts';
import type { TableRowCondition } from './types.ts';

const podColumns = [
  nameColumn,
  column('Ready', 'string', 'Ready containers out of all containers that count towards readiness.'),
  column('Status', 'string', 'Summary of the pod phase and of its containers\' states.'),
  column('Restarts', 'string', 'Container restarts, and how long ago the latest one happened.'),
  column('Age', 'string', 'Time since the object was created.'),
  column('IP', 'string', 'The pod\'s primary IP address.', { priority: 1 }),
  column('Node', 'string', 'The node the pod is bound to.', { priority: 1 }),
  column('Nominated Node', 'string', 'The node the scheduler plans to place the pod on after preemption.', { priority: 1 }),
  column('Readiness Gates', 'string', 'Readiness gates whose condition is True, out of all gates.', { priority: 1 }),
];

/** Status of a single-valued container state (waiting / running / terminated). */
interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; running?: object; terminated?: { reason?: string; exitCode?: number; signal?: number } };
  lastState?: { terminated?: { finishedAt?: string } };
}

/** Sums restarts and remembers the latest previous termination over a set of containers. */
class RestartTally {
  count = 0;
  latest: number | undefined;

  add(status: ContainerStatus): void {
    this.count += integer(status.restartCount);
    const finished = timestampMillis(status.lastState?.terminated?.finishedAt);
    if (finished !== undefined && (this.latest === undefined || finished > this.latest)) this.latest = finished;
  }

  cell(now: number): string {
    if (this.count === 0 || this.latest === undefined) return String(this.count);
    return `${this.count} (${humanDuration(now - this.latest)} ago)`;
  }
}

function terminationText(prefix: string, terminated: { reason?: string; exitCode?: number; signal?: number }): string {
  if (terminated.reason) return `${prefix}${terminated.reason}`;
  return integer(terminated.signal) !== 0 ? `${prefix}Signal:${integer(terminated.signal)}` : `${prefix}ExitCode:${integer(terminated.exitCode)}`;
}

/** Whether the first condition of this type is True. */
function conditionIsTrue(pod: any, type: string): boolean {
  for (const condition of pod?.status?.conditions ?? []) {
    if (condition?.type === type) return condition.status === 'True';
  }
  return false;
}

function podCells(pod: any, now: number): unknown[] {
  const spec = pod?.spec ?? {};
  const status = pod?.status ?? {};
  const phase: string = status.phase ?? '';
  let reason: string = status.reason || phase;
  for (const condition of status.conditions ?? []) {
    if (condition?.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  // Sidecars are init containers with restartPolicy Always: they count towards READY.
  const sidecars = new Set<string>();
  for (const container of spec.initContainers ?? []) if (container?.restartPolicy === 'Always') sidecars.add(container.name);
  const total = (spec.containers?.length ?? 0) + sidecars.size;
  let ready = 0;

  const initRestarts = new RestartTally();
  const sidecarRestarts = new RestartTally();
  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i] ?? {};
    const isSidecar = sidecars.has(container.name ?? '');
    initRestarts.add(container);
    if (isSidecar) sidecarRestarts.add(container);
    const terminated = container.state?.terminated;
    const waitingReason = container.state?.waiting?.reason;
    if (terminated && integer(terminated.exitCode) === 0) continue;
    if (isSidecar && container.started === true) {
      if (container.ready) ready++;
      continue;
    }
    if (terminated) reason = terminationText('Init:', terminated);
    else if (waitingReason && waitingReason !== 'PodInitializing') reason = `Init:${waitingReason}`;
    else reason = `Init:${i}/${spec.initContainers?.length ?? 0}`;
    initializing = true;
    break;
  }

  let restarts = initRestarts;
  if (!initializing || conditionIsTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    let hasRunning = false;
    const statuses: ContainerStatus[] = status.containerStatuses ?? [];
    // Backwards, so that the first container in a waiting or terminated state has the last word.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] ?? {};
      restarts.add(container);
      const state = container.state ?? {};
      if (state.waiting?.reason) reason = state.waiting.reason;
      else if (state.terminated) reason = terminationText('', state.terminated);
      else if (container.ready && state.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const isReady = (status.conditions ?? []).some((c: any) => c?.type === 'Ready' && c.status === 'True');
      reason = isReady ? 'Running' : 'NotReady';
    }
  }

  if (pod?.metadata?.deletionTimestamp) {
    if (status.reason === 'NodeLost') reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }

  // The v1 podIP wins over podIPs[0] when both are set, as in the conversion to the internal type.
  const ip: string = status.podIP || status.podIPs?.[0]?.ip || '<none>';
  let readinessGates = '<none>';
  const gates: any[] = spec.readinessGates ?? [];
  if (gates.length > 0) {
    const passed = gates.filter((gate) => conditionIsTrue(pod, gate?.conditionType)).length;
    readinessGates = `${passed}/${gates.length}`;
  }
  return [
    objectName(pod),
    `${ready}/${total}`,
    reason,
    restarts.cell(now),
    objectAge(pod, now),
    ip,
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    readinessGates,
  ];
}

const succeededConditions: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const failedConditions: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

export const podPrinter = printer(podColumns, podCells, {
  rowConditions(pod: any) {
    const phase = pod?.status?.phase;
    return phase === 'Succeeded' ? succeededConditions : phase === 'Failed' ? failedConditions : undefined;
  },
});

export const podTemplatePrinter = printer(
  [nameColumn, ...containerColumns(0), column('Pod Labels', 'string', 'Labels of the pods made from this template.')],
  (template: any) => [objectName(template), ...containerCells(template?.template?.spec), formatLabels(template?.template?.metadata?.labels)],
);
