// The table behind versions.test.ts: one case (or more) for every served version of every kind that
// is not the stored form, with what a client writes in that version, the defaults that version
// applies, what is stored, and how other versions show it. Expectations come from
// ../shared/facts/defaults-by-version.md and conversions.md.
import { expect } from 'vitest';

type Json = Record<string, any>;

export interface VersionCase {
  apiVersion: string;
  kind: string;
  what: string;
  /** The object a client writes (apiVersion and kind are added). */
  written: Json;
  /** What this version's defaults add, as it reads the object back. */
  defaulted?: Json;
  /** How it reads back where that is not as written (a default replaced a value, a conversion translated one). */
  readBack?: Json;
  /** A subset of the stored form. */
  stored: Json;
  absentWhenStored?: string[];
  /** Subsets of the object as other versions show it. */
  readAs?: Record<string, Json>;
  /** The kind another version calls it, where it differs. */
  readAsKind?: Record<string, string>;
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } };
const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}) });
const maxInt32 = 2147483647;

const workloadCases: VersionCase[] = [
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'Deployment',
    what: 'selector and labels from the template, 1/1 rolling update, unlimited history and deadline',
    written: { metadata: meta('web', 'default'), spec: { replicas: 2, template } },
    defaulted: { metadata: { labels: { app: 'web' } }, spec: { selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }, revisionHistoryLimit: maxInt32, progressDeadlineSeconds: maxInt32 } },
    stored: { apiVersion: 'apps/v1', spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, revisionHistoryLimit: maxInt32, progressDeadlineSeconds: maxInt32 } },
    readAs: { 'apps/v1beta2': { spec: { replicas: 2, strategy: { rollingUpdate: { maxSurge: 1 } } } } },
  },
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'Deployment',
    what: 'rollbackTo kept in the deprecated.deployment.rollback.to annotation',
    written: { metadata: meta('undo', 'default'), spec: { template, rollbackTo: { revision: 3 } } },
    stored: { metadata: { annotations: { 'deprecated.deployment.rollback.to': '3' } } },
    absentWhenStored: ['spec.rollbackTo'],
    readAs: { 'apps/v1': { metadata: { annotations: { 'deprecated.deployment.rollback.to': '3' } } }, 'apps/v1beta1': { spec: { rollbackTo: { revision: 3 } } } },
  },
  {
    apiVersion: 'apps/v1beta1',
    kind: 'Deployment',
    what: 'selector from the template, 25% rolling update, history 2, deadline 600',
    written: { metadata: meta('web', 'default'), spec: { template } },
    defaulted: { spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, strategy: { rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 2, progressDeadlineSeconds: 600 } },
    stored: { spec: { revisionHistoryLimit: 2, progressDeadlineSeconds: 600 } },
  },
  {
    apiVersion: 'apps/v1beta2',
    kind: 'Deployment',
    what: "apps/v1's defaults (history 10)",
    written: { metadata: meta('web', 'default'), spec: { selector: { matchLabels: { app: 'web' } }, template } },
    defaulted: { spec: { revisionHistoryLimit: 10, progressDeadlineSeconds: 600 } },
    stored: { apiVersion: 'apps/v1', spec: { revisionHistoryLimit: 10 } },
  },
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'DaemonSet',
    what: 'OnDelete by default; templateGeneration kept in the annotation',
    written: { metadata: meta('agent', 'default'), spec: { template, templateGeneration: 4 } },
    defaulted: { spec: { selector: { matchLabels: { app: 'web' } }, updateStrategy: { type: 'OnDelete' }, revisionHistoryLimit: 10 } },
    stored: { metadata: { annotations: { 'deprecated.daemonset.template.generation': '4' } }, spec: { updateStrategy: { type: 'OnDelete' } } },
    absentWhenStored: ['spec.templateGeneration'],
  },
  {
    apiVersion: 'apps/v1beta2',
    kind: 'DaemonSet',
    what: 'RollingUpdate by default',
    written: { metadata: meta('agent', 'default'), spec: { selector: { matchLabels: { app: 'web' } }, template } },
    defaulted: { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } } },
    stored: { spec: { updateStrategy: { type: 'RollingUpdate' } } },
  },
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'ReplicaSet',
    what: 'selector and labels from the template',
    written: { metadata: meta('rs', 'default'), spec: { template } },
    defaulted: { metadata: { labels: { app: 'web' } }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } } },
    stored: { apiVersion: 'apps/v1', spec: { selector: { matchLabels: { app: 'web' } } } },
  },
  {
    apiVersion: 'apps/v1beta2',
    kind: 'ReplicaSet',
    what: 'one replica by default',
    written: { metadata: meta('rs', 'default'), spec: { selector: { matchLabels: { app: 'web' } }, template } },
    defaulted: { spec: { replicas: 1 } },
    stored: { spec: { replicas: 1 } },
  },
  {
    apiVersion: 'apps/v1beta1',
    kind: 'StatefulSet',
    what: 'OnDelete by default, selector from the template',
    written: { metadata: meta('db', 'default'), spec: { serviceName: 'db', template } },
    defaulted: { spec: { podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'OnDelete' }, selector: { matchLabels: { app: 'web' } }, revisionHistoryLimit: 10 } },
    stored: { spec: { updateStrategy: { type: 'OnDelete' } } },
  },
  {
    apiVersion: 'apps/v1beta2',
    kind: 'StatefulSet',
    what: 'RollingUpdate with partition 0',
    written: { metadata: meta('db', 'default'), spec: { serviceName: 'db', selector: { matchLabels: { app: 'web' } }, template } },
    defaulted: { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } } },
    stored: { spec: { updateStrategy: { type: 'RollingUpdate' } } },
  },
  {
    apiVersion: 'apps/v1alpha1',
    kind: 'PetSet',
    what: "StatefulSet's first name",
    written: { metadata: meta('pets', 'default'), spec: { serviceName: 'pets', template } },
    defaulted: { spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } } },
    stored: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
    readAs: { 'apps/v1': { kind: 'StatefulSet', spec: { serviceName: 'pets' } } },
    readAsKind: { 'apps/v1': 'StatefulSet' },
  },
  ...['apps/v1beta1', 'apps/v1beta2'].map((apiVersion) => ({
    apiVersion,
    kind: 'ControllerRevision',
    what: 'the apps/v1 shape',
    written: { metadata: meta('rev-1', 'default'), revision: 1, data: { spec: { template } } },
    stored: { apiVersion: 'apps/v1', revision: 1 },
  })),
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'Job',
    what: 'autoSelector is the opposite of manualSelector; a missing selector is the template labels',
    written: { metadata: meta('job', 'default'), spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } } },
    defaulted: { spec: { selector: { matchLabels: { app: 'web' } }, autoSelector: false } },
    stored: { apiVersion: 'batch/v1', spec: { manualSelector: true, selector: { matchLabels: { app: 'web' } } } },
    absentWhenStored: ['spec.autoSelector'],
    readAs: { 'batch/v1': { spec: { manualSelector: true } } },
  },
  {
    apiVersion: 'batch/v1beta1',
    kind: 'CronJob',
    what: 'Allow, not suspended, history 3 and 1',
    written: { metadata: meta('cron', 'default'), spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } } },
    defaulted: { spec: { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 } },
    stored: { apiVersion: 'batch/v1', spec: { successfulJobsHistoryLimit: 3 } },
  },
  {
    apiVersion: 'batch/v2alpha1',
    kind: 'CronJob',
    what: 'no history-limit defaults of its own; the stored form fills them',
    written: { metadata: meta('cron', 'default'), spec: { schedule: '0 * * * *', jobTemplate: { spec: { template } } } },
    defaulted: { spec: { concurrencyPolicy: 'Allow', suspend: false } },
    stored: { spec: { concurrencyPolicy: 'Allow', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 } },
  },
  {
    apiVersion: 'batch/v2alpha1',
    kind: 'ScheduledJob',
    what: "CronJob's 1.4 name",
    written: { metadata: meta('scheduled', 'default'), spec: { schedule: '0 * * * *', jobTemplate: { spec: { template } } } },
    stored: { apiVersion: 'batch/v1', kind: 'CronJob' },
    readAs: { 'batch/v1': { kind: 'CronJob', spec: { schedule: '0 * * * *' } } },
    readAsKind: { 'batch/v1': 'CronJob' },
  },
];

const networkingCases: VersionCase[] = [
  ...['extensions/v1beta1', 'networking.k8s.io/v1beta1'].map((apiVersion) => ({
    apiVersion,
    kind: 'Ingress',
    what: 'serviceName/servicePort ↔ service.name/port, backend ↔ defaultBackend, pathType ImplementationSpecific',
    written: {
      metadata: meta('ing', 'default'),
      spec: {
        backend: { serviceName: 'default', servicePort: 8080 },
        rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', backend: { serviceName: 'web', servicePort: 80 } }, { path: '/api', backend: { serviceName: 'api', servicePort: 'http' } }] } }],
      },
    },
    defaulted: { spec: { rules: [{ http: { paths: [{ pathType: 'ImplementationSpecific' }, { pathType: 'ImplementationSpecific' }] } }] } },
    stored: {
      apiVersion: 'networking.k8s.io/v1',
      spec: {
        defaultBackend: { service: { name: 'default', port: { number: 8080 } } },
        rules: [{ http: { paths: [{ backend: { service: { name: 'web', port: { number: 80 } } } }, { backend: { service: { name: 'api', port: { name: 'http' } } } }] } }],
      },
    },
    absentWhenStored: ['spec.backend'],
  })),
  {
    apiVersion: 'networking.k8s.io/v1beta1',
    kind: 'IngressClass',
    what: 'the v1 shape',
    written: { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx' } },
    stored: { apiVersion: 'networking.k8s.io/v1', spec: { controller: 'k8s.io/ingress-nginx' } },
  },
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'NetworkPolicy',
    what: 'policyTypes from the rules, TCP ports',
    written: { metadata: meta('np', 'default'), spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] } },
    defaulted: { spec: { policyTypes: ['Ingress', 'Egress'], ingress: [{ ports: [{ protocol: 'TCP' }] }] } },
    stored: { apiVersion: 'networking.k8s.io/v1', spec: { policyTypes: ['Ingress', 'Egress'] } },
  },
  ...['networking.k8s.io/v1alpha1', 'networking.k8s.io/v1beta1'].flatMap((apiVersion) => [
    { apiVersion, kind: 'IPAddress', what: 'the v1 shape', written: { metadata: meta('10.96.0.10'), spec: { parentRef: { group: '', resource: 'services', namespace: 'default', name: 'dns' } } }, stored: { spec: { parentRef: { name: 'dns' } } } },
    { apiVersion, kind: 'ServiceCIDR', what: 'the v1 shape', written: { metadata: meta('extra'), spec: { cidrs: ['10.100.0.0/16'] } }, stored: { spec: { cidrs: ['10.100.0.0/16'] } } },
  ]),
];

const autoscalingCases: VersionCase[] = [
  {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    what: 'targetCPUUtilizationPercentage becomes a CPU Utilization metric',
    written: { metadata: meta('web', 'default'), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 60 } },
    defaulted: { spec: { minReplicas: 1 } },
    stored: { apiVersion: 'autoscaling/v2', spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] } },
    absentWhenStored: ['spec.targetCPUUtilizationPercentage'],
  },
  {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    what: 'no target at all: CPU 80%',
    written: { metadata: meta('bare', 'default'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } },
    stored: { spec: { metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 80 } } }] } },
    readAs: { 'autoscaling/v1': { spec: { targetCPUUtilizationPercentage: 80 } } },
  },
  {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    what: 'other metrics and behavior ride in the autoscaling.alpha.kubernetes.io annotations',
    written: {
      metadata: {
        ...meta('annotated', 'default'),
        annotations: {
          'autoscaling.alpha.kubernetes.io/metrics': JSON.stringify([{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }]),
          'autoscaling.alpha.kubernetes.io/behavior': JSON.stringify({ ScaleUp: null, ScaleDown: { StabilizationWindowSeconds: 60, SelectPolicy: 'Min', Policies: [{ Type: 'Pods', Value: 1, PeriodSeconds: 30 }] } }),
        },
      },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 9, targetCPUUtilizationPercentage: 70 },
    },
    stored: {
      spec: {
        metrics: [
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
          { type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: 70 } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] }, scaleUp: { selectPolicy: 'Max' } },
      },
    },
    absentWhenStored: ['metadata.annotations'],
    // A behavior without scaleUp gets the default scale-up rules.
    readBack: { spec: { targetCPUUtilizationPercentage: 70 }, metadata: { annotations: { 'autoscaling.alpha.kubernetes.io/metrics': JSON.stringify([{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }]) } } },
  },
  ...['autoscaling/v2beta1', 'autoscaling/v2alpha1'].map((apiVersion) => ({
    apiVersion,
    kind: 'HorizontalPodAutoscaler',
    what: 'flat metric targets become target objects',
    written: {
      metadata: meta('web', 'default'),
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web' },
        maxReplicas: 4,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', targetAverageValue: '200Mi' } },
          { type: 'Object', object: { target: { kind: 'Service', name: 'web' }, metricName: 'rps', targetValue: '100' } },
          { type: 'External', external: { metricName: 'queue', targetAverageValue: '30' } },
        ],
      },
    },
    defaulted: { spec: { minReplicas: 1 } },
    stored: {
      spec: {
        metrics: [
          { resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } },
          { object: { describedObject: { kind: 'Service', name: 'web' }, metric: { name: 'rps' }, target: { type: 'Value', value: '100' } } },
          { external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
        ],
      },
    },
  })),
  {
    apiVersion: 'autoscaling/v2beta1',
    kind: 'HorizontalPodAutoscaler',
    what: 'no metrics: CPU 80%',
    written: { metadata: meta('plain', 'default'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 4 } },
    defaulted: { spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', targetAverageUtilization: 80 } }] } },
    stored: { spec: { metrics: [{ resource: { target: { type: 'Utilization', averageUtilization: 80 } } }] } },
  },
  {
    apiVersion: 'autoscaling/v2beta2',
    kind: 'HorizontalPodAutoscaler',
    what: 'behavior defaults when behavior is given',
    written: { metadata: meta('web', 'default'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 4, behavior: { scaleDown: { stabilizationWindowSeconds: 120 } } } },
    defaulted: { spec: { behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max' }, scaleDown: { stabilizationWindowSeconds: 120, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } } } },
    stored: { spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 120 } } } },
  },
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'HorizontalPodAutoscaler',
    what: 'scaleRef and cpuUtilization (1.1–1.5)',
    written: { metadata: meta('old', 'default'), spec: { scaleRef: { kind: 'ReplicationController', name: 'web', subresource: 'scale' }, maxReplicas: 3 } },
    defaulted: { spec: { minReplicas: 1 } },
    readBack: { spec: { scaleRef: { kind: 'ReplicationController', name: 'web', subresource: 'scale' }, cpuUtilization: { targetPercentage: 80 } } },
    stored: { apiVersion: 'autoscaling/v2', spec: { scaleTargetRef: { kind: 'ReplicationController', name: 'web' }, metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 80 } } }] } },
    absentWhenStored: ['spec.scaleRef', 'spec.cpuUtilization'],
  },
];

const policyCases: VersionCase[] = [
  ...['policy/v1beta1', 'policy/v1alpha1'].map((apiVersion) => ({
    apiVersion,
    kind: 'PodDisruptionBudget',
    what: 'an empty selector selects no pods (the marker selector in policy/v1)',
    written: { metadata: meta('none', 'default'), spec: { minAvailable: 1, selector: {} } },
    stored: { apiVersion: 'policy/v1', spec: { selector: { matchExpressions: [{ key: 'pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match', operator: 'Exists' }] } } },
    readAs: { 'policy/v1': { spec: { selector: { matchExpressions: [{ operator: 'Exists' }] } } } },
  })),
  {
    apiVersion: 'policy/v1beta1',
    kind: 'PodDisruptionBudget',
    what: 'an ordinary selector is as written',
    written: { metadata: meta('web', 'default'), spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } },
    stored: { spec: { selector: { matchLabels: { app: 'web' } } } },
  },
  {
    apiVersion: 'policy/v1beta1',
    kind: 'PodSecurityPolicy',
    what: 'stored, served, enforced by nothing; allowPrivilegeEscalation true',
    written: { metadata: meta('restricted'), spec: { privileged: false, seLinux: { rule: 'RunAsAny' }, runAsUser: { rule: 'MustRunAsNonRoot' }, fsGroup: { rule: 'RunAsAny' }, supplementalGroups: { rule: 'RunAsAny' } } },
    defaulted: { spec: { allowPrivilegeEscalation: true } },
    stored: { apiVersion: 'policy/v1beta1', spec: { allowPrivilegeEscalation: true } },
  },
  {
    apiVersion: 'extensions/v1beta1',
    kind: 'PodSecurityPolicy',
    what: 'the policy/v1beta1 shape',
    written: { metadata: meta('privileged'), spec: { privileged: true, seLinux: { rule: 'RunAsAny' }, runAsUser: { rule: 'RunAsAny' }, fsGroup: { rule: 'RunAsAny' }, supplementalGroups: { rule: 'RunAsAny' }, volumes: ['*'] } },
    stored: { apiVersion: 'policy/v1beta1', spec: { privileged: true, allowPrivilegeEscalation: true } },
  },
];

const rbacCases: VersionCase[] = [
  {
    apiVersion: 'rbac.authorization.k8s.io/v1alpha1',
    kind: 'ClusterRoleBinding',
    what: "a subject's apiVersion becomes its apiGroup; User * is every authenticated user",
    written: {
      metadata: meta('binding'),
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'default' }, { kind: 'User', name: 'alice' }, { kind: 'User', name: '*' }],
    },
    defaulted: { roleRef: { apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ apiVersion: 'v1' }, { apiVersion: 'rbac.authorization.k8s.io/v1alpha1' }, { apiVersion: 'rbac.authorization.k8s.io/v1alpha1' }] },
    readBack: { subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'User', name: 'alice' }, { kind: 'Group', name: 'system:authenticated' }] },
    stored: { apiVersion: 'rbac.authorization.k8s.io/v1', subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }] },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1alpha1',
    kind: 'RoleBinding',
    what: 'the same for RoleBindings',
    written: { metadata: meta('rb', 'default'), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'Group', name: 'devs' }] },
    stored: { subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }] },
  },
  ...['ClusterRoleBinding', 'RoleBinding'].map((kind) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1beta1',
    kind,
    what: "v1's shape and defaults",
    written: { metadata: meta('b', kind === 'RoleBinding' ? 'default' : undefined), roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'bob' }] },
    defaulted: { roleRef: { apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io' }] },
    stored: { apiVersion: 'rbac.authorization.k8s.io/v1' },
  })),
  ...['rbac.authorization.k8s.io/v1alpha1', 'rbac.authorization.k8s.io/v1beta1'].flatMap((apiVersion) =>
    ['ClusterRole', 'Role'].map((kind) => ({
      apiVersion,
      kind,
      what: "v1's shape",
      written: { metadata: meta('reader', kind === 'Role' ? 'default' : undefined), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
      stored: { apiVersion: 'rbac.authorization.k8s.io/v1', rules: [{ resources: ['pods'] }] },
    })),
  ),
];

const extensionCases: VersionCase[] = [
  {
    apiVersion: 'apiextensions.k8s.io/v1beta1',
    kind: 'CustomResourceDefinition',
    what: 'top-level version, validation, subresources and columns go into each version',
    written: {
      metadata: meta('crontabs.stable.example.com'),
      spec: {
        group: 'stable.example.com',
        version: 'v1',
        names: { plural: 'crontabs', kind: 'CronTab' },
        validation: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' } } } } } },
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Spec', type: 'string', JSONPath: '.spec.cronSpec' }],
      },
    },
    defaulted: { spec: { scope: 'Namespaced', preserveUnknownFields: true, versions: [{ name: 'v1', served: true, storage: true }], names: { singular: 'crontab', listKind: 'CronTabList' } } },
    stored: {
      apiVersion: 'apiextensions.k8s.io/v1',
      spec: {
        preserveUnknownFields: true,
        versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object' } }, subresources: { status: {} }, additionalPrinterColumns: [{ name: 'Spec', jsonPath: '.spec.cronSpec' }] }],
      },
    },
    absentWhenStored: ['spec.version', 'spec.validation', 'spec.subresources', 'spec.additionalPrinterColumns'],
  },
  {
    apiVersion: 'apiextensions.k8s.io/v1beta1',
    kind: 'CustomResourceDefinition',
    what: 'a conversion webhook flat ↔ under webhook, and per-version schemas that differ stay per version',
    written: {
      metadata: meta('widgets.example.com'),
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [
          { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { size: { type: 'integer' } } } } },
          { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
        ],
        conversion: { strategy: 'Webhook', webhookClientConfig: { service: { namespace: 'default', name: 'conv' } } },
      },
    },
    defaulted: { spec: { version: 'v2', conversion: { conversionReviewVersions: ['v1beta1'], webhookClientConfig: { service: { port: 443 } } } } },
    stored: { spec: { conversion: { strategy: 'Webhook', webhook: { clientConfig: { service: { name: 'conv', port: 443 } }, conversionReviewVersions: ['v1beta1'] } } } },
  },
  ...[true, false].map((mutating) => ({
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    kind: mutating ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration',
    what: 'failurePolicy Ignore, matchPolicy Exact, 30 s, sideEffects Unknown, review v1beta1',
    written: { metadata: meta('hooks'), webhooks: [{ name: 'a.example.com', clientConfig: { service: { namespace: 'd', name: 'hook' } }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }] },
    defaulted: {
      webhooks: [
        {
          failurePolicy: 'Ignore',
          matchPolicy: 'Exact',
          timeoutSeconds: 30,
          sideEffects: 'Unknown',
          admissionReviewVersions: ['v1beta1'],
          namespaceSelector: {},
          objectSelector: {},
          rules: [{ scope: '*' }],
          clientConfig: { service: { port: 443 } },
          ...(mutating ? { reinvocationPolicy: 'Never' } : {}),
        },
      ],
    },
    stored: { apiVersion: 'admissionregistration.k8s.io/v1', webhooks: [{ failurePolicy: 'Ignore', timeoutSeconds: 30 }] },
    readAs: { 'admissionregistration.k8s.io/v1': { webhooks: [{ failurePolicy: 'Ignore', matchPolicy: 'Exact' }] } },
  })),
  {
    apiVersion: 'admissionregistration.k8s.io/v1alpha1',
    kind: 'ExternalAdmissionHookConfiguration',
    what: "ValidatingWebhookConfiguration's first form",
    written: { metadata: meta('external'), externalAdmissionHooks: [{ name: 'b.example.com', clientConfig: { service: { namespace: 'd', name: 'hook' } } }] },
    stored: { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', webhooks: [{ name: 'b.example.com' }] },
    absentWhenStored: ['externalAdmissionHooks'],
  },
  ...['admissionregistration.k8s.io/v1alpha1', 'admissionregistration.k8s.io/v1beta1'].flatMap((apiVersion) => [
    {
      apiVersion,
      kind: 'ValidatingAdmissionPolicy',
      what: "v1's shape",
      written: { metadata: meta('policy'), spec: { validations: [{ expression: 'object.spec.replicas <= 5' }] } },
      stored: { apiVersion: 'admissionregistration.k8s.io/v1', spec: { validations: [{ expression: 'object.spec.replicas <= 5' }] } },
    },
    {
      apiVersion,
      kind: 'ValidatingAdmissionPolicyBinding',
      what: "v1's shape",
      written: { metadata: meta('binding'), spec: { policyName: 'policy', validationActions: ['Deny'] } },
      stored: { spec: { policyName: 'policy' } },
    },
  ]),
  {
    apiVersion: 'apiregistration.k8s.io/v1beta1',
    kind: 'APIService',
    what: 'service port 443',
    written: { metadata: meta('v1beta1.metrics.example.com'), spec: { group: 'metrics.example.com', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics' } } },
    defaulted: { spec: { service: { port: 443 } } },
    stored: { apiVersion: 'apiregistration.k8s.io/v1' },
  },
];

const clusterCases: VersionCase[] = [
  ...['certificates.k8s.io/v1beta1', 'certificates.k8s.io/v1alpha1'].map((apiVersion) => ({
    apiVersion,
    kind: 'CertificateSigningRequest',
    what: 'usages and a signerName derived from the request',
    written: { metadata: meta('csr'), spec: { request: Buffer.from('not a certificate request').toString('base64') } },
    defaulted: { spec: { usages: ['digital signature', 'key encipherment'], signerName: 'kubernetes.io/legacy-unknown' } },
    stored: { apiVersion: 'certificates.k8s.io/v1', spec: { signerName: 'kubernetes.io/legacy-unknown' } },
  })),
  { apiVersion: 'coordination.k8s.io/v1beta1', kind: 'Lease', what: "v1's shape", written: { metadata: meta('lock', 'default'), spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } }, stored: { apiVersion: 'coordination.k8s.io/v1' } },
  {
    apiVersion: 'coordination.k8s.io/v1alpha1',
    kind: 'LeaseCandidate',
    what: 'preferredStrategies: the first is the strategy, the list kept for the way back',
    written: { metadata: meta('candidate', 'kube-system'), spec: { leaseName: 'kcm', binaryVersion: '1.31.0', preferredStrategies: ['OldestEmulationVersion', 'Other'] } },
    stored: { apiVersion: 'coordination.k8s.io/v1beta1', spec: { strategy: 'OldestEmulationVersion' } },
    absentWhenStored: ['spec.preferredStrategies'],
  },
  {
    apiVersion: 'coordination.k8s.io/v1alpha2',
    kind: 'LeaseCandidate',
    what: "v1beta1's shape",
    written: { metadata: meta('candidate', 'kube-system'), spec: { leaseName: 'kcm', binaryVersion: '1.32.0', strategy: 'OldestEmulationVersion' } },
    stored: { spec: { strategy: 'OldestEmulationVersion' } },
    readAs: { 'coordination.k8s.io/v1alpha1': { spec: { preferredStrategies: ['OldestEmulationVersion'] } } },
  },
  ...['discovery.k8s.io/v1beta1', 'discovery.k8s.io/v1alpha1'].map((apiVersion) => ({
    apiVersion,
    kind: 'EndpointSlice',
    what: 'topology splits into zone, nodeName and deprecatedTopology; ports get a name and TCP',
    written: {
      metadata: meta('web-abc', 'default'),
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.0.5'], nodeName: 'n1', topology: { 'topology.kubernetes.io/zone': 'z1', 'kubernetes.io/hostname': 'n1', rack: 'r7' } }],
      ports: [{ port: 80 }],
    },
    defaulted: { ports: [{ name: '', protocol: 'TCP', port: 80 }] },
    stored: { apiVersion: 'discovery.k8s.io/v1', endpoints: [{ zone: 'z1', nodeName: 'n1', deprecatedTopology: { rack: 'r7' } }] },
  })),
  ...['events.k8s.io/v1beta1', 'events.k8s.io/v1'].map((apiVersion) => ({
    apiVersion,
    kind: 'Event',
    what: 'regarding/note/reportingController ↔ core/v1 involvedObject/message/reportingComponent',
    written: { metadata: meta('ev', 'default'), eventTime: '2025-05-01T12:00:00.000000Z', reason: 'Started', note: 'started', type: 'Normal', action: 'Start', reportingController: 'k2/kubelet', reportingInstance: 'n1', regarding: { kind: 'Pod', name: 'p', namespace: 'default' } },
    stored: { apiVersion: 'v1', message: 'started', reportingComponent: 'k2/kubelet', involvedObject: { kind: 'Pod', name: 'p' } },
    absentWhenStored: ['note', 'regarding'],
  })),
  ...['node.k8s.io/v1beta1'].map((apiVersion) => ({ apiVersion, kind: 'RuntimeClass', what: "v1's shape", written: { metadata: meta('gvisor'), handler: 'runsc' }, stored: { apiVersion: 'node.k8s.io/v1', handler: 'runsc' } })),
  {
    apiVersion: 'node.k8s.io/v1alpha1',
    kind: 'RuntimeClass',
    what: 'spec.runtimeHandler ↔ handler',
    written: { metadata: meta('kata'), spec: { runtimeHandler: 'kata', overhead: { podFixed: { memory: '120Mi' } } } },
    stored: { handler: 'kata', overhead: { podFixed: { memory: '120Mi' } } },
    absentWhenStored: ['spec'],
  },
  ...['scheduling.k8s.io/v1beta1', 'scheduling.k8s.io/v1alpha1'].map((apiVersion) => ({
    apiVersion,
    kind: 'PriorityClass',
    what: 'preemptionPolicy PreemptLowerPriority',
    written: { metadata: meta('high'), value: 1000, description: 'important' },
    defaulted: { preemptionPolicy: 'PreemptLowerPriority' },
    stored: { apiVersion: 'scheduling.k8s.io/v1', value: 1000 },
  })),
  ...['flowcontrol.apiserver.k8s.io/v1beta3', 'flowcontrol.apiserver.k8s.io/v1beta2', 'flowcontrol.apiserver.k8s.io/v1beta1', 'flowcontrol.apiserver.k8s.io/v1alpha1'].map((apiVersion) => ({
    apiVersion,
    kind: 'FlowSchema',
    what: 'matchingPrecedence 1000',
    written: { metadata: meta('fs'), spec: { priorityLevelConfiguration: { name: 'global-default' }, rules: [{ subjects: [{ kind: 'Group', group: { name: 'system:authenticated' } }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }] } },
    defaulted: { spec: { matchingPrecedence: 1000 } },
    stored: { apiVersion: 'flowcontrol.apiserver.k8s.io/v1' },
  })),
  ...(['v1beta3', 'v1beta2', 'v1beta1', 'v1alpha1'] as const).map((version) => {
    const field = version === 'v1beta3' ? 'nominalConcurrencyShares' : 'assuredConcurrencyShares';
    return {
      apiVersion: `flowcontrol.apiserver.k8s.io/${version}`,
      kind: 'PriorityLevelConfiguration',
      what: `${field}: 0 means the default 30`,
      written: { metadata: meta('workload'), spec: { type: 'Limited', limited: { [field]: 0, limitResponse: { type: 'Queue', queuing: {} } } } },
      readBack: { spec: { type: 'Limited', limited: { [field]: 30 } } },
      defaulted: { spec: { limited: { [field]: 30, limitResponse: { queuing: { handSize: 8, queues: 64, queueLengthLimit: 50 } } } } },
      stored: { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', spec: { limited: { nominalConcurrencyShares: 30 } } },
    };
  }),
  {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2',
    kind: 'PriorityLevelConfiguration',
    what: 'a zero that means zero: the preserve-zero annotation',
    written: { metadata: { ...meta('zero'), annotations: { 'flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares': '' } }, spec: { type: 'Limited', limited: { assuredConcurrencyShares: 0, limitResponse: { type: 'Reject' } } } },
    stored: { spec: { limited: { nominalConcurrencyShares: 0 } } },
    absentWhenStored: ['metadata.annotations'],
  },
];

const storageCases: VersionCase[] = [
  { apiVersion: 'storage.k8s.io/v1beta1', kind: 'StorageClass', what: 'Delete and Immediate', written: { metadata: meta('fast'), provisioner: 'kubernetes.io/gce-pd' }, defaulted: { reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' }, stored: { apiVersion: 'storage.k8s.io/v1' } },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kind: 'CSIDriver',
    what: 'attachRequired, podInfoOnMount, lifecycle modes',
    written: { metadata: meta('hostpath.csi.k8s.io'), spec: { podInfoOnMount: true } },
    defaulted: { spec: { attachRequired: true, podInfoOnMount: true, volumeLifecycleModes: ['Persistent'] } },
    stored: { apiVersion: 'storage.k8s.io/v1' },
  },
  { apiVersion: 'storage.k8s.io/v1beta1', kind: 'CSINode', what: "v1's shape", written: { metadata: meta('n1'), spec: { drivers: [{ name: 'hostpath.csi.k8s.io', nodeID: 'n1' }] } }, stored: { apiVersion: 'storage.k8s.io/v1' } },
  ...['storage.k8s.io/v1beta1', 'storage.k8s.io/v1alpha1'].flatMap((apiVersion) => [
    { apiVersion, kind: 'CSIStorageCapacity', what: "v1's shape", written: { metadata: meta('cap', 'default'), storageClassName: 'fast', capacity: '10Gi' }, stored: { apiVersion: 'storage.k8s.io/v1', capacity: '10Gi' } },
    { apiVersion, kind: 'VolumeAttachment', what: "v1's shape", written: { metadata: meta('va'), spec: { attacher: 'csi', nodeName: 'n1', source: { persistentVolumeName: 'pv' } } }, stored: { apiVersion: 'storage.k8s.io/v1' } },
  ]),
  { apiVersion: 'storage.k8s.io/v1alpha1', kind: 'VolumeAttributesClass', what: "v1beta1's shape", written: { metadata: meta('gold'), driverName: 'csi', parameters: { iops: '5000' } }, stored: { apiVersion: 'storage.k8s.io/v1beta1', driverName: 'csi' } },
];

const resourceCases: VersionCase[] = [
  ...['DeviceClass', 'ResourceClaimTemplate', 'ResourceClaim'].map((kind) => ({
    apiVersion: 'resource.k8s.io/v1alpha3',
    kind,
    what: "v1beta1's shape",
    written:
      kind === 'DeviceClass'
        ? { metadata: meta('gpu'), spec: { selectors: [{ cel: { expression: "device.driver == 'gpu.example.com'" } }] } }
        : kind === 'ResourceClaim'
          ? { metadata: meta('claim', 'default'), spec: { devices: { requests: [{ name: 'gpu', deviceClassName: 'gpu' }] } } }
          : { metadata: meta('tmpl', 'default'), spec: { spec: { devices: { requests: [{ name: 'gpu', deviceClassName: 'gpu' }] } } } },
    stored: { apiVersion: 'resource.k8s.io/v1beta1' },
  })),
  {
    apiVersion: 'resource.k8s.io/v1alpha3',
    kind: 'ResourceSlice',
    what: 'a device capacity is a bare quantity (v1beta1 wraps it in value)',
    written: { metadata: meta('node-1-gpu'), spec: { driver: 'gpu.example.com', pool: { name: 'node-1', generation: 1, resourceSliceCount: 1 }, nodeName: 'node-1', devices: [{ name: 'gpu-0', basic: { capacity: { memory: '40Gi' } } }] } },
    stored: { apiVersion: 'resource.k8s.io/v1beta1', spec: { devices: [{ basic: { capacity: { memory: { value: '40Gi' } } } }] } },
  },
  { apiVersion: 'resource.k8s.io/v1alpha3', kind: 'PodSchedulingContext', what: 'the stored form', written: { metadata: meta('pod', 'default'), spec: { selectedNode: 'n1' } }, stored: { spec: { selectedNode: 'n1' } } },
  { apiVersion: 'resource.k8s.io/v1alpha2', kind: 'PodSchedulingContext', what: "v1alpha3's shape", written: { metadata: meta('pod', 'default'), spec: { potentialNodes: ['n1', 'n2'] } }, stored: { apiVersion: 'resource.k8s.io/v1alpha3' } },
  { apiVersion: 'resource.k8s.io/v1alpha1', kind: 'PodScheduling', what: "PodSchedulingContext's first name", written: { metadata: meta('pod', 'default'), spec: { selectedNode: 'n2' } }, stored: { kind: 'PodSchedulingContext' } },
  ...['resource.k8s.io/v1alpha2', 'resource.k8s.io/v1alpha1'].flatMap((apiVersion) => [
    {
      apiVersion,
      kind: 'ResourceClaim',
      what: 'the classic claim is kept whole; consumers map to the stored form',
      written: { metadata: meta('classic', 'default'), spec: { resourceClassName: 'gpu', parametersRef: { kind: 'ConfigMap', name: 'params' } }, status: { driverName: 'gpu.example.com', reservedFor: [{ resource: 'pods', name: 'p', uid: 'u1' }] } },
      defaulted: { spec: { allocationMode: 'WaitForFirstConsumer' } },
      stored: { apiVersion: 'resource.k8s.io/v1beta1', spec: { devices: {} }, status: { reservedFor: [{ name: 'p' }] }, metadata: { annotations: { 'versionless.k2.io/resource-classic-claim': expect.stringContaining('"resourceClassName":"gpu"') } } },
    },
    {
      apiVersion,
      kind: 'ResourceClaimTemplate',
      what: 'the classic claim spec is kept whole',
      written: { metadata: meta('classic', 'default'), spec: { spec: { resourceClassName: 'gpu', allocationMode: 'Immediate' } } },
      stored: { apiVersion: 'resource.k8s.io/v1beta1', spec: { spec: { devices: {} } } },
    },
    { apiVersion, kind: 'ResourceClass', what: 'stored in v1alpha2', written: { metadata: meta('gpu'), driverName: 'gpu.example.com' }, stored: { apiVersion: 'resource.k8s.io/v1alpha2', driverName: 'gpu.example.com' } },
  ]),
];

const reviewCases: VersionCase[] = [
  ...['SubjectAccessReview', 'LocalSubjectAccessReview'].map((kind) => ({
    apiVersion: 'authorization.k8s.io/v1beta1',
    kind,
    what: 'spec.group ↔ spec.groups',
    written: { metadata: kind === 'LocalSubjectAccessReview' ? { namespace: 'default' } : {}, spec: { user: 'alice', group: ['devs'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } } },
    stored: { apiVersion: 'authorization.k8s.io/v1', spec: { groups: ['devs'] } },
    absentWhenStored: ['spec.group'],
  })),
  ...['SelfSubjectAccessReview', 'SelfSubjectRulesReview'].map((kind) => ({
    apiVersion: 'authorization.k8s.io/v1beta1',
    kind,
    what: "v1's shape",
    written: { metadata: {}, spec: kind === 'SelfSubjectRulesReview' ? { namespace: 'default' } : { resourceAttributes: { verb: 'list', resource: 'pods' } } },
    stored: { apiVersion: 'authorization.k8s.io/v1' },
  })),
  { apiVersion: 'authentication.k8s.io/v1beta1', kind: 'TokenReview', what: "v1's shape", written: { metadata: {}, spec: { token: 'abc' } }, stored: { apiVersion: 'authentication.k8s.io/v1', spec: { token: 'abc' } } },
  ...['authentication.k8s.io/v1beta1', 'authentication.k8s.io/v1alpha1'].map((apiVersion) => ({ apiVersion, kind: 'SelfSubjectReview', what: "v1's shape", written: { metadata: {} }, stored: { apiVersion: 'authentication.k8s.io/v1' } })),
];

export const versionCases: VersionCase[] = [...workloadCases, ...networkingCases, ...autoscalingCases, ...policyCases, ...rbacCases, ...extensionCases, ...clusterCases, ...storageCases, ...resourceCases, ...reviewCases];

/**
 * Stored objects with the fields conversions touch (beyond test/tables/fixtures.ts), by storage
 * resource: each is read through every version of its kind and written back.
 */
export const richStoredObjects: Record<string, any[]> = {
  'horizontalpodautoscalers.autoscaling': [
    {
      metadata: { name: 'rich', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 20,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'Pods', pods: { metric: { name: 'qps', selector: { matchLabels: { tier: 'front' } } }, target: { type: 'AverageValue', averageValue: '1k' } } },
          { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'web' }, metric: { name: 'rps' }, target: { type: 'Value', value: '500' } } },
          { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '30' } } },
          { type: 'ContainerResource', containerResource: { name: 'memory', container: 'app', target: { type: 'AverageValue', averageValue: '300Mi' } } },
        ],
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
          scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
        },
      },
      status: {
        currentReplicas: 4,
        desiredReplicas: 5,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 85, averageValue: '170m' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '1200' } } },
        ],
        conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2025-05-01T11:00:00Z', reason: 'ReadyForNewScale', message: 'ok' }],
      },
    },
  ],
  'ingresses.networking.k8s.io': [
    {
      metadata: { name: 'rich', namespace: 'default' },
      spec: {
        ingressClassName: 'nginx',
        defaultBackend: { resource: { apiGroup: 'example.com', kind: 'Bucket', name: 'static' } },
        tls: [{ hosts: ['a.example.com'], secretName: 'tls' }],
        rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }, { path: '/x', pathType: 'Exact', backend: { service: { name: 'x', port: { name: 'http' } } } }] } }],
      },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
    },
  ],
  'endpointslices.discovery.k8s.io': [
    {
      metadata: { name: 'rich', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.1.0.5'], nodeName: 'n1', zone: 'z1', conditions: { ready: true } },
        { addresses: ['10.1.0.6'], nodeName: 'n2', deprecatedTopology: { 'kubernetes.io/hostname': 'other', rack: 'r1' } },
        { addresses: ['10.1.0.7'] },
      ],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
  ],
  'poddisruptionbudgets.policy': [
    { metadata: { name: 'all', namespace: 'default' }, spec: { minAvailable: 1, selector: {} } },
    { metadata: { name: 'none', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchExpressions: [{ key: 'pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match', operator: 'Exists' }] } } },
  ],
  'customresourcedefinitions.apiextensions.k8s.io': [
    {
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList' },
        versions: [
          { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { a: { type: 'string' } } } }, additionalPrinterColumns: [{ name: 'A', type: 'string', jsonPath: '.a' }] },
          { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } }, additionalPrinterColumns: [{ name: 'A', type: 'string', jsonPath: '.a' }] },
        ],
        conversion: { strategy: 'None' },
      },
    },
  ],
  'clusterrolebindings.rbac.authorization.k8s.io': [
    {
      metadata: { name: 'rich' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'kube-system' }, { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }],
    },
  ],
  'cronjobs.batch': [
    {
      metadata: { name: 'zoned', namespace: 'default' },
      spec: { schedule: '0 3 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, jobTemplate: { spec: { template } } },
      status: { lastScheduleTime: '2025-05-01T03:00:00Z', lastSuccessfulTime: '2025-05-01T03:00:10Z' },
    },
  ],
  'prioritylevelconfigurations.flowcontrol.apiserver.k8s.io': [
    { metadata: { name: 'zero' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 0, lendablePercent: 0, limitResponse: { type: 'Reject' } } } },
    { metadata: { name: 'queued' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 40, lendablePercent: 10, limitResponse: { type: 'Queue', queuing: { handSize: 6, queues: 32, queueLengthLimit: 50 } } } } },
  ],
  'runtimeclasses.node.k8s.io': [{ metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '250m' } }, scheduling: { nodeSelector: { runtime: 'kata' } } }],
  'deployments.apps': [
    {
      metadata: { name: 'rolling-back', namespace: 'default', labels: { app: 'web' }, annotations: { 'deprecated.deployment.rollback.to': '2' } },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
    },
  ],
  'daemonsets.apps': [
    {
      metadata: { name: 'agent', namespace: 'default', labels: { app: 'web' }, annotations: { 'deprecated.daemonset.template.generation': '3' } },
      spec: { selector: { matchLabels: { app: 'web' } }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
    },
  ],
  'jobs.batch': [
    {
      metadata: { name: 'manual', namespace: 'default', labels: { app: 'web' } },
      spec: { manualSelector: true, selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } }, parallelism: 1, completions: 1, backoffLimit: 6 },
    },
  ],
  'podsecuritypolicies.policy': [
    {
      metadata: { name: 'restricted' },
      spec: {
        privileged: false,
        allowPrivilegeEscalation: false,
        requiredDropCapabilities: ['ALL'],
        volumes: ['configMap', 'secret'],
        allowedCSIDrivers: [{ name: 'csi.example.com' }],
        runtimeClass: { allowedRuntimeClassNames: ['gvisor'] },
        seLinux: { rule: 'RunAsAny' },
        runAsUser: { rule: 'MustRunAsNonRoot' },
        fsGroup: { rule: 'MustRunAs', ranges: [{ min: 1, max: 65535 }] },
        supplementalGroups: { rule: 'RunAsAny' },
      },
    },
  ],
  'podschedulingcontexts.resource.k8s.io': [{ metadata: { name: 'pod', namespace: 'default' }, spec: { selectedNode: 'n1', potentialNodes: ['n1', 'n2'] }, status: { resourceClaims: [{ name: 'gpu', unsuitableNodes: ['n2'] }] } }],
  'resourceclasses.resource.k8s.io': [{ metadata: { name: 'gpu' }, driverName: 'gpu.example.com', suitableNodes: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }] } }],
  'resourceclaims.resource.k8s.io': [
    {
      metadata: { name: 'claim', namespace: 'default' },
      spec: { devices: { requests: [{ name: 'gpu', deviceClassName: 'gpu', allocationMode: 'ExactCount', count: 1 }] } },
      status: { allocation: { devices: { results: [{ request: 'gpu', driver: 'gpu.example.com', pool: 'n1', device: 'gpu-0' }] } }, reservedFor: [{ resource: 'pods', name: 'p', uid: 'u1' }] },
    },
  ],
  'leasecandidates.coordination.k8s.io': [
    { metadata: { name: 'kcm-1', namespace: 'kube-system', annotations: { 'versionless.k2.io/coordination-v1alpha1-preferred-strategies': '["OldestEmulationVersion","Other"]' } }, spec: { leaseName: 'kcm', binaryVersion: '1.33.0', strategy: 'OldestEmulationVersion' } },
  ],
};
