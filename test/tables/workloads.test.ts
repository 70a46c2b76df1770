// Workload tables: Deployments, ReplicaSets, ReplicationControllers, StatefulSets, DaemonSets, Jobs,
// CronJobs, HorizontalPodAutoscalers, PodDisruptionBudgets, ControllerRevisions and Scale.

import { describe, expect, it } from 'vitest';
import { builtinTableConvertor } from '../../apiserver/tables/index.ts';
import { ago, cellsOf, meta, now, samples } from './fixtures.ts';

describe('Deployment', () => {
  it('prints READY as ready/desired, UP-TO-DATE and AVAILABLE as integers, then the wide cells', () => {
    expect(cellsOf('apps', 'deployments', samples['apps/deployments'])).toEqual(['web', '2/3', 3, 2, '5m', 'nginx,sidecar', 'nginx:1.27,busybox:1.36', 'app=web']);
  });

  it('prints a fresh deployment with no status as 0/N', () => {
    const fresh = { metadata: meta('new'), spec: { replicas: 2, selector: { matchLabels: { app: 'new' } }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    expect(cellsOf('apps', 'deployments', fresh).slice(0, 4)).toEqual(['new', '0/2', 0, 0]);
  });

  it('prints selector expressions in selector syntax', () => {
    const deployment = {
      ...samples['apps/deployments'],
      spec: { ...samples['apps/deployments'].spec, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] } },
    };
    expect(cellsOf('apps', 'deployments', deployment)[7]).toBe('app=web,track notin (canary)');
  });
});

describe('ReplicaSet and ReplicationController', () => {
  it('prints DESIRED, CURRENT, READY as integers and the label selector', () => {
    expect(cellsOf('apps', 'replicasets', samples['apps/replicasets'])).toEqual([
      'web-5d4f8',
      3,
      3,
      3,
      '5m',
      'nginx,sidecar',
      'nginx:1.27,busybox:1.36',
      'app=web,pod-template-hash=5d4f8',
    ]);
  });

  it('prints a ReplicationController selector as a label map', () => {
    expect(cellsOf('', 'replicationcontrollers', samples['/replicationcontrollers'])).toEqual(['legacy', 2, 2, 1, '5m', 'nginx,sidecar', 'nginx:1.27,busybox:1.36', 'app=legacy']);
  });

  it('prints empty container cells for a controller without a template', () => {
    expect(cellsOf('', 'replicationcontrollers', { metadata: meta('bare'), spec: { replicas: 0, selector: { a: 'b' } } })).toEqual(['bare', 0, 0, 0, '5m', '', '', 'a=b']);
  });
});

describe('StatefulSet', () => {
  it('prints READY and the container cells, no selector', () => {
    expect(cellsOf('apps', 'statefulsets', samples['apps/statefulsets'])).toEqual(['db', '2/3', '5m', 'nginx,sidecar', 'nginx:1.27,busybox:1.36']);
  });
});

describe('DaemonSet', () => {
  it('prints the scheduling counts, the node selector and the label selector', () => {
    expect(cellsOf('apps', 'daemonsets', samples['apps/daemonsets'])).toEqual([
      'agent',
      3,
      3,
      2,
      3,
      2,
      'kubernetes.io/os=linux',
      '5m',
      'nginx,sidecar',
      'nginx:1.27,busybox:1.36',
      'app=agent',
    ]);
  });

  it('prints <none> without a node selector', () => {
    const set = { metadata: meta('all'), spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [] } } }, status: {} };
    expect(cellsOf('apps', 'daemonsets', set)[6]).toBe('<none>');
  });
});

describe('Job', () => {
  const job = (spec: any, status: any, metadata: any = {}) => ({ metadata: { ...meta('job'), ...metadata }, spec: { template: { spec: { containers: [] } }, ...spec }, status });
  const row = (subject: any) => {
    const [name, status, completions, duration, age] = cellsOf('batch', 'jobs', subject);
    return { name, status, completions, duration, age };
  };

  it('prints a finished job: Complete, completions and how long it ran', () => {
    expect(row(samples['batch/jobs'])).toEqual({ name: 'migrate', status: 'Complete', completions: '1/1', duration: '30s', age: '5m' });
  });

  it.each([
    ['Failed', job({ completions: 1 }, { conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] })],
    ['Terminating', job({ completions: 1 }, {}, { deletionTimestamp: ago(1) })],
    ['Suspended', job({ completions: 1, suspend: true }, { conditions: [{ type: 'Suspended', status: 'True' }] })],
    ['FailureTarget', job({ completions: 1 }, { conditions: [{ type: 'FailureTarget', status: 'True' }] })],
    ['Running', job({ completions: 1 }, { conditions: [{ type: 'Suspended', status: 'False' }] })],
    ['Complete', job({ completions: 1 }, { conditions: [{ type: 'Complete', status: 'True' }, { type: 'Failed', status: 'True' }] })],
    // Only the first condition of a type counts.
    ['Running', job({ completions: 1 }, { conditions: [{ type: 'Complete', status: 'False' }, { type: 'Complete', status: 'True' }] })],
  ])('STATUS %s', (expected, subject) => {
    expect(row(subject).status).toBe(expected);
  });

  it.each([
    ['3/5', job({ completions: 5, parallelism: 2 }, { succeeded: 3 })],
    ['2/1 of 4', job({ parallelism: 4 }, { succeeded: 2 })],
    ['0/1', job({ parallelism: 1 }, {})],
    ['0/1', job({}, {})],
  ])('COMPLETIONS %s', (expected, subject) => {
    expect(row(subject).completions).toBe(expected);
  });

  it('prints DURATION empty before the start, growing while it runs or after it failed', () => {
    expect(row(job({}, {})).duration).toBe('');
    expect(row(job({}, { startTime: ago(95) })).duration).toBe('95s');
    expect(row(job({}, { startTime: ago(4000), conditions: [{ type: 'Failed', status: 'True' }] })).duration).toBe('66m');
  });

  it('prints the wide cells with the job selector', () => {
    expect(cellsOf('batch', 'jobs', samples['batch/jobs']).slice(5)).toEqual(['nginx,sidecar', 'nginx:1.27,busybox:1.36', 'batch.kubernetes.io/controller-uid=u1']);
  });
});

describe('CronJob', () => {
  it('prints schedule, time zone, SUSPEND as text, active jobs and the last schedule', () => {
    expect(cellsOf('batch', 'cronjobs', samples['batch/cronjobs'])).toEqual([
      'nightly',
      '0 3 * * *',
      '<none>',
      'False',
      1,
      '60m',
      '5m',
      'nginx,sidecar',
      'nginx:1.27,busybox:1.36',
      '<none>',
    ]);
  });

  it('prints a time zone, True, <unset> and a cronjob that never ran', () => {
    const cronJob = { metadata: meta('c'), spec: { schedule: '@hourly', timeZone: 'Europe/Paris', suspend: true, jobTemplate: { spec: { template: { spec: {} } } } }, status: {} };
    expect(cellsOf('batch', 'cronjobs', cronJob).slice(1, 6)).toEqual(['@hourly', 'Europe/Paris', 'True', 0, '<none>']);
    const { suspend: _unset, ...withoutSuspend } = cronJob.spec;
    expect(cellsOf('batch', 'cronjobs', { ...cronJob, spec: withoutSuspend })[3]).toBe('<unset>');
  });
});

describe('HorizontalPodAutoscaler (autoscaling/v2)', () => {
  const hpa = (metrics: any[] | undefined, currentMetrics?: any[], extra: any = {}) => ({
    metadata: meta('web'),
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, maxReplicas: 10, metrics, ...extra },
    status: { currentReplicas: 4, currentMetrics },
  });
  const targets = (subject: any) => cellsOf('autoscaling', 'horizontalpodautoscalers', subject)[2];

  it('prints reference, targets, MINPODS as text, MAXPODS and REPLICAS as integers', () => {
    expect(cellsOf('autoscaling', 'horizontalpodautoscalers', samples['autoscaling/horizontalpodautoscalers'])).toEqual(['web', 'Deployment/web', 'cpu: 45%/80%', '1', 10, 3, '5m']);
  });

  it('prints <unset> without minReplicas and <none> without metrics', () => {
    const row = cellsOf('autoscaling', 'horizontalpodautoscalers', hpa(undefined));
    expect([row[2], row[3]]).toEqual(['<none>', '<unset>']);
  });

  it.each([
    ['resource utilization without status', [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } }], undefined, 'memory: <unknown>/70%'],
    [
      'resource utilization with no target percentage',
      [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }],
      [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } }],
      'cpu: 12%/<auto>',
    ],
    [
      'resource average value',
      [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } }],
      [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '300Mi', averageUtilization: 50 } } }],
      'memory: 300Mi/512Mi',
    ],
    [
      'container resource utilization',
      [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } }],
      [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', current: { averageUtilization: 75 } } }],
      'cpu: 75%/60%',
    ],
    [
      'pods metric',
      [{ type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '1k' } } }],
      [{ type: 'Pods', pods: { metric: { name: 'rps' }, current: { averageValue: '1500m' } } }],
      '1500m/1k',
    ],
    ['pods metric without status', [{ type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } }], undefined, '<unknown>/10'],
    [
      'object metric with a value',
      [{ type: 'Object', object: { describedObject: { kind: 'Ingress', name: 'web' }, metric: { name: 'hits' }, target: { type: 'Value', value: '10k' } } }],
      [{ type: 'Object', object: { metric: { name: 'hits' }, current: { value: '2k' } } }],
      '2k/10k',
    ],
    [
      'external metric with an average value',
      [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } }],
      [{ type: 'External', external: { metric: { name: 'queue' }, current: { averageValue: '12' } } }],
      '12/30 (avg)',
    ],
    ['external metric without status', [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } }], undefined, '<unknown>/30 (avg)'],
    ['a metric type it does not know', [{ type: 'Magic' }], undefined, '<unknown type>'],
  ])('prints %s', (_case, metrics, current, expected) => {
    expect(targets(hpa(metrics, current))).toBe(expected);
  });

  it('shows the first two metrics and counts the rest', () => {
    const metric = (name: string, percent: number) => ({ type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization: percent } } });
    const current = (name: string, percent: number) => ({ type: 'Resource', resource: { name, current: { averageUtilization: percent } } });
    expect(targets(hpa([metric('cpu', 80), metric('memory', 70), metric('cpu', 90), metric('memory', 95)], [current('cpu', 10), current('memory', 20)]))).toBe(
      'cpu: 10%/80%, memory: 20%/70% + 2 more...',
    );
  });

  it('matches status metrics by position only', () => {
    const metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } },
    ];
    expect(targets(hpa(metrics, [{ type: 'Resource', resource: { name: 'memory', current: { averageUtilization: 33 } } }]))).toBe('cpu: 33%/80%, memory: <unknown>/70%');
  });
});

describe('PodDisruptionBudget', () => {
  it('prints min available and N/A for the unset bound', () => {
    expect(cellsOf('policy', 'poddisruptionbudgets', samples['policy/poddisruptionbudgets'])).toEqual(['web-pdb', '1', 'N/A', 2, '5m']);
  });

  it('prints a percentage', () => {
    expect(cellsOf('policy', 'poddisruptionbudgets', { metadata: meta('p'), spec: { maxUnavailable: '25%' }, status: {} })).toEqual(['p', 'N/A', '25%', 0, '5m']);
  });
});

describe('ControllerRevision', () => {
  it('names the controlling owner as kind.group/name', () => {
    expect(cellsOf('apps', 'controllerrevisions', samples['apps/controllerrevisions'])).toEqual(['db-7c9d', 'statefulset.apps/db', 2, '5m']);
  });

  it('prints a core owner without group and <none> without a controller', () => {
    const owned = (ownerReferences: any[]) => ({ metadata: meta('r', { ownerReferences }), revision: 1 });
    expect(cellsOf('apps', 'controllerrevisions', owned([{ apiVersion: 'v1', kind: 'Pod', name: 'x', controller: true }]))[1]).toBe('pod/x');
    expect(cellsOf('apps', 'controllerrevisions', owned([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'x' }]))[1]).toBe('<none>');
  });
});

describe('Scale subresource', () => {
  it('prints desired and available replicas', () => {
    expect(builtinTableConvertor('apps', 'deployments/scale')!.cells(samples['*/scale'], now)).toEqual(['web', 3, 2, '5m']);
  });
});
