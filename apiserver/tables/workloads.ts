// Tables of the workload kinds: Deployments, ReplicaSets, ReplicationControllers, StatefulSets,
// DaemonSets, Jobs, CronJobs, ControllerRevisions and PodDisruptionBudgets.

import { ageSince, humanDuration, timestampMillis } from './duration.ts';
import { formatDeploymentSelector, formatLabels, formatLabelSelector } from './labels.ts';
import { ageColumn, column, containerCells, containerColumns, integer, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

const selectorColumn = column('Selector', 'string', 'Label selector of the pods this object manages.', { priority: 1 });

export const deploymentPrinter = printer(
  [
    nameColumn,
    column('Ready', 'string', 'Ready replicas out of desired replicas.'),
    column('Up-to-date', 'string', 'Replicas updated to the current pod template.'),
    column('Available', 'string', 'Replicas available to serve traffic.'),
    ageColumn,
    ...containerColumns(),
    selectorColumn,
  ],
  (deployment: any, now) => [
    objectName(deployment),
    `${integer(deployment?.status?.readyReplicas)}/${integer(deployment?.spec?.replicas)}`,
    integer(deployment?.status?.updatedReplicas),
    integer(deployment?.status?.availableReplicas),
    objectAge(deployment, now),
    ...containerCells(deployment?.spec?.template?.spec),
    formatDeploymentSelector(deployment?.spec?.selector),
  ],
);

const replicaColumns = [
  nameColumn,
  column('Desired', 'integer', 'Number of replicas wanted.'),
  column('Current', 'integer', 'Number of replicas that exist.'),
  column('Ready', 'integer', 'Number of replicas that are ready.'),
  ageColumn,
  ...containerColumns(),
  selectorColumn,
];

function replicaCells(object: any, now: number, selector: string): unknown[] {
  return [
    objectName(object),
    integer(object?.spec?.replicas),
    integer(object?.status?.replicas),
    integer(object?.status?.readyReplicas),
    objectAge(object, now),
    ...containerCells(object?.spec?.template?.spec),
    selector,
  ];
}

export const replicaSetPrinter = printer(replicaColumns, (rs: any, now) => replicaCells(rs, now, formatLabelSelector(rs?.spec?.selector)));

// A ReplicationController's selector is a plain label map.
export const replicationControllerPrinter = printer(replicaColumns, (rc: any, now) => replicaCells(rc, now, formatLabels(rc?.spec?.selector)));

export const statefulSetPrinter = printer(
  [nameColumn, column('Ready', 'string', 'Ready replicas out of desired replicas.'), ageColumn, ...containerColumns()],
  (set: any, now) => [
    objectName(set),
    `${integer(set?.status?.readyReplicas)}/${integer(set?.spec?.replicas)}`,
    objectAge(set, now),
    ...containerCells(set?.spec?.template?.spec),
  ],
);

export const daemonSetPrinter = printer(
  [
    nameColumn,
    column('Desired', 'integer', 'Nodes that should run the daemon pod.'),
    column('Current', 'integer', 'Nodes running at least one daemon pod that should.'),
    column('Ready', 'integer', 'Nodes whose daemon pod is ready.'),
    column('Up-to-date', 'integer', 'Nodes running the updated daemon pod.'),
    column('Available', 'integer', 'Nodes whose daemon pod is available.'),
    column('Node Selector', 'string', 'Node labels the daemon pods are restricted to.'),
    ageColumn,
    ...containerColumns(),
    selectorColumn,
  ],
  (set: any, now) => {
    const status = set?.status;
    return [
      objectName(set),
      integer(status?.desiredNumberScheduled),
      integer(status?.currentNumberScheduled),
      integer(status?.numberReady),
      integer(status?.updatedNumberScheduled),
      integer(status?.numberAvailable),
      formatLabels(set?.spec?.template?.spec?.nodeSelector),
      objectAge(set, now),
      ...containerCells(set?.spec?.template?.spec),
      formatLabelSelector(set?.spec?.selector),
    ];
  },
);

/** Whether the first condition of this type is True (later duplicates are ignored). */
function hasCondition(conditions: any[] | undefined, type: string): boolean {
  const condition = conditions?.find((c) => c?.type === type);
  return condition?.status === 'True';
}

function jobStatus(job: any): string {
  const conditions = job?.status?.conditions;
  if (hasCondition(conditions, 'Complete')) return 'Complete';
  if (hasCondition(conditions, 'Failed')) return 'Failed';
  if (job?.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(job: any): string {
  const succeeded = integer(job?.status?.succeeded);
  const completions = job?.spec?.completions;
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = integer(job?.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(job: any, now: number): string {
  const started = timestampMillis(job?.status?.startTime);
  if (started === undefined) return '';
  const completed = timestampMillis(job?.status?.completionTime);
  // A job without a completion time (still running, or failed) keeps counting.
  return humanDuration((completed ?? now) - started);
}

export const jobPrinter = printer(
  [
    nameColumn,
    column('Status', 'string', 'Summary of the job\'s conditions.'),
    column('Completions', 'string', 'Succeeded pods out of the completions wanted.'),
    column('Duration', 'string', 'How long the job ran, or has been running.'),
    ageColumn,
    ...containerColumns(),
    selectorColumn,
  ],
  (job: any, now) => [
    objectName(job),
    jobStatus(job),
    jobCompletions(job),
    jobDuration(job, now),
    objectAge(job, now),
    ...containerCells(job?.spec?.template?.spec),
    formatLabelSelector(job?.spec?.selector),
  ],
);

function boolText(value: unknown): string {
  return typeof value === 'boolean' ? (value ? 'True' : 'False') : '<unset>';
}

export const cronJobPrinter = printer(
  [
    nameColumn,
    column('Schedule', 'string', 'Cron schedule of the job.'),
    column('Timezone', 'string', 'Time zone the schedule is read in.'),
    column('Suspend', 'boolean', 'Whether new runs are held back.'),
    column('Active', 'integer', 'Number of jobs currently running.'),
    column('Last Schedule', 'string', 'Time since a job was last started.'),
    ageColumn,
    ...containerColumns(),
    selectorColumn,
  ],
  (cronJob: any, now) => {
    const jobSpec = cronJob?.spec?.jobTemplate?.spec;
    const lastSchedule = cronJob?.status?.lastScheduleTime;
    return [
      objectName(cronJob),
      text(cronJob?.spec?.schedule),
      typeof cronJob?.spec?.timeZone === 'string' ? cronJob.spec.timeZone : '<none>',
      // Declared boolean, sent as text: True, False or <unset>.
      boolText(cronJob?.spec?.suspend),
      cronJob?.status?.active?.length ?? 0,
      lastSchedule ? ageSince(lastSchedule, now) : '<none>',
      objectAge(cronJob, now),
      ...containerCells(jobSpec?.template?.spec),
      formatLabelSelector(jobSpec?.selector),
    ];
  },
);

/** `statefulset.apps/web` for the controlling owner, `<none>` without one. */
function controllerReference(object: any): string {
  const owner = (object?.metadata?.ownerReferences ?? []).find((ref: any) => ref?.controller === true);
  if (!owner) return '<none>';
  const apiVersion: string = owner.apiVersion ?? '';
  const slashes = apiVersion.split('/').length - 1;
  if (slashes > 1) throw new Error(`unexpected GroupVersion string: ${apiVersion}`);
  const group = slashes === 1 ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind: string = owner.kind ?? '';
  if (!kind && !group) return owner.name ?? '';
  return `${(group ? `${kind}.${group}` : kind).toLowerCase()}/${owner.name ?? ''}`;
}

export const controllerRevisionPrinter = printer(
  [nameColumn, column('Controller', 'string', 'The object that owns this revision.'), column('Revision', 'string', 'Revision number.'), ageColumn],
  (revision: any, now) => [objectName(revision), controllerReference(revision), integer(revision?.revision), objectAge(revision, now)],
);

/** An int-or-string as text (`1`, `50%`), or N/A when unset. */
function intOrString(value: unknown): string {
  if (typeof value === 'number') return String(Math.trunc(value));
  if (typeof value === 'string') return value;
  return 'N/A';
}

export const podDisruptionBudgetPrinter = printer(
  [
    nameColumn,
    column('Min Available', 'string', 'Pods that must stay available.'),
    column('Max Unavailable', 'string', 'Pods that may be unavailable at once.'),
    column('Allowed Disruptions', 'integer', 'Pod disruptions allowed right now.'),
    ageColumn,
  ],
  (budget: any, now) => [
    objectName(budget),
    intOrString(budget?.spec?.minAvailable),
    intOrString(budget?.spec?.maxUnavailable),
    integer(budget?.status?.disruptionsAllowed),
    objectAge(budget, now),
  ],
);
