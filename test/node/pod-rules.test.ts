// The pure rules of the node agent: quantities, $(VAR) expansion, downward API values, phases, QoS, image names,
// pull credentials, back-off, CRI configs, atomic volume writes.
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authFor, registryOf } from '../../kubelet-bridge/images/pull-auth.ts';
import { Backoff, goDuration } from '../../kubelet-bridge/pod/backoff.ts';
import { containerConfig, linuxResources, normalizeImage, pullPolicy, sandboxConfig } from '../../kubelet-bridge/pod/cri-config.ts';
import { expandVariables, fieldValue, resourceValue, type NodeFacts } from '../../kubelet-bridge/pod/downward.ts';
import { bytes, milliCpu, parseQuantity } from '../../kubelet-bridge/pod/quantity.ts';
import { appliedResources, podPhase, qosClass } from '../../kubelet-bridge/pod/status.ts';
import type { ContainerStatus, Pod } from '../../kubelet-bridge/pod/types.ts';
import { writeAtomically } from '../../kubelet-bridge/pod/volumes.ts';

const node: NodeFacts = { nodeName: 'n1', hostIP: '192.0.2.2', allocatable: { cpuCores: 4, memoryBytes: 8 * 2 ** 30 } };
const pod = (spec: Partial<Pod['spec']> = {}, labels?: Record<string, string>): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels, annotations: { 'a/b': 'x"y' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

describe('quantities', () => {
  it('parses decimal, binary and exponent forms', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(bytes('128Mi')).toBe(128 * 2 ** 20);
    expect(bytes('2G')).toBe(2e9);
    expect(bytes('1e3')).toBe(1000);
    expect(milliCpu('100m')).toBe(100);
    expect(milliCpu(2)).toBe(2000);
    expect(milliCpu('0.0005')).toBe(1);
    expect(() => parseQuantity('12 apples')).toThrow(/quantities must match the regular expression/);
  });
});

describe('downward API and environment', () => {
  it('expands $(VAR) as Kubernetes does', () => {
    const vars = { A: 'x', B: 'y' };
    expect(expandVariables('$(A)-$(B)', vars)).toBe('x-y');
    expect(expandVariables('$(MISSING) $$(A) $$ $', vars)).toBe('$(MISSING) $(A) $ $');
    expect(expandVariables('$(A', vars)).toBe('$(A');
  });

  it('reads field paths', () => {
    const p = pod({}, { b: '2', a: '1' });
    expect(fieldValue(p, { fieldPath: 'metadata.labels' }, [], node)).toBe('a="1"\nb="2"');
    expect(fieldValue(p, { fieldPath: "metadata.annotations['a/b']" }, [], node)).toBe('x"y');
    expect(fieldValue(p, { fieldPath: 'metadata.annotations' }, [], node)).toBe('a/b="x\\"y"');
    expect(fieldValue(p, { fieldPath: 'status.podIP' }, ['10.42.0.9'], node)).toBe('10.42.0.9');
    expect(fieldValue(pod({ hostNetwork: true }), { fieldPath: 'status.podIP' }, [], node)).toBe('192.0.2.2');
    expect(fieldValue(p, { fieldPath: 'spec.serviceAccountName' }, [], node)).toBe('default');
    expect(() => fieldValue(p, { fieldPath: 'spec.nope' }, [], node)).toThrow(/unsupported fieldPath/);
  });

  it('reads resource fields with divisors, defaulting limits to the node', () => {
    const p = pod({ containers: [{ name: 'c', resources: { limits: { memory: '1Gi', cpu: '1500m' } } }] });
    const c = p.spec.containers[0]!;
    expect(resourceValue(p, c, { resource: 'limits.memory', divisor: '1Mi' }, node)).toBe('1024');
    expect(resourceValue(p, c, { resource: 'limits.cpu' }, node)).toBe('2');
    expect(resourceValue(p, c, { resource: 'limits.cpu', divisor: '1m' }, node)).toBe('1500');
    expect(resourceValue(p, c, { resource: 'requests.memory' }, node)).toBe(String(2 ** 30));
    const bare = pod();
    expect(resourceValue(bare, bare.spec.containers[0], { resource: 'limits.cpu' }, node)).toBe('4');
    expect(resourceValue(bare, bare.spec.containers[0], { resource: 'requests.cpu' }, node)).toBe('1');
  });
});

describe('phase and QoS', () => {
  const waiting = (lastExit?: number): ContainerStatus => ({ name: 'c', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: lastExit === undefined ? {} : { terminated: { exitCode: lastExit } }, ready: false, restartCount: 1, image: '', imageID: '' });
  const terminated = (exitCode: number): ContainerStatus => ({ name: 'c', state: { terminated: { exitCode } }, lastState: {}, ready: false, restartCount: 0, image: '', imageID: '' });
  const runningStatus: ContainerStatus = { name: 'c', state: { running: {} }, lastState: {}, ready: true, restartCount: 0, image: '', imageID: '' };

  it('follows the kubelet’s rules', () => {
    expect(podPhase(pod(), [], [runningStatus])).toBe('Running');
    expect(podPhase(pod(), [], [waiting()])).toBe('Pending');
    expect(podPhase(pod(), [], [waiting(1)])).toBe('Running'); // crash-looping counts as stopped
    expect(podPhase(pod({ restartPolicy: 'Never' }), [], [terminated(0)])).toBe('Succeeded');
    expect(podPhase(pod({ restartPolicy: 'Never' }), [], [terminated(1)])).toBe('Failed');
    expect(podPhase(pod({ restartPolicy: 'OnFailure' }), [], [terminated(1)])).toBe('Running');
    expect(podPhase(pod({ restartPolicy: 'OnFailure' }), [], [terminated(0)])).toBe('Succeeded');
    const withInit = pod({ initContainers: [{ name: 'i' }], restartPolicy: 'Never' });
    expect(podPhase(withInit, [{ ...terminated(1), name: 'i' }], [waiting()])).toBe('Failed');
    expect(podPhase(withInit, [{ ...runningStatus, name: 'i' }], [waiting()])).toBe('Pending');
  });

  it('classifies QoS', () => {
    expect(qosClass(pod())).toBe('BestEffort');
    expect(qosClass(pod({ containers: [{ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }))).toBe('Guaranteed');
    expect(qosClass(pod({ containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] }))).toBe('Burstable');
  });
});

describe('images', () => {
  it('normalises references and defaults the pull policy', () => {
    expect(normalizeImage('busybox')).toBe('docker.io/library/busybox:latest');
    expect(normalizeImage('me/app:1')).toBe('docker.io/me/app:1');
    expect(normalizeImage('localhost/busybox')).toBe('localhost/busybox:latest');
    expect(normalizeImage('registry:5000/x@sha256:abc')).toBe('registry:5000/x@sha256:abc');
    expect(pullPolicy({ name: 'c', image: 'busybox' })).toBe('Always');
    expect(pullPolicy({ name: 'c', image: 'busybox:latest' })).toBe('Always');
    expect(pullPolicy({ name: 'c', image: 'registry:5000/busybox:1.36' })).toBe('IfNotPresent');
    expect(pullPolicy({ name: 'c', image: 'busybox', imagePullPolicy: 'Never' })).toBe('Never');
  });

  it('picks credentials for the image’s registry from pull secrets', () => {
    const config = { auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') }, 'reg.example:5000': { username: 'u', password: 'p' } } };
    const secret = { '.dockerconfigjson': Buffer.from(JSON.stringify(config)) };
    expect(registryOf('busybox')).toBe('docker.io');
    expect(authFor('docker.io/library/busybox:latest', [secret])).toMatchObject({ username: 'hub', password: 'pw', serverAddress: 'docker.io' });
    expect(authFor('reg.example:5000/app:1', [secret])).toMatchObject({ username: 'u', password: 'p' });
    expect(authFor('other.example/app:1', [secret])).toBeUndefined();
  });
});

describe('back-off', () => {
  it('doubles up to the maximum and resets after a quiet period', () => {
    let now = 0;
    const backoff = new Backoff({ initialMs: 10_000, maxMs: 40_000, resetAfterMs: 600_000 }, () => now);
    expect([backoff.fail('k'), backoff.fail('k'), backoff.fail('k'), backoff.fail('k')]).toEqual([10_000, 20_000, 40_000, 40_000]);
    expect(backoff.remainingMs('k')).toBe(40_000);
    now = 30_000;
    expect(backoff.remainingMs('k')).toBe(10_000);
    now = 700_000;
    expect(backoff.fail('k')).toBe(10_000);
    expect([goDuration(10_000), goDuration(80_000), goDuration(300_000)]).toEqual(['10s', '1m20s', '5m0s']);
  });
});

describe('CRI configs', () => {
  it('turns requests and limits into cgroup values', () => {
    expect(linuxResources({ name: 'c', resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '64Mi' } } })).toEqual({ cpuShares: 256, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitInBytes: 64 * 2 ** 20 });
    expect(linuxResources({ name: 'c' })).toEqual({ cpuShares: 2 });
  });

  it('reports what the runtime applied while a resize waits, read back from the cgroup values as the kubelet does', () => {
    const resized = { name: 'c', resources: { requests: { cpu: '2', memory: '32Mi' }, limits: { cpu: '4', memory: '1Gi' } } };
    const before = { cpuShares: 153, cpuQuota: 50_000, memoryLimitInBytes: 128 * 2 ** 20 };
    expect(appliedResources(resized, { applied: before })).toEqual({ requests: { cpu: '150m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    expect(appliedResources(resized, { applied: { cpuShares: 2048, cpuQuota: 400_000, memoryLimitInBytes: 2 ** 30 } })).toEqual(resized.resources);
    expect(appliedResources(resized, {})).toEqual(resized.resources);
  });

  it('gives host-network sandboxes no host name and maps host ports', () => {
    const config = sandboxConfig(pod({ hostNetwork: true, containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }] }] }), { nodeName: 'n1', attempt: 0, logDirectory: '/l', cgroupParent: '/kubepods/podu1', dns: { clusterDns: ['10.43.0.10'], clusterDomain: 'cluster.local' } });
    expect(config.hostname).toBe('');
    expect(config.portMappings).toEqual([{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
    expect(config.linux?.securityContext?.namespaceOptions).toEqual({ network: 'NODE', pid: 'CONTAINER', ipc: 'POD' });
    expect(config.dnsConfig).toBeUndefined(); // ClusterFirst on the host network falls back to the node's resolv.conf
  });

  it('expands $(VAR) in command and args from the container’s environment', () => {
    const p = pod({ containers: [{ name: 'c', command: ['echo', '$(WHO)'], args: ['$(NOPE)'] }] });
    const config = containerConfig(p, p.spec.containers[0]!, { nodeName: 'n1', kind: 'regular', image: 'x', restartCount: 2, env: [{ key: 'WHO', value: 'me' }], mounts: [], terminationGracePeriodSeconds: 30 });
    expect(config.command).toEqual(['echo', 'me']);
    expect(config.labels).toMatchObject({ 'io.k2.managed-by': 'k2', 'io.k2.node-name': 'n1' });
    expect(config.args).toEqual(['$(NOPE)']);
    expect(config.logPath).toBe('c/2.log');
    expect(config.metadata).toEqual({ name: 'c', attempt: 2 });
  });
});

describe('atomic volume writes', () => {
  it('switches ..data to a new version and keeps top-level links', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-atomic-'));
    try {
      expect(await writeAtomically(dir, [{ path: 'a', content: Buffer.from('1'), mode: 0o644 }, { path: 'sub/b', content: Buffer.from('2'), mode: 0o600 }])).toBe(true);
      const first = readlinkSync(join(dir, '..data'));
      expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('1');
      expect(readFileSync(join(dir, 'sub/b'), 'utf8')).toBe('2');
      expect(lstatSync(join(dir, 'a')).isSymbolicLink()).toBe(true);
      expect(await writeAtomically(dir, [{ path: 'a', content: Buffer.from('1'), mode: 0o644 }, { path: 'sub/b', content: Buffer.from('2'), mode: 0o600 }])).toBe(false);
      expect(await writeAtomically(dir, [{ path: 'a', content: Buffer.from('3'), mode: 0o644 }])).toBe(true);
      expect(readlinkSync(join(dir, '..data'))).not.toBe(first);
      expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('3');
      expect(() => lstatSync(join(dir, 'sub'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
