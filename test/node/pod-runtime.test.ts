// PodRuntime against real containerd: what `kubectl get pod -o yaml` would show, and what a process inside the
// pod sees (environment, files, cgroup limits), for the pod features the node runs.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cidrContains, primaryNodeAddress } from '../../kubelet-bridge/network/cni.ts';
import { podCgroupUids } from '../../kubelet-bridge/pod/cgroups.ts';
import type { PodObjectResolver } from '../../kubelet-bridge/pod/downward.ts';
import { PodRuntime } from '../../kubelet-bridge/pod/runtime.ts';
import { PodSyncLoop } from '../../kubelet-bridge/pod/sync-loop.ts';
import { parseCriLog, streamContainerLog } from '../../kubelet-bridge/pod/logs.ts';
import { PodMetricsCollector, podMetricsItem } from '../../kubelet-bridge/pod/metrics.ts';
import { Writable } from 'node:stream';
import type { Container, Pod, PodStatus } from '../../kubelet-bridge/pod/types.ts';
import { busyboxImage, startTestContainerd, type TestContainerd, containerdHookTimeoutMs } from './containerd-fixture.ts';

let containerd: TestContainerd;
let runtime: PodRuntime;
const hostIP = primaryNodeAddress();
const configMaps = new Map<string, Record<string, string>>([['default/settings', { greeting: 'hello', 'app.conf': 'mode=fast\n' }]]);
const secrets = new Map<string, Record<string, string>>([['default/creds', { password: 's3cret' }]]);
const tokenRequests: { pod: string; audience?: string; expirationSeconds: number }[] = [];

/** Test-only resolver: the objects a real API would hold. */
const resolver: PodObjectResolver = {
  async configMap(namespace, name) {
    const data = configMaps.get(`${namespace}/${name}`);
    return data && { data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])) };
  },
  async secret(namespace, name) {
    const data = secrets.get(`${namespace}/${name}`);
    return data && { data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])) };
  },
  async serviceAccountToken(pod, request) {
    tokenRequests.push({ pod: pod.metadata.name!, ...request });
    return `token-for-${pod.metadata.name}-${request.audience ?? 'api'}`;
  },
};

beforeAll(async () => {
  containerd = await startTestContainerd();
  runtime = new PodRuntime({
    cri: containerd.runtime.cri,
    dataDir: containerd.dataDir,
    node: { nodeName: 'node-1', hostIP, allocatable: { cpuCores: 2, memoryBytes: 8 * 2 ** 30 } },
    resolver,
    dns: { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local' },
    backoff: { initialMs: 400, maxMs: 1600, resetAfterMs: 60_000 },
    log: containerd.log,
  });
}, containerdHookTimeoutMs);

afterAll(async () => {
  runtime?.close();
  await containerd?.stop();
});

function makePod(name: string, containers: Container[], extra: Partial<Pod['spec']> = {}, labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace: 'default', uid: randomUUID(), labels },
    spec: { containers: containers.map((c) => ({ image: busyboxImage, ...c })), terminationGracePeriodSeconds: 5, ...extra, initContainers: extra.initContainers?.map((c) => ({ image: busyboxImage, ...c })) },
  };
}

/** Syncs the pod (as the agent's loop would) until `done` holds for its status. */
async function syncUntil(pod: Pod, done: (status: PodStatus) => boolean, timeoutMs = 20_000): Promise<PodStatus> {
  const deadline = Date.now() + timeoutMs;
  let status: PodStatus | undefined;
  while (Date.now() < deadline) {
    status = await runtime.sync(pod);
    pod.status = status;
    if (done(status)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pod ${pod.metadata.name} did not reach the wanted state in ${timeoutMs} ms; last status: ${JSON.stringify(status, null, 1)}`);
}

async function exec(pod: Pod, container: string, command: string[]): Promise<{ stdout: string; exitCode: number }> {
  const containerId = await runtime.streamEndpoints(pod).containerId(container);
  const result = await containerd.runtime.cri.call('ExecSync', { containerId, cmd: command, timeout: 10 });
  return { stdout: Buffer.from(result.stdout).toString(), exitCode: result.exitCode };
}

const running = (name: string) => (s: PodStatus) => s.phase === 'Running' && !!s.containerStatuses?.find((c) => c.name === name)?.state.running;

describe('a pod with init containers, environment, volumes and limits', () => {
  const pod = makePod(
    'full',
    [
      {
        name: 'app',
        command: ['sh', '-c'],
        args: ['echo started $(GREETING) > /work/app.log; exec sleep 3600'],
        env: [
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
          { name: 'MEM_LIMIT_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'COMPOSED', value: '$(POD_NAME)-on-$(NODE) $$(literal)' },
          { name: 'MISSING_OPTIONAL', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
        ],
        envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
        resources: { limits: { memory: '64Mi', cpu: '500m' }, requests: { cpu: '250m', memory: '32Mi' } },
        volumeMounts: [
          { name: 'work', mountPath: '/work' },
          { name: 'config', mountPath: '/etc/config' },
          { name: 'secret', mountPath: '/etc/secret' },
          { name: 'podinfo', mountPath: '/etc/podinfo' },
          { name: 'token', mountPath: '/var/run/secrets/tokens' },
          { name: 'work', mountPath: '/sub', subPath: 'nested/dir' },
        ],
      },
    ],
    {
      initContainers: [
        { name: 'prepare', command: ['sh', '-c', 'echo prepared > /work/init.txt'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'check', command: ['sh', '-c', 'test "$(cat /work/init.txt)" = prepared && echo checked >> /work/init.txt'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
      volumes: [
        { name: 'work', emptyDir: {} },
        { name: 'config', configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } },
        { name: 'secret', secret: { secretName: 'creds' } },
        { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'api-token', audience: 'vault', expirationSeconds: 600 } }, { configMap: { name: 'settings', items: [{ key: 'greeting', path: 'greeting' }] } }] } },
      ],
    },
    { tier: 'backend', app: 'full' },
  );
  let status: PodStatus;

  beforeAll(async () => {
    status = await syncUntil(pod, running('app'));
  }, 60_000);

  it('reports the status kubectl shows', () => {
    expect(status.phase).toBe('Running');
    expect(status.hostIP).toBe(hostIP);
    expect(status.podIP && cidrContains(containerd.podSubnet, status.podIP)).toBe(true);
    expect(status.podIPs).toEqual([{ ip: status.podIP }]);
    expect(Date.parse(status.startTime!)).toBeGreaterThan(Date.now() - 120_000);
    expect(status.qosClass).toBe('Burstable');
    const conditions = Object.fromEntries(status.conditions!.map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodReadyToStartContainers: 'True' });
    expect(status.initContainerStatuses!.map((c) => [c.name, c.state.terminated?.exitCode, c.state.terminated?.reason])).toEqual([
      ['prepare', 0, 'Completed'],
      ['check', 0, 'Completed'],
    ]);
    const app = status.containerStatuses![0]!;
    expect(app).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, image: busyboxImage });
    expect(app.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(app.imageID).toMatch(/sha256:[0-9a-f]{64}/);
  });

  it('ran the init containers in order before the app', async () => {
    expect((await exec(pod, 'app', ['cat', '/work/init.txt'])).stdout).toBe('prepared\nchecked\n');
    expect((await exec(pod, 'app', ['cat', '/work/app.log'])).stdout).toBe('started hello\n');
  });

  it('sets the environment from values, fields, resources, ConfigMaps and Secrets', async () => {
    const env = Object.fromEntries(
      (await exec(pod, 'app', ['cat', '/proc/self/environ'])).stdout
        .split('\0')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      GREETING: 'hello',
      PASSWORD: 's3cret',
      POD_NAME: 'full',
      POD_IP: status.podIP,
      NODE: 'node-1',
      TIER: 'backend',
      MEM_LIMIT_MI: '64',
      COMPOSED: 'full-on-node-1 $(literal)',
      CFG_greeting: 'hello',
      'CFG_app.conf': 'mode=fast\n',
    });
    expect(env).not.toHaveProperty('MISSING_OPTIONAL');
  });

  it('mounts configMap, secret, downwardAPI, projected and subPath volumes', async () => {
    expect((await exec(pod, 'app', ['cat', '/etc/config/conf/app.conf'])).stdout).toBe('mode=fast\n');
    expect((await exec(pod, 'app', ['stat', '-L', '-c', '%a', '/etc/config/conf/app.conf'])).stdout.trim()).toBe('600');
    expect((await exec(pod, 'app', ['cat', '/etc/secret/password'])).stdout).toBe('s3cret');
    expect((await exec(pod, 'app', ['cat', '/etc/podinfo/labels'])).stdout).toBe('app="full"\ntier="backend"');
    expect((await exec(pod, 'app', ['cat', '/etc/podinfo/name'])).stdout).toBe('full');
    expect((await exec(pod, 'app', ['cat', '/var/run/secrets/tokens/api-token'])).stdout).toBe('token-for-full-vault');
    expect((await exec(pod, 'app', ['cat', '/var/run/secrets/tokens/greeting'])).stdout).toBe('hello');
    expect(tokenRequests).toContainEqual({ pod: 'full', audience: 'vault', expirationSeconds: 600 });
    expect((await exec(pod, 'app', ['sh', '-c', 'echo x > /etc/config/new'])).exitCode).not.toBe(0); // read-only
    await exec(pod, 'app', ['sh', '-c', 'echo deep > /sub/file']);
    expect((await exec(pod, 'app', ['cat', '/work/nested/dir/file'])).stdout).toBe('deep\n');
  });

  it('applies memory and cpu limits to the container cgroup', async () => {
    expect((await exec(pod, 'app', ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'])).stdout.trim()).toBe(String(64 * 2 ** 20));
    expect((await exec(pod, 'app', ['cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us'])).stdout.trim()).toBe('50000');
    expect((await exec(pod, 'app', ['cat', '/sys/fs/cgroup/cpu/cpu.shares'])).stdout.trim()).toBe('256');
  });

  it('writes /etc/hosts and resolv.conf for the pod', async () => {
    expect((await exec(pod, 'app', ['cat', '/etc/hosts'])).stdout).toContain(`${status.podIP}\tfull`);
    const resolv = (await exec(pod, 'app', ['cat', '/etc/resolv.conf'])).stdout;
    expect(resolv).toContain('nameserver 10.43.0.10');
    expect(resolv).toContain('search default.svc.cluster.local svc.cluster.local cluster.local');
    expect(resolv).toContain('options ndots:5');
    expect((await exec(pod, 'app', ['hostname'])).stdout).toBe('full\n');
  });

  it('updates a configMap volume when the ConfigMap changes', async () => {
    configMaps.set('default/settings', { greeting: 'hello', 'app.conf': 'mode=slow\n' });
    await runtime.sync(pod);
    expect((await exec(pod, 'app', ['cat', '/etc/config/conf/app.conf'])).stdout).toBe('mode=slow\n');
    configMaps.set('default/settings', { greeting: 'hello', 'app.conf': 'mode=fast\n' });
  });

  it('stops within the grace period and is removed with its cgroups and folders', async () => {
    const started = Date.now();
    const stopped = await runtime.kill(pod, 2);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stopped.containerStatuses![0]!.state.terminated).toBeDefined();
    expect(await podCgroupUids('/kubepods')).toContain(pod.metadata.uid);
    await runtime.remove(pod.metadata.uid!);
    expect(await podCgroupUids('/kubepods')).not.toContain(pod.metadata.uid);
    expect(existsSync(runtime.podDir(pod.metadata.uid!))).toBe(false);
    const { items } = await containerd.runtime.cri.call('ListPodSandbox', { filter: { labelSelector: { 'io.kubernetes.pod.uid': pod.metadata.uid! } } });
    expect(items).toEqual([]);
  });
});

describe('restarts, probes and completion', () => {
  it('shows CrashLoopBackOff with a growing back-off and the right restartCount', async () => {
    const pod = makePod('crasher', [{ name: 'c', command: ['sh', '-c', 'echo oops; exit 2'] }]);
    const messages = new Set<string>();
    const status = await syncUntil(pod, (s) => {
      const c = s.containerStatuses![0]!;
      if (c.state.waiting?.reason === 'CrashLoopBackOff') messages.add(/back-off (\S+)/.exec(c.state.waiting.message!)![1]!);
      return c.restartCount >= 3 && c.state.waiting?.reason === 'CrashLoopBackOff';
    });
    const c = status.containerStatuses![0]!;
    expect(status.phase).toBe('Running');
    expect(c.lastState.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(c.ready).toBe(false);
    // 400 ms, 800 ms, 1.6 s: Go-style durations rounded to seconds
    expect([...messages]).toEqual(expect.arrayContaining(['0s', '1s', '2s']));
    await runtime.kill(pod, 0);
    await runtime.remove(pod.metadata.uid!);
  });

  it('completes pods with restartPolicy Never: Succeeded or Failed', async () => {
    const ok = makePod('done-ok', [{ name: 'c', command: ['true'] }], { restartPolicy: 'Never' });
    const bad = makePod('done-bad', [{ name: 'c', command: ['sh', '-c', 'echo broken > /dev/termination-log; exit 7'] }], { restartPolicy: 'Never' });
    const okStatus = await syncUntil(ok, (s) => s.phase === 'Succeeded');
    expect(okStatus.containerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(okStatus.podIP && cidrContains(containerd.podSubnet, okStatus.podIP)).toBe(true); // kept after the sandbox stopped
    const badStatus = await syncUntil(bad, (s) => s.phase === 'Failed');
    expect(badStatus.containerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 7, reason: 'Error', message: 'broken\n' });
    expect(badStatus.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    // A finished pod is not started again.
    expect((await runtime.sync(bad)).containerStatuses![0]!.restartCount).toBe(0);
    for (const pod of [ok, bad]) await runtime.remove(pod.metadata.uid!);
  });

  it('follows readiness probes and restarts on liveness failure', async () => {
    const pod = makePod('probed', [
      {
        name: 'web',
        command: ['sh', '-c', 'echo up > /var/www/index.html; exec httpd -f -p 8080 -h /var/www'],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { exec: { command: ['test', '-e', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
        livenessProbe: { httpGet: { path: '/index.html', port: 'http' }, periodSeconds: 1, failureThreshold: 2 },
        startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
      },
    ]);
    const first = await syncUntil(pod, (s) => !!s.containerStatuses?.[0]?.started);
    expect(first.containerStatuses![0]!.ready).toBe(false);
    await exec(pod, 'web', ['touch', '/tmp/ready']);
    const ready = await syncUntil(pod, (s) => s.containerStatuses![0]!.ready);
    expect(ready.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    await exec(pod, 'web', ['rm', '/var/www/index.html']);
    const restarted = await syncUntil(pod, (s) => s.containerStatuses![0]!.restartCount === 1 && !!s.containerStatuses![0]!.state.running);
    expect(restarted.containerStatuses![0]!.lastState.terminated).toBeDefined();
    expect(restarted.containerStatuses![0]!.ready).toBe(false); // the new container has no /tmp/ready
    await runtime.kill(pod, 0);
    await runtime.remove(pod.metadata.uid!);
  }, 40_000);

  it('runs preStop and ends a pod that ignores SIGTERM after its grace period', async () => {
    const pod = makePod('stubborn', [
      {
        name: 'c',
        command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"],
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo stopping > /shared/prestop'] } } },
        volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
      },
    ], { volumes: [{ name: 'shared', emptyDir: {} }] });
    await syncUntil(pod, running('c'));
    const started = Date.now();
    const status = await runtime.kill(pod, 2);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(6000);
    expect(status.containerStatuses![0]!.state.terminated?.exitCode).toBe(137);
    expect(readFileSync(join(runtime.podDir(pod.metadata.uid!), 'volumes', 'empty-dir', 'shared', 'prestop'), 'utf8')).toBe('stopping\n');
    await runtime.remove(pod.metadata.uid!);
  });
});

describe('pod variants and failures', () => {
  it('runs host-network pods with the node’s address and no host name of their own', async () => {
    const pod = makePod('hostnet', [{ name: 'c', command: ['sleep', '3600'] }], { hostNetwork: true });
    const status = await syncUntil(pod, running('c'));
    expect(status.podIP).toBe(hostIP);
    expect((await exec(pod, 'c', ['hostname'])).stdout.trim()).toBe((await import('node:os')).hostname());
    await runtime.kill(pod, 0);
    await runtime.remove(pod.metadata.uid!);
  });

  it('applies the security context: user, group, read-only root, capabilities', async () => {
    const pod = makePod('secure', [
      {
        name: 'c',
        command: ['sleep', '3600'],
        securityContext: { runAsUser: 1000, runAsGroup: 3000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ], { securityContext: { supplementalGroups: [4000] } });
    await syncUntil(pod, running('c'));
    expect((await exec(pod, 'c', ['id'])).stdout.trim()).toMatch(/^uid=1000 gid=3000 groups=(3000,)?4000/);
    expect((await exec(pod, 'c', ['touch', '/written'])).exitCode).not.toBe(0);
    const status = (await exec(pod, 'c', ['cat', '/proc/self/status'])).stdout;
    expect(/CapEff:\s+(\S+)/.exec(status)![1]).toBe('0000000000000000');
    expect(/NoNewPrivs:\s+(\d)/.exec(status)![1]).toBe('1');
    await runtime.kill(pod, 0);
    await runtime.remove(pod.metadata.uid!);
  });

  it('maps a hostPort to the pod', async () => {
    const pod = makePod('porty', [{ name: 'web', command: ['sh', '-c', 'echo via-hostport > /var/www/index.html; exec httpd -f -p 80 -h /var/www'], ports: [{ containerPort: 80, hostPort: 18080 }] }]);
    await syncUntil(pod, running('web'));
    const { get } = await import('node:http');
    const fetchOnce = () =>
      new Promise<string>((resolve, reject) => {
        const req = get({ host: hostIP, port: 18080, path: '/', timeout: 5000 }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
    let body = '';
    for (let attempt = 0; attempt < 20 && !body; attempt++) {
      // httpd may still be starting right after the container does
      body = await fetchOnce().catch(async (error: Error) => {
        if (attempt === 19) throw error;
        await new Promise((r) => setTimeout(r, 100));
        return '';
      });
    }
    expect(body).toBe('via-hostport\n');
    await runtime.kill(pod, 0);
    await runtime.remove(pod.metadata.uid!);
  });

  it('reports ErrImagePull, then ImagePullBackOff, for an image that cannot be had', async () => {
    const pod = makePod('noimage', [{ name: 'c', image: 'localhost:1/absent/image:1', command: ['true'] }]);
    const first = await syncUntil(pod, (s) => !!s.containerStatuses?.[0]?.state.waiting?.reason?.startsWith('Err'));
    expect(first.containerStatuses![0]!.state.waiting!.reason).toBe('ErrImagePull');
    expect(first.phase).toBe('Pending');
    const second = await runtime.sync(pod);
    expect(second.containerStatuses![0]!.state.waiting!.reason).toBe('ImagePullBackOff');
    await runtime.remove(pod.metadata.uid!);
  });

  it('reports CreateContainerConfigError for a missing ConfigMap and starts once it exists', async () => {
    const pod = makePod('needsconfig', [{ name: 'c', command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'later', key: 'x' } } }] }]);
    const waiting = await syncUntil(pod, (s) => !!s.containerStatuses?.[0]?.state.waiting?.message);
    expect(waiting.containerStatuses![0]!.state.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "later" not found' });
    configMaps.set('default/later', { x: '1' });
    await syncUntil(pod, running('c'));
    await runtime.kill(pod, 0);
    await runtime.remove(pod.metadata.uid!);
  });

  it('waits for a missing ConfigMap volume, then starts; fails a pod past its activeDeadlineSeconds', async () => {
    const pod = makePod('deadline', [{ name: 'c', command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/v' }] }], {
      activeDeadlineSeconds: 3,
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'v', configMap: { name: 'arrives-later' } }],
    });
    const waiting = await syncUntil(pod, (s) => !!s.containerStatuses?.[0]?.state.waiting?.message);
    expect(waiting.containerStatuses![0]!.state.waiting).toEqual({ reason: 'ContainerCreating', message: 'MountVolume.SetUp failed: configmap "arrives-later" not found' });
    configMaps.set('default/arrives-later', { k: 'v' });
    const started = await syncUntil(pod, running('c'));
    expect(started.containerStatuses![0]!.state.waiting).toBeUndefined();
    const failed = await syncUntil(pod, (s) => s.phase === 'Failed', 10_000);
    expect(failed).toMatchObject({ reason: 'DeadlineExceeded' });
    expect(failed.containerStatuses![0]!.state.terminated).toBeDefined();
    await runtime.remove(pod.metadata.uid!);
  });

  it('garbage-collects sandboxes and cgroups of pods the node no longer runs', async () => {
    const keep = makePod('keep', [{ name: 'c', command: ['sleep', '3600'] }]);
    const orphan = makePod('orphan', [{ name: 'c', command: ['sleep', '3600'] }]);
    await syncUntil(keep, running('c'));
    await syncUntil(orphan, running('c'));
    const collected = await runtime.garbageCollect(new Set([keep.metadata.uid!]));
    expect(collected.pods).toContain(orphan.metadata.uid);
    expect(collected.pods).not.toContain(keep.metadata.uid);
    const { items } = await containerd.runtime.cri.call('ListPodSandbox', {});
    expect(items.map((s) => s.metadata?.name)).toEqual(['keep']);
    expect(await podCgroupUids('/kubepods')).not.toContain(orphan.metadata.uid);
    await runtime.remove(keep.metadata.uid!);
  });
});

describe('the sync loop the node agent drives', () => {
  it('starts a pod, reports each status change, restarts on exit, and reports termination after deletion', async () => {
    const statuses: PodStatus[] = [];
    const terminated: string[] = [];
    const loop = new PodSyncLoop(runtime, {
      onStatus: (_pod, status) => void statuses.push(status),
      onTerminated: (pod) => void terminated.push(pod.metadata.name!),
      relistMs: 100,
      resyncMs: 1000,
    });
    loop.start();
    try {
      const pod = makePod('looped', [{ name: 'c', command: ['sh', '-c', 'sleep 0.5; exit 1'] }]);
      loop.update(pod);
      const waitFor = async (check: () => boolean, what: string) => {
        const deadline = Date.now() + 15_000;
        while (!check()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(statuses.at(-1))}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitFor(() => statuses.some((s) => s.phase === 'Running'), 'Running');
      // the container exits after 0.5 s; the relist notices and the loop restarts it after the back-off
      await waitFor(() => (statuses.at(-1)?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 'a restart');
      expect(statuses.at(-1)!.containerStatuses![0]!.lastState.terminated?.exitCode).toBe(1);
      loop.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 1 } });
      await waitFor(() => terminated.includes('looped'), 'termination');
      loop.delete(pod.metadata.uid!);
      await waitFor(() => !existsSync(runtime.podDir(pod.metadata.uid!)), 'removal');
    } finally {
      loop.stop();
    }
  }, 30_000);
});

describe('container logs', () => {
  const collect = () => {
    let text = '';
    return { out: new Writable({ write: (chunk, _e, cb) => ((text += chunk.toString()), cb()) }), text: () => text };
  };

  it('reads, tails, timestamps, follows and limits what a container wrote, and the previous attempt', async () => {
    const pod = makePod('talker', [{ name: 'c', command: ['sh', '-c', 'echo one; sleep 0.1; echo two >&2; sleep 0.1; printf three; echo; sleep 1; echo late; sleep 2; exit 3'] }], { restartPolicy: 'OnFailure' });
    await syncUntil(pod, running('c'));
    await new Promise((r) => setTimeout(r, 300));
    const path = (await runtime.logPath(pod, 'c'))!;
    expect(path).toMatch(/talker_.*\/c\/0\.log$/);
    const all = collect();
    await streamContainerLog(path, {}, all.out, async () => true);
    expect(all.text()).toBe('one\ntwo\nthree\n');
    const tail = collect();
    await streamContainerLog(path, { tailLines: 1, timestamps: true }, tail.out, async () => true);
    expect(tail.text()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z three\n$/);
    const limited = collect();
    await streamContainerLog(path, { limitBytes: 5 }, limited.out, async () => true);
    expect(limited.text()).toBe('one\nt');
    const followed = collect();
    const containerId = (await runtime.streamEndpoints(pod).containerId('c'));
    const stillRunning = async () => (await containerd.runtime.cri.call('ContainerStatus', { containerId })).status?.state === 'CONTAINER_RUNNING';
    await streamContainerLog(path, { follow: true, sinceSeconds: 60 }, followed.out, stillRunning);
    expect(followed.text()).toBe('one\ntwo\nthree\nlate\n');
    await syncUntil(pod, (s) => s.containerStatuses![0]!.restartCount === 1);
    const previous = collect();
    await streamContainerLog((await runtime.logPath(pod, 'c', true))!, { tailLines: 1 }, previous.out, async () => false);
    expect(previous.text()).toBe('late\n');
    await runtime.kill(pod, 0);
    await runtime.remove(pod.metadata.uid!);
  }, 30_000);

  it('joins partial CRI log entries', () => {
    expect(parseCriLog('2024-01-01T00:00:00.1Z stdout P abc\n2024-01-01T00:00:00.2Z stdout F def\n2024-01-01T00:00:00.3Z stderr F x\n')).toEqual([
      { time: '2024-01-01T00:00:00.1Z', stream: 'stdout', text: 'abcdef\n' },
      { time: '2024-01-01T00:00:00.3Z', stream: 'stderr', text: 'x\n' },
    ]);
  });
});

describe('metrics for kubectl top', () => {
  it('measures a busy container’s CPU against its limit and its memory working set', async () => {
    const pod = makePod('busy', [{ name: 'spin', command: ['sh', '-c', 'while :; do :; done'], resources: { limits: { cpu: '200m', memory: '32Mi' } } }]);
    await syncUntil(pod, running('spin'));
    const collector = new PodMetricsCollector(containerd.runtime.cri);
    await collector.collect();
    await new Promise((r) => setTimeout(r, 2000));
    const usage = (await collector.collect()).find((p) => p.uid === pod.metadata.uid)!;
    expect(usage).toMatchObject({ name: 'busy', namespace: 'default' });
    expect(usage.windowMs).toBeGreaterThan(1500);
    const spin = usage.containers[0]!;
    // the CFS quota holds it near 200m
    expect(spin.cpuNanoCores).toBeGreaterThan(120e6);
    expect(spin.cpuNanoCores).toBeLessThan(260e6);
    expect(spin.memoryWorkingSetBytes).toBeGreaterThan(0);
    const item = podMetricsItem(usage) as { window: string; containers: { usage: { cpu: string; memory: string } }[] };
    expect(item.window).toBe('2s');
    expect(item.containers[0]!.usage.cpu).toMatch(/^\d+n$/);
    expect(item.containers[0]!.usage.memory).toMatch(/^\d+Ki$/);
    await runtime.kill(pod, 0);
    await runtime.remove(pod.metadata.uid!);
  }, 30_000);
});
