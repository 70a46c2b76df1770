// `kubectl get pods`: READY, STATUS, RESTARTS and the wide columns for every case of kube-apiserver 1.33's printer.

import { describe, expect, it } from 'vitest';
import { builtinTableConvertor, renderTable } from '../../apiserver/tables/index.ts';
import { ago, meta, now } from './fixtures.ts';

const pods = builtinTableConvertor('', 'pods')!;

/** The row of a pod as column name → cell. */
function row(pod: any): Record<string, unknown> {
  const cells = pods.cells(pod, now);
  return Object.fromEntries(pods.columnDefinitions.map((c, i) => [c.name, cells[i]]));
}

function pod(spec: any, status: any, metadata: any = {}): any {
  return { metadata: { ...meta('p', { namespace: 'default' }), ...metadata }, spec: { containers: [{ name: 'app', image: 'app:1' }], ...spec }, status };
}

const running = (name: string, extra: any = {}) => ({ name, ready: true, started: true, restartCount: 0, state: { running: { startedAt: ago(200) } }, ...extra });
const waiting = (name: string, reason: string, extra: any = {}) => ({ name, ready: false, restartCount: 0, state: { waiting: { reason } }, ...extra });
const terminated = (name: string, terminatedState: any, extra: any = {}) => ({ name, ready: false, restartCount: 0, state: { terminated: terminatedState }, ...extra });

const twoInits = [
  { name: 'init-a', image: 'busybox' },
  { name: 'init-b', image: 'busybox' },
];

describe('pod STATUS', () => {
  it.each([
    ['the phase when nothing else applies', pod({}, { phase: 'Pending' }), 'Pending'],
    ['an empty phase as an empty string', pod({}, {}), ''],
    ['status.reason over the phase', pod({}, { phase: 'Failed', reason: 'Evicted', message: 'low on memory' }), 'Evicted'],
    [
      'SchedulingGated from the PodScheduled condition',
      pod({ schedulingGates: [{ name: 'example.com/quota' }] }, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      'SchedulingGated',
    ],
    ['a running container', pod({}, { phase: 'Running', containerStatuses: [running('app')] }), 'Running'],
    ['ContainerCreating while waiting', pod({}, { phase: 'Pending', containerStatuses: [waiting('app', 'ContainerCreating')] }), 'ContainerCreating'],
    ['CrashLoopBackOff', pod({}, { phase: 'Running', containerStatuses: [waiting('app', 'CrashLoopBackOff')] }), 'CrashLoopBackOff'],
    ['ImagePullBackOff', pod({}, { phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff')] }), 'ImagePullBackOff'],
    ['ErrImagePull', pod({}, { phase: 'Pending', containerStatuses: [waiting('app', 'ErrImagePull')] }), 'ErrImagePull'],
    ['CreateContainerConfigError', pod({}, { phase: 'Pending', containerStatuses: [waiting('app', 'CreateContainerConfigError')] }), 'CreateContainerConfigError'],
    ['Completed from a terminated container', pod({}, { phase: 'Succeeded', containerStatuses: [terminated('app', { exitCode: 0, reason: 'Completed' })] }), 'Completed'],
    ['Error', pod({}, { phase: 'Failed', containerStatuses: [terminated('app', { exitCode: 1, reason: 'Error' })] }), 'Error'],
    ['OOMKilled', pod({}, { phase: 'Running', containerStatuses: [terminated('app', { exitCode: 137, reason: 'OOMKilled' })] }), 'OOMKilled'],
    ['Signal:N when the termination has no reason', pod({}, { phase: 'Failed', containerStatuses: [terminated('app', { exitCode: 143, signal: 15 })] }), 'Signal:15'],
    ['ExitCode:N when it has neither reason nor signal', pod({}, { phase: 'Failed', containerStatuses: [terminated('app', { exitCode: 3 })] }), 'ExitCode:3'],
    [
      'the first container in trouble, not the last',
      pod(
        { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
        { phase: 'Running', containerStatuses: [running('a'), waiting('b', 'CrashLoopBackOff'), terminated('c', { exitCode: 1, reason: 'Error' })] },
      ),
      'CrashLoopBackOff',
    ],
    [
      'Running when a Completed sibling leaves a running container and the pod is Ready',
      pod(
        { containers: [{ name: 'job' }, { name: 'proxy' }] },
        {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [terminated('job', { exitCode: 0, reason: 'Completed' }), running('proxy')],
        },
      ),
      'Running',
    ],
    [
      'NotReady when a Completed sibling leaves a running container but the pod is not Ready',
      pod(
        { containers: [{ name: 'job' }, { name: 'proxy' }] },
        {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [terminated('job', { exitCode: 0, reason: 'Completed' }), running('proxy')],
        },
      ),
      'NotReady',
    ],
    [
      // Kubernetes 1.33 still shows Completed here; the failed sibling only wins in later releases.
      'Completed over a failed sibling that sorts after it',
      pod(
        { containers: [{ name: 'a' }, { name: 'b' }] },
        { phase: 'Failed', containerStatuses: [terminated('a', { exitCode: 0, reason: 'Completed' }), terminated('b', { exitCode: 1, reason: 'Error' })] },
      ),
      'Completed',
    ],
  ])('shows %s', (_case, subject, expected) => {
    expect(row(subject).Status).toBe(expected);
  });

  describe('init containers', () => {
    it.each([
      ['Init:i/n while the i-th init container runs', [terminated('init-a', { exitCode: 0, reason: 'Completed' }), running('init-b', { ready: false })], 'Init:1/2'],
      ['Init:0/n before any has started', [waiting('init-a', 'PodInitializing'), waiting('init-b', 'PodInitializing')], 'Init:0/2'],
      ['Init:<reason> for a waiting init container', [waiting('init-a', 'CrashLoopBackOff'), waiting('init-b', 'PodInitializing')], 'Init:CrashLoopBackOff'],
      ['Init:ErrImagePull', [terminated('init-a', { exitCode: 0 }), waiting('init-b', 'ErrImagePull')], 'Init:ErrImagePull'],
      ['Init:<reason> for a failed init container', [terminated('init-a', { exitCode: 1, reason: 'Error' }), waiting('init-b', 'PodInitializing')], 'Init:Error'],
      ['Init:Signal:N for a killed init container', [terminated('init-a', { exitCode: 137, signal: 9 })], 'Init:Signal:9'],
      ['Init:ExitCode:N for a failed one without reason', [terminated('init-a', { exitCode: 2 })], 'Init:ExitCode:2'],
    ])('shows %s', (_case, initContainerStatuses, expected) => {
      const subject = pod({ initContainers: twoInits }, { phase: 'Pending', initContainerStatuses, containerStatuses: [waiting('app', 'PodInitializing')] });
      expect(row(subject).Status).toBe(expected);
      expect(row(subject).Ready).toBe('0/1');
    });

    it('lets the regular containers speak once init containers are done', () => {
      const subject = pod(
        { initContainers: twoInits },
        {
          phase: 'Running',
          initContainerStatuses: [terminated('init-a', { exitCode: 0, reason: 'Completed' }), terminated('init-b', { exitCode: 0, reason: 'Completed' })],
          containerStatuses: [running('app')],
        },
      );
      expect(row(subject)).toMatchObject({ Ready: '1/1', Status: 'Running' });
    });

    it('walks the regular containers when the Initialized condition is True, even if an init status says otherwise', () => {
      const subject = (containerStatus: any) =>
        pod(
          { initContainers: twoInits },
          {
            phase: 'Running',
            conditions: [{ type: 'Initialized', status: 'True' }],
            initContainerStatuses: [terminated('init-a', { exitCode: 0 }), waiting('init-b', 'PodInitializing')],
            containerStatuses: [containerStatus],
          },
        );
      expect(row(subject(waiting('app', 'ContainerCreating')))).toMatchObject({ Ready: '0/1', Status: 'ContainerCreating' });
      // A running container counts as ready but does not replace the init text.
      expect(row(subject(running('app')))).toMatchObject({ Ready: '1/1', Status: 'Init:1/2' });
    });
  });

  describe('deletion', () => {
    it('shows Terminating for a pod being deleted that has not finished', () => {
      const subject = pod({}, { phase: 'Running', containerStatuses: [running('app')] }, { deletionTimestamp: ago(5), deletionGracePeriodSeconds: 30 });
      expect(row(subject).Status).toBe('Terminating');
    });

    it('keeps the final state of a finished pod being deleted', () => {
      const subject = pod({}, { phase: 'Succeeded', containerStatuses: [terminated('app', { exitCode: 0, reason: 'Completed' })] }, { deletionTimestamp: ago(5) });
      expect(row(subject).Status).toBe('Completed');
    });

    it('shows Unknown for a pod on a lost node being deleted, NodeLost before that', () => {
      const lost = pod({}, { phase: 'Running', reason: 'NodeLost' });
      expect(row(lost).Status).toBe('NodeLost');
      expect(row({ ...lost, metadata: { ...lost.metadata, deletionTimestamp: ago(5) } }).Status).toBe('Unknown');
    });
  });
});

describe('pod READY', () => {
  it('counts sidecars (restartable init containers) that started and are ready', () => {
    const subject = pod(
      { initContainers: [{ name: 'mesh', image: 'proxy', restartPolicy: 'Always' }, { name: 'setup', image: 'busybox' }], containers: [{ name: 'a' }, { name: 'b' }] },
      {
        phase: 'Running',
        initContainerStatuses: [running('mesh'), terminated('setup', { exitCode: 0, reason: 'Completed' })],
        containerStatuses: [running('a'), running('b', { ready: false })],
      },
    );
    expect(row(subject)).toMatchObject({ Ready: '2/3', Status: 'Running' });
  });

  it('counts a sidecar in the total but not as ready while it is not ready', () => {
    const subject = pod(
      { initContainers: [{ name: 'mesh', restartPolicy: 'Always' }] },
      { phase: 'Running', initContainerStatuses: [running('mesh', { ready: false })], containerStatuses: [running('app')] },
    );
    expect(row(subject).Ready).toBe('1/2');
  });

  it('shows Init:0/1 while a sidecar has not started', () => {
    const subject = pod(
      { initContainers: [{ name: 'mesh', restartPolicy: 'Always' }] },
      { phase: 'Pending', initContainerStatuses: [waiting('mesh', 'PodInitializing', { started: false })], containerStatuses: [waiting('app', 'PodInitializing')] },
    );
    expect(row(subject)).toMatchObject({ Ready: '0/2', Status: 'Init:0/1' });
  });

  it('does not count a ready container that is not running', () => {
    const subject = pod({}, { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { waiting: { reason: '' } } }] });
    expect(row(subject).Ready).toBe('0/1');
  });
});

describe('pod RESTARTS', () => {
  it('prints the count alone without restarts', () => {
    expect(row(pod({}, { phase: 'Running', containerStatuses: [running('app')] })).Restarts).toBe('0');
  });

  it('adds how long ago the latest restart was', () => {
    const subject = pod(
      { containers: [{ name: 'a' }, { name: 'b' }] },
      {
        phase: 'Running',
        containerStatuses: [
          running('a', { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(3600) } } }),
          running('b', { restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(312) } } }),
        ],
      },
    );
    expect(row(subject).Restarts).toBe('3 (5m12s ago)');
  });

  it('prints only the count when no previous termination time is known', () => {
    const subject = pod({}, { phase: 'Running', containerStatuses: [running('app', { restartCount: 4 })] });
    expect(row(subject).Restarts).toBe('4');
  });

  it('counts the init containers visited while the pod is still initializing', () => {
    const subject = pod(
      { initContainers: twoInits },
      {
        phase: 'Pending',
        initContainerStatuses: [
          terminated('init-a', { exitCode: 0 }, { restartCount: 1, lastState: { terminated: { finishedAt: ago(7200) } } }),
          waiting('init-b', 'CrashLoopBackOff', { restartCount: 5, lastState: { terminated: { exitCode: 1, finishedAt: ago(45) } } }),
        ],
        containerStatuses: [waiting('app', 'PodInitializing', { restartCount: 9 })],
      },
    );
    expect(row(subject)).toMatchObject({ Status: 'Init:CrashLoopBackOff', Restarts: '6 (45s ago)' });
  });

  it('counts sidecar restarts with the regular containers once initialized, but not finished init containers', () => {
    const subject = pod(
      { initContainers: [{ name: 'setup' }, { name: 'mesh', restartPolicy: 'Always' }] },
      {
        phase: 'Running',
        initContainerStatuses: [
          terminated('setup', { exitCode: 0 }, { restartCount: 7, lastState: { terminated: { finishedAt: ago(60) } } }),
          running('mesh', { restartCount: 2, lastState: { terminated: { finishedAt: ago(400) } } }),
        ],
        containerStatuses: [running('app', { restartCount: 1, lastState: { terminated: { finishedAt: ago(9000) } } })],
      },
    );
    expect(row(subject).Restarts).toBe('3 (6m40s ago)');
  });
});

describe('pod wide columns', () => {
  it('prints IP, node, nominated node and readiness gates', () => {
    const subject = pod(
      { nodeName: 'node-2', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
      {
        phase: 'Running',
        podIPs: [{ ip: 'fd00:42::5' }, { ip: '10.42.0.5' }],
        nominatedNodeName: 'node-3',
        conditions: [
          { type: 'example.com/lb', status: 'True' },
          { type: 'example.com/dns', status: 'False' },
        ],
        containerStatuses: [running('app')],
      },
    );
    expect(row(subject)).toMatchObject({ IP: 'fd00:42::5', Node: 'node-2', 'Nominated Node': 'node-3', 'Readiness Gates': '1/2' });
  });

  it('prints <none> for what is not there', () => {
    expect(row(pod({}, { phase: 'Pending' }))).toMatchObject({ IP: '<none>', Node: '<none>', 'Nominated Node': '<none>', 'Readiness Gates': '<none>' });
  });

  it('prefers status.podIP over podIPs, as the conversion to Kubernetes\' internal form does', () => {
    expect(row(pod({}, { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.8' }] })).IP).toBe('10.0.0.9');
  });

  it('prints the age and the name', () => {
    expect(row(pod({}, { phase: 'Running' }))).toMatchObject({ Name: 'p', Age: '5m' });
  });
});

describe('pod row conditions', () => {
  it('marks finished pods Completed and leaves the others without conditions', () => {
    const table = renderTable(pods, [pod({}, { phase: 'Succeeded' }), pod({}, { phase: 'Failed' }), pod({}, { phase: 'Running' })], { now });
    expect(table.rows![0]!.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    expect(table.rows![1]!.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
    expect(table.rows![2]).not.toHaveProperty('conditions');
  });
});
