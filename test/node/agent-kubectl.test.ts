// The node in `k2 server`, end to end with real kubectl 1.27, 1.30 and 1.33 on real containerd: pods bound to the
// node run; logs (and -f), exec (with a real terminal), port-forward, attach, cp and top work through the API
// server; crashing containers back off; probes drive readiness and restarts; deletion honours the grace period;
// a pod reaches a Service by ClusterIP, NodePort and DNS name.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTls, kubectlBinary } from '../e2e/harness.ts';
import { busyboxImage, startNodeServer, type NodeServer } from './node-server.ts';

let server: NodeServer;
const scratch = mkdtempSync(join(tmpdir(), 'k2-agent-kubectl-'));

beforeAll(async () => {
  server = await startNodeServer();
}, 660_000);

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
}, 120_000);

const nodeOverride = () => `--overrides=${JSON.stringify({ apiVersion: 'v1', spec: { nodeName: server.nodeName } })}`;

async function ok(args: string[], options: { version?: string; input?: string } = {}): Promise<string> {
  const result = await server.kubectl(args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** GET through a local port with a raw HTTP/1.0 request, as a browser would through port-forward. */
function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
    socket.on('connect', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe.each(['1.27', '1.30', '1.33'])('kubectl %s with a pod on the k2 node', (version) => {
  const ns = `v${version.replace('.', '-')}`;
  const kc = (args: string[], input?: string) => ok(['-n', ns, ...args], { version, input });

  beforeAll(async () => {
    await ok(['create', 'namespace', ns]);
  });

  it('runs a pod, and serves its logs, logs -f, exec with exit codes and a terminal', async () => {
    await kc(['run', 'talker', `--image=${busyboxImage}`, '--restart=Never', nodeOverride(), '--', 'sh', '-c', 'for i in 1 2 3; do echo line-$i; done; while true; do printf "HTTP/1.0 200 OK\\r\\n\\r\\nhello-from-pod\\n" | nc -l -p 8080 >/dev/null; done']);
    await kc(['wait', '--for=condition=Ready', 'pod/talker', '--timeout=60s']);
    expect(await kc(['logs', 'talker'])).toBe('line-1\nline-2\nline-3\n');
    expect(await kc(['logs', 'talker', '--tail=1'])).toBe('line-3\n');
    expect(await kc(['logs', 'talker', '--timestamps', '--tail=1'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line-3\n$/);
    expect(await kc(['exec', 'talker', '--', 'sh', '-c', 'echo in-$((40+2))'])).toBe('in-42\n');
    const failed = await server.kubectl(['-n', ns, 'exec', 'talker', '--', 'sh', '-c', 'echo oops >&2; exit 7'], { version });
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain('oops');
    // A real terminal (util-linux `script`): the TTY comes through, with its size.
    const kubectl = kubectlBinary(version);
    const tty = await new Promise<string>((resolve) => {
      const child = spawn('script', ['-qec', `stty rows 30 cols 100; ${kubectl} --kubeconfig ${server.kubeconfig} -n ${ns} exec -it talker -- sh -c 'test -t 0 && echo hi-from-tty; sleep 1; stty size'`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECACHEDIR: join(server.dataDir, '.kube-cache') } });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('exit', () => resolve(text));
      setTimeout(() => child.kill(), 30_000).unref();
    });
    expect(tty).toContain('hi-from-tty');
    expect(tty).toContain('30 100'); // the terminal's size, as kubectl sent it

    // logs -f streams lines as the container writes them, and ends when the container does.
    await kc(['run', 'counter', `--image=${busyboxImage}`, '--restart=Never', nodeOverride(), '--', 'sh', '-c', 'for i in 1 2 3 4; do echo tick-$i; sleep 1; done']);
    await kc(['wait', '--for=condition=Ready', 'pod/counter', '--timeout=60s']);
    const started = Date.now();
    const followed = await kc(['logs', '-f', 'counter']);
    expect(followed).toBe('tick-1\ntick-2\ntick-3\ntick-4\n');
    expect(Date.now() - started).toBeGreaterThan(1000); // it waited for lines still to come
  }, 120_000);

  it('forwards a local port to the pod', async () => {
    const kubectl = kubectlBinary(version);
    const child = spawn(kubectl, ['--kubeconfig', server.kubeconfig, '-n', ns, 'port-forward', 'pod/talker', ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text);
          if (match) resolve(Number(match[1]));
        });
        child.on('exit', (code) => reject(new Error(`port-forward exited ${code}: ${text}`)));
      });
      expect(await httpGet(port)).toContain('hello-from-pod');
      // A second connection over the same session (the pod's `nc -l` loop needs a moment to listen again).
      let second = '';
      for (let i = 0; i < 20 && !second.includes('hello-from-pod'); i++) {
        await new Promise((r) => setTimeout(r, 200));
        second = await httpGet(port).catch(() => '');
      }
      expect(second).toContain('hello-from-pod');
    } finally {
      child.kill();
    }
  }, 60_000);

  it('attaches to a running container, and copies files in and out', async () => {
    await kc(['apply', '-f', '-'], server.pod('reader', { restartPolicy: 'Never', containers: [{ name: 'c', image: busyboxImage, stdin: true, stdinOnce: true, command: ['sh', '-c', 'while read line; do echo got-$line; done; echo bye'] }] }));
    await kc(['wait', '--for=condition=Ready', 'pod/reader', '--timeout=60s']);
    const attached = await server.kubectl(['-n', ns, 'attach', '-i', 'reader'], { version, input: 'hello\nworld\n' });
    expect(attached.stdout).toContain('got-hello\ngot-world\nbye');

    const local = join(scratch, `in-${ns}.txt`);
    writeFileSync(local, `payload for ${version}\n`);
    await kc(['cp', local, 'talker:/tmp/copied.txt']);
    expect(await kc(['exec', 'talker', '--', 'cat', '/tmp/copied.txt'])).toBe(`payload for ${version}\n`);
    const back = join(scratch, `out-${ns}.txt`);
    await kc(['cp', 'talker:/tmp/copied.txt', back]);
    expect(readFileSync(back, 'utf8')).toBe(`payload for ${version}\n`);
  }, 90_000);

  it('adds debugging containers with kubectl debug: in the target container\'s processes, and attached', async () => {
    const profile = version === '1.27' ? [] : ['--profile=general'];
    await kc(['debug', 'talker', `--image=${busyboxImage}`, '--target=talker', '-c', 'inspector', ...profile, '--', 'ps', '-o', 'comm']);
    const exitCode = async () => kc(['get', 'pod', 'talker', '-o', 'jsonpath={.status.ephemeralContainerStatuses[?(@.name=="inspector")].state.terminated.exitCode}']);
    const deadline = Date.now() + 60_000;
    while ((await exitCode()) === '' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await exitCode()).toBe('0');
    // It saw the target's processes (the shell and nc of `talker`), so it ran in that container's PID namespace.
    expect((await kc(['logs', 'talker', '-c', 'inspector'])).split('\n')).toEqual(expect.arrayContaining(['sh', 'nc', 'ps']));
    // --attach follows the new container's output until it ends (-i would also send stdin, which a runtime stops
    // following, output included, once the client closes it: a terminal's `-it` keeps it open).
    const attached = await server.kubectl(['-n', ns, 'debug', '--attach', 'talker', `--image=${busyboxImage}`, '-c', 'shell', ...profile, '--', 'sh', '-c', 'sleep 1; echo hello-from-$HOSTNAME'], { version });
    expect(attached.stdout).toContain('hello-from-talker');
    const described = await kc(['describe', 'pod', 'talker']);
    expect(described).toMatch(/Ephemeral Containers:\n  inspector:\n/);
    expect(described).toMatch(/  shell:\n/);
  }, 120_000);

  it('shows the pods and the node in kubectl top', async () => {
    const top = await server.waitFor(['-n', ns, 'top', 'pod', 'talker'], (text) => /talker\s+\d+m\s+\d+Mi/.test(text), 30_000);
    expect(top).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(await ok(['top', 'node'], { version })).toMatch(new RegExp(`${server.nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
  }, 60_000);
});

describe('pod lifecycle on the node', () => {
  const ns = 'lifecycle';
  const kc = (args: string[], input?: string) => ok(['-n', ns, ...args], { input });
  const jsonpath = (pod: string, path: string) => kc(['get', 'pod', pod, '-o', `jsonpath=${path}`]);

  beforeAll(async () => {
    await ok(['create', 'namespace', ns]);
  });

  it('resizes a running container in place (kubectl patch --subresource=resize): new cgroup limits, no restart', async () => {
    const resources = { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } };
    await kc(['apply', '-f', '-'], server.pod('resizable', { containers: [{ name: 'app', image: busyboxImage, command: ['sleep', '3600'], resources }] }));
    await kc(['wait', '--for=condition=Ready', 'pod/resizable', '--timeout=60s']);
    // The CFS quota and the memory limit: cgroup v2 files ("20000 100000", bytes), or v1's without a unified hierarchy.
    const limits = async () => {
      const values = (await kc(['exec', 'resizable', '--', 'sh', '-c', 'cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.limit_in_bytes'])).split(/\s+/).filter(Boolean);
      return [values[0], values[values.length - 1]];
    };
    expect(await limits()).toEqual(['20000', String(64 * 1024 * 1024)]);
    await kc(['patch', 'pod', 'resizable', '--subresource=resize', '-p', JSON.stringify({ spec: { containers: [{ name: 'app', resources: { requests: { cpu: '150m' }, limits: { cpu: '500m', memory: '128Mi' } } }] } })]);
    const reported = await server.waitFor(['-n', ns, 'get', 'pod', 'resizable', '-o', 'jsonpath={.status.containerStatuses[0].resources.limits.cpu}'], (text) => text === '500m', 30_000);
    expect(reported).toBe('500m');
    expect(await limits()).toEqual(['50000', String(128 * 1024 * 1024)]);
    expect(await jsonpath('resizable', '{.status.containerStatuses[0].restartCount}')).toBe('0');
    // More cpu than the node has: the node leaves the container as it is and says why.
    await kc(['patch', 'pod', 'resizable', '--subresource=resize', '-p', JSON.stringify({ spec: { containers: [{ name: 'app', resources: { requests: { cpu: '1000' }, limits: { cpu: '1000' } } }] } })]);
    const pending = await server.waitFor(['-n', ns, 'get', 'pod', 'resizable', '-o', 'jsonpath={.status.conditions[?(@.type=="PodResizePending")].reason}: {.status.conditions[?(@.type=="PodResizePending")].message}'], (text) => text.startsWith('Infeasible'), 30_000);
    expect(pending).toMatch(/^Infeasible: Node didn't have enough capacity: cpu, requested: 1000000, capacity: \d+$/);
    expect(await limits()).toEqual(['50000', String(128 * 1024 * 1024)]);
    // The status keeps saying what the container has, as the kubelet reads it back from the runtime.
    expect(JSON.parse(await jsonpath('resizable', '{.status.containerStatuses[0].resources}'))).toEqual({ requests: { cpu: '150m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } });

    // Back to what it has: nothing waits any more.
    await kc(['patch', 'pod', 'resizable', '--subresource=resize', '-p', JSON.stringify({ spec: { containers: [{ name: 'app', resources: { requests: { cpu: '150m' }, limits: { cpu: '500m' } } }] } })]);
    await server.waitFor(['-n', ns, 'get', 'pod', 'resizable', '-o', 'jsonpath={.status.conditions[?(@.type=="PodResizePending")].reason}'], (text) => text === '', 30_000);
    // A resize that fits the node but not beside another pod's requests waits (Deferred) until that pod is gone.
    const cores = Number(await ok(['get', 'node', server.nodeName, '-o', 'jsonpath={.status.allocatable.cpu}']));
    await kc(['apply', '-f', '-'], server.pod('hog', { containers: [{ name: 'app', image: busyboxImage, command: ['sleep', '3600'], resources: { requests: { cpu: `${cores * 1000 - 300}m` } } }] }));
    await kc(['wait', '--for=condition=Ready', 'pod/hog', '--timeout=60s']);
    await kc(['patch', 'pod', 'resizable', '--subresource=resize', '-p', JSON.stringify({ spec: { containers: [{ name: 'app', resources: { requests: { cpu: '400m' }, limits: { cpu: '500m' } } }] } })]);
    const deferred = await server.waitFor(['-n', ns, 'get', 'pod', 'resizable', '-o', 'jsonpath={.status.conditions[?(@.type=="PodResizePending")].reason}: {.status.conditions[?(@.type=="PodResizePending")].message}'], (text) => text.startsWith('Deferred'), 30_000);
    expect(deferred).toMatch(new RegExp(`^Deferred: Node didn't have enough resource: cpu, requested: 400, used: \\d+, capacity: ${cores * 1000}$`));
    expect(await jsonpath('resizable', '{.status.containerStatuses[0].resources.requests.cpu}')).toBe('150m');
    await kc(['delete', 'pod', 'hog', '--grace-period=1']);
    await server.waitFor(['-n', ns, 'get', 'pod', 'resizable', '-o', 'jsonpath={.status.containerStatuses[0].resources.requests.cpu}/{.status.conditions[?(@.type=="PodResizePending")].reason}'], (text) => text === '400m/', 30_000);
  }, 150_000);

  it('scales a busy Deployment out with kubectl autoscale, on the usage kubectl top shows', async () => {
    await kc(['create', 'deployment', 'burner', `--image=${busyboxImage}`, '--', 'sh', '-c', 'while true; do :; done']);
    await kc(['set', 'resources', 'deployment/burner', '--requests=cpu=20m']);
    // The busy loops ignore SIGTERM: they should not hold the machine's cpus for 30 s once deleted.
    await kc(['patch', 'deployment/burner', '-p', JSON.stringify({ spec: { template: { spec: { terminationGracePeriodSeconds: 1 } } } })]);
    await kc(['rollout', 'status', 'deployment/burner', '--timeout=60s']);
    await kc(['autoscale', 'deployment/burner', '--min=1', '--max=2', '--cpu-percent=50']);
    // A busy loop uses far more than half of 20m: the autoscaler sees it (TARGETS is not <unknown>) and adds a pod.
    const targets = await server.waitFor(['-n', ns, 'get', 'hpa', 'burner', '--no-headers', '-o', 'custom-columns=TARGETS:.status.currentMetrics[0].resource.current.averageUtilization,REPLICAS:.status.desiredReplicas'], (text) => /^\d+\s+2$/.test(text.trim()), 90_000);
    expect(Number(targets.trim().split(/\s+/)[0])).toBeGreaterThan(50);
    const conditions = JSON.parse(await kc(['get', 'hpa', 'burner', '-o', 'jsonpath={.status.conditions}'])) as { type: string; status: string; reason: string }[];
    expect(conditions.find((c) => c.type === 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(await server.waitFor(['-n', ns, 'get', 'deployment', 'burner', '-o', 'jsonpath={.status.readyReplicas}'], (text) => text === '2', 60_000)).toBe('2');
    await kc(['delete', 'deployment', 'burner', '--wait=false']);
  }, 200_000);

  it('keeps a StatefulSet pod\'s data on its local-path volume across the pod\'s replacement', async () => {
    const statefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'keeper' },
      spec: {
        serviceName: 'keeper',
        replicas: 1,
        selector: { matchLabels: { app: 'keeper' } },
        template: {
          metadata: { labels: { app: 'keeper' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'app', image: busyboxImage, command: ['sh', '-c', 'test -f /data/first || echo $RANDOM$RANDOM-$(date +%s) > /data/first; sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } }],
      },
    };
    await kc(['apply', '-f', '-'], JSON.stringify(statefulSet));
    await kc(['rollout', 'status', 'statefulset/keeper', '--timeout=60s']);
    const claim = await kc(['get', 'pvc', 'data-keeper-0', '--no-headers', '-o', 'custom-columns=STATUS:.status.phase,CLASS:.spec.storageClassName,VOLUME:.spec.volumeName']);
    const [phase, storageClass, volume] = claim.trim().split(/\s+/);
    expect([phase, storageClass]).toEqual(['Bound', 'local-path']);
    expect(await ok(['get', 'pv', volume!, '-o', 'jsonpath={.status.phase} {.spec.claimRef.name} {.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}'])).toBe(`Bound data-keeper-0 ${server.nodeName}`);
    const written = (await kc(['exec', 'keeper-0', '--', 'cat', '/data/first'])).trim();
    expect(written).toMatch(/^\d+-\d+$/);
    const uid = await jsonpath('keeper-0', '{.metadata.uid}');
    await kc(['delete', 'pod', 'keeper-0']);
    await server.waitFor(['-n', ns, 'get', 'pod', 'keeper-0', '-o', 'jsonpath={.metadata.uid} {.status.phase}'], (text) => !text.startsWith(uid) && text.endsWith('Running'), 60_000);
    await kc(['wait', '--for=condition=Ready', 'pod/keeper-0', '--timeout=60s']);
    // The new pod found the file the first one wrote, and left it as it was.
    expect((await kc(['exec', 'keeper-0', '--', 'cat', '/data/first'])).trim()).toBe(written);
    // The node reports how full the claim is: in the Summary API, and as the kubelet's volume gauges.
    await kc(['exec', 'keeper-0', '--', 'sh', '-c', 'head -c 1048576 /dev/zero > /data/mib']);
    const summary = JSON.parse(await ok(['get', '--raw', `/api/v1/nodes/${server.nodeName}/proxy/stats/summary`]));
    const keeper = summary.pods.find((p: { podRef: { name: string; namespace: string } }) => p.podRef.name === 'keeper-0' && p.podRef.namespace === ns);
    const data = keeper.volume.find((v: { name: string }) => v.name === 'data');
    expect(data).toMatchObject({ pvcRef: { name: 'data-keeper-0', namespace: ns }, capacityBytes: expect.any(Number), availableBytes: expect.any(Number), inodesUsed: 3 });
    expect(data.usedBytes).toBeGreaterThanOrEqual(1048576);
    const gauges = await ok(['get', '--raw', `/api/v1/nodes/${server.nodeName}/proxy/metrics`]);
    expect(gauges).toContain('# HELP kubelet_volume_stats_used_bytes [ALPHA] Number of used bytes in the volume\n# TYPE kubelet_volume_stats_used_bytes gauge\n');
    expect(gauges).toMatch(new RegExp(`^kubelet_volume_stats_used_bytes\\{namespace="${ns}",persistentvolumeclaim="data-keeper-0"\\} \\d`, 'm'));
    expect(gauges).toMatch(new RegExp(`^kubelet_volume_stats_capacity_bytes\\{namespace="${ns}",persistentvolumeclaim="data-keeper-0"\\} `, 'm'));
    await kc(['delete', 'statefulset', 'keeper', '--wait=false']);
  }, 200_000);

  it('backs off a crashing container with a growing delay and counts its restarts', async () => {
    await kc(['run', 'crasher', `--image=${busyboxImage}`, nodeOverride(), '--', 'sh', '-c', 'exit 3']);
    await server.waitFor(['-n', ns, 'get', 'pod', 'crasher', '--no-headers'], (text) => /crasher\s+0\/1\s+CrashLoopBackOff\s+\d/.test(text), 30_000);
    expect(await jsonpath('crasher', '{.status.containerStatuses[0].state.waiting.message}')).toMatch(/^back-off 10s restarting failed container=crasher pod=crasher_lifecycle/);
    const message = await server.waitFor(['-n', ns, 'get', 'pod', 'crasher', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.message}'], (text) => text.startsWith('back-off 20s'), 40_000);
    expect(message).toContain('restarting failed container=crasher');
    expect(Number(await jsonpath('crasher', '{.status.containerStatuses[0].restartCount}'))).toBeGreaterThanOrEqual(1);
    expect(await jsonpath('crasher', '{.status.containerStatuses[0].lastState.terminated.exitCode}')).toBe('3');
  }, 90_000);

  it('restarts a container whose liveness probe fails, and follows the readiness probe', async () => {
    const probe = (file: string) => ({ exec: { command: ['test', '-f', file] }, periodSeconds: 1, failureThreshold: 1 });
    await kc(['apply', '-f', '-'], server.pod('probed', { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: busyboxImage, command: ['sh', '-c', 'touch /tmp/alive; exec sleep 3600'], livenessProbe: probe('/tmp/alive'), readinessProbe: probe('/tmp/ready') }] }));
    await server.waitFor(['-n', ns, 'get', 'pod', 'probed', '-o', 'jsonpath={.status.containerStatuses[0].state.running.startedAt}'], (text) => text !== '', 60_000);
    expect(await jsonpath('probed', '{.status.conditions[?(@.type=="Ready")].status}')).toBe('False');
    await kc(['exec', 'probed', '--', 'touch', '/tmp/ready']);
    await server.waitFor(['-n', ns, 'get', 'pod', 'probed', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (text) => text === 'True', 20_000);
    await kc(['exec', 'probed', '--', 'rm', '/tmp/ready']);
    await server.waitFor(['-n', ns, 'get', 'pod', 'probed', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (text) => text === 'False', 20_000);
    await kc(['exec', 'probed', '--', 'rm', '/tmp/alive']);
    await server.waitFor(['-n', ns, 'get', 'pod', 'probed', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'], (text) => text === '1', 45_000);
  }, 120_000);

  it('ends a deleted pod within its grace period, and the object goes once its containers stopped', async () => {
    await kc(['apply', '-f', '-'], server.pod('graceful', { terminationGracePeriodSeconds: 4, containers: [{ name: 'c', image: busyboxImage, command: ['sleep', '3600'] }] }));
    await kc(['wait', '--for=condition=Ready', 'pod/graceful', '--timeout=60s']);
    const started = Date.now();
    await kc(['delete', 'pod', 'graceful', '--timeout=30s']);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(4000 + 3000);
    const gone = await server.kubectl(['-n', ns, 'get', 'pod', 'graceful']);
    expect(gone.stderr).toContain('NotFound');
  }, 90_000);
});

describe('service networking on the node', () => {
  const ns = 'network';
  const kc = (args: string[], input?: string) => ok(['-n', ns, ...args], { input });

  beforeAll(async () => {
    await ok(['create', 'namespace', ns]);
    await server.waitFor(['-n', ns, 'get', 'serviceaccount', 'default', '-o', 'name'], (text) => text.trim() === 'serviceaccount/default', 30_000);
  });

  it('reaches a backend pod by ClusterIP, DNS name, short name and NodePort, and drops endpoints that are not ready', async () => {
    // Ready while /tmp/ready exists: the EndpointSlice controller follows the pod's readiness.
    await kc(['apply', '-f', '-'], server.pod('echo', {
      containers: [{
        name: 'c',
        image: busyboxImage,
        command: ['sh', '-c', 'touch /tmp/ready; while true; do echo "pong-$HOSTNAME" | nc -l -p 9000; done'],
        readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
      }],
    }, { labels: { app: 'echo' } }));
    await kc(['apply', '-f', '-'], server.pod('client', { containers: [{ name: 'c', image: busyboxImage, command: ['sleep', '3600'] }] }));
    await kc(['create', 'service', 'nodeport', 'echo', '--tcp=80:9000']);
    await kc(['wait', '--for=condition=Ready', 'pod/echo', 'pod/client', '--timeout=60s']);
    const clusterIP = await kc(['get', 'svc', 'echo', '-o', 'jsonpath={.spec.clusterIP}']);
    const ask = async (target: string) => {
      const result = await server.kubectl(['-n', ns, 'exec', 'client', '--', 'sh', '-c', `echo | nc -w 3 ${target} 80`]);
      return result.stdout.trim();
    };
    const eventually = async (target: string, want: RegExp) => {
      for (let i = 0; i < 20; i++) {
        const answer = await ask(target);
        if (want.test(answer)) return answer;
        await new Promise((r) => setTimeout(r, 300));
      }
      return ask(target);
    };
    expect(await eventually(clusterIP, /^pong-echo$/)).toBe('pong-echo');
    expect(await eventually(`echo.${ns}.svc.cluster.local`, /^pong-echo$/)).toBe('pong-echo');
    expect(await eventually('echo', /^pong-echo$/)).toBe('pong-echo');
    expect(await kc(['exec', 'client', '--', 'cat', '/etc/resolv.conf'])).toBe(`search ${ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n`);
    // NodePort, from the node itself through loopback.
    const nodePort = Number(await kc(['get', 'svc', 'echo', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
    const viaNodePort = await new Promise<string>((resolve, reject) => {
      const socket = connect(nodePort, '127.0.0.1');
      let text = '';
      socket.setTimeout(5000, () => socket.destroy(new Error('node port timed out')));
      socket.on('connect', () => socket.end('\n'));
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text.trim()));
      socket.on('error', reject);
    });
    expect(viaNodePort).toBe('pong-echo');
    // A failing readiness probe takes the pod out of the Service's endpoints.
    await kc(['exec', 'echo', '--', 'rm', '/tmp/ready']);
    await kc(['wait', '--for=condition=Ready=false', 'pod/echo', '--timeout=30s']);
    expect(await eventually(clusterIP, /^$/)).toBe('');
  }, 120_000);

  it('proxies HTTP and upgrades to a pod and to a Service (pods/proxy, services/proxy), also through kubectl proxy', async () => {
    await kc(['apply', '-f', '-'], server.pod('site', {
      containers: [{ name: 'c', image: busyboxImage, ports: [{ containerPort: 8080 }], command: ['sh', '-c', 'mkdir -p /www/sub && echo home > /www/index.html && echo deep > /www/sub/page.txt && echo \'<a href="/sub/page.txt">deep</a> <a href=rel.txt>r</a>\' > /www/links.html && httpd -f -p 8080 -h /www'] }],
    }, { labels: { app: 'site' } }));
    await kc(['create', 'service', 'clusterip', 'site', '--tcp=80:8080']);
    await kc(['wait', '--for=condition=Ready', 'pod/site', '--timeout=60s']);
    const raw = (path: string) => kc(['get', '--raw', path]);
    // The pod's first container port, or the one named; the Service's port by number or name.
    expect(await raw(`/api/v1/namespaces/${ns}/pods/site/proxy/`)).toBe('home\n');
    expect(await raw(`/api/v1/namespaces/${ns}/pods/site:8080/proxy/sub/page.txt`)).toBe('deep\n');
    await server.waitFor(['-n', ns, 'get', 'endpoints', 'site', '-o', 'jsonpath={.subsets[0].addresses[0].ip}'], (text) => text !== '', 30_000);
    expect(await raw(`/api/v1/namespaces/${ns}/services/site:80/proxy/sub/page.txt`)).toBe('deep\n');
    expect(await raw(`/api/v1/namespaces/${ns}/services/http:site:80-8080/proxy/`)).toBe('home\n');
    // What Kubernetes answers when nothing is there.
    const missingPort = await server.kubectl(['-n', ns, 'get', '--raw', `/api/v1/namespaces/${ns}/services/site:81/proxy/`]);
    expect(missingPort.stderr).toContain('no service port 81 found for service "site"');
    // Endpoints made by hand may not point the proxy at addresses that are not their pods'.
    await kc(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'rogue' }, spec: { ports: [{ port: 80 }] } },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'rogue' }, subsets: [{ addresses: [{ ip: '10.42.0.250' }], ports: [{ port: 80 }] }] },
    ] }));
    const rogue = await server.kubectl(['-n', ns, 'get', '--raw', `/api/v1/namespaces/${ns}/services/rogue/proxy/`]);
    expect(rogue.stderr).toContain('no endpoints available for service "rogue"');
    const closed = await server.kubectl(['-n', ns, 'get', '--raw', `/api/v1/namespaces/${ns}/pods/site:9999/proxy/`]);
    expect(closed.stderr).toMatch(/error trying to reach service: dial tcp [\d.]+:9999: connect: connection refused/);
    // An upgrade (WebSocket) through the proxy reaches the pod as it was sent, minus the proxy's prefix and the
    // caller's credentials, and both ways stay joined: a pod that echoes what it gets shows exactly that.
    await kc(['apply', '-f', '-'], server.pod('echoer', { containers: [{ name: 'c', image: busyboxImage, command: ['nc', '-ll', '-p', '8081', '-e', 'cat'] }] }));
    await kc(['wait', '--for=condition=Ready', 'pod/echoer', '--timeout=60s']);
    const url = new URL(server.url);
    const tunnel = tlsConnect({ host: url.hostname, port: Number(url.port), ...clientTls(readFileSync(server.kubeconfig, 'utf8')) });
    try {
      let echoed = '';
      tunnel.on('data', (chunk: Buffer) => (echoed += chunk.toString()));
      const until = async (want: string) => {
        for (let i = 0; i < 100 && !echoed.includes(want); i++) await new Promise((r) => setTimeout(r, 50));
        return echoed;
      };
      tunnel.write(`GET /api/v1/namespaces/${ns}/pods/echoer:8081/proxy/chat?room=1 HTTP/1.1\r\nHost: k2\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      const request = await until('\r\n\r\n');
      expect(request).toMatch(/^GET \/chat\?room=1 HTTP\/1\.1\r\nHost: [\d.]+:8081\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n/);
      expect(request).toContain('sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n');
      expect(request.toLowerCase()).not.toContain('authorization');
      tunnel.write('ping-through-proxy\n');
      expect(await until('ping-through-proxy')).toContain('ping-through-proxy\n');
    } finally {
      tunnel.destroy();
    }
    // kubectl proxy: a plain local HTTP port onto the API, with the Service's pages under its proxy path.
    const child = spawn(kubectlBinary('plain'), ['--kubeconfig', server.kubeconfig, 'proxy', '--port=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(text);
          if (match) resolve(Number(match[1]));
        });
        child.on('exit', (code) => reject(new Error(`kubectl proxy exited ${code}: ${text}`)));
      });
      const page = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/${ns}/services/site:80/proxy/sub/page.txt`);
      expect([page.status, await page.text()]).toEqual([200, 'deep\n']);
      // An HTML page's links to the pod's own paths lead back through the proxy; relative ones already do.
      const links = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/${ns}/services/site:80/proxy/links.html`);
      expect(await links.text()).toBe(`<a href="/api/v1/namespaces/${ns}/services/site:80/proxy/sub/page.txt">deep</a> <a href=rel.txt>r</a>\n`);
      // The proxy root without its slash is redirected to it, as kube-apiserver does.
      const root = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/${ns}/services/site:80/proxy`, { redirect: 'manual' });
      expect([root.status, root.headers.get('location')]).toEqual([301, `/api/v1/namespaces/${ns}/services/site:80/proxy/`]);
    } finally {
      child.kill();
    }
  }, 120_000);
});

describe("the node's kubelet paths through nodes/proxy", () => {
  const ns = 'kubelet-paths';
  const raw = (path: string) => server.kubectl(['get', '--raw', `/api/v1/nodes/${server.nodeName}/proxy${path}`]);

  beforeAll(async () => {
    await ok(['create', 'namespace', ns]);
    await ok(['-n', ns, 'apply', '-f', '-'], { input: server.pod('measured', { containers: [{ name: 'busy', image: busyboxImage, command: ['sh', '-c', 'while true; do :; done'], resources: { limits: { memory: '64Mi' } } }] }) });
    await ok(['-n', ns, 'wait', '--for=condition=Ready', 'pod/measured', '--timeout=60s']);
  }, 90_000);

  it('answers /healthz and lists the pods bound to the node', async () => {
    expect(await raw('/healthz')).toMatchObject({ code: 0, stdout: 'ok' });
    const pods = JSON.parse((await raw('/pods')).stdout) as { kind: string; items: { metadata: { name: string; namespace: string }; spec: { nodeName: string } }[] };
    expect(pods.kind).toBe('PodList');
    expect(pods.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toContain(`${ns}/measured`);
    expect(new Set(pods.items.map((p) => p.spec.nodeName))).toEqual(new Set([server.nodeName]));
  }, 30_000);

  it('serves the Summary API (stats/summary): the node and each running container, measured', async () => {
    const text = await server.waitFor(['get', '--raw', `/api/v1/nodes/${server.nodeName}/proxy/stats/summary`], (t) => {
      const pod = (JSON.parse(t).pods as { podRef: { name: string } ; containers: { cpu: { usageCoreNanoSeconds: number } }[] }[]).find((p) => p.podRef.name === 'measured');
      return (pod?.containers[0]?.cpu.usageCoreNanoSeconds ?? 0) > 0;
    }, 30_000);
    const summary = JSON.parse(text);
    expect(summary.node).toMatchObject({ nodeName: server.nodeName, startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    expect(summary.node.cpu.usageCoreNanoSeconds).toBeGreaterThan(0);
    expect(summary.node.memory.workingSetBytes).toBeGreaterThan(0);
    expect(summary.node.memory.availableBytes).toBeGreaterThan(0);
    expect(summary.node.fs.capacityBytes).toBeGreaterThan(summary.node.fs.availableBytes);
    // containerd counts its snapshots' usage every few seconds: right after a start it may still say 0.
    expect(summary.node.runtime.imageFs).toMatchObject({ capacityBytes: summary.node.fs.capacityBytes, usedBytes: expect.any(Number) });
    expect(summary.node.rlimit.maxpid).toBeGreaterThan(summary.node.rlimit.curproc);
    const pod = summary.pods.find((p: { podRef: { name: string } }) => p.podRef.name === 'measured');
    expect(pod.podRef).toMatchObject({ namespace: ns, uid: expect.any(String) });
    const [container] = pod.containers;
    expect(container.name).toBe('busy');
    expect(container.memory.workingSetBytes).toBeGreaterThan(0);
    // The limit less what the container uses.
    expect(container.memory.availableBytes).toBe(64 * 1024 * 1024 - container.memory.workingSetBytes);
    expect(pod.cpu.usageCoreNanoSeconds).toBe(container.cpu.usageCoreNanoSeconds);
    // The pod's own network (its eth0), and the node's default-route interface.
    expect(pod.network).toMatchObject({ name: 'eth0', rxBytes: expect.any(Number), txBytes: expect.any(Number), interfaces: [expect.objectContaining({ name: 'eth0' })] });
    expect(summary.node.network.interfaces.map((i: { name: string }) => i.name)).toContain(summary.node.network.name);
    // The pod's namespace, not the node's: the node has the pods' bridge, the pod does not.
    expect(summary.node.network.interfaces.map((i: { name: string }) => i.name)).toContain('k2-cni0');
    expect(pod.network.interfaces.map((i: { name: string }) => i.name)).not.toContain('k2-cni0');
  }, 60_000);

  it('serves the resource metrics Prometheus scrapes (metrics/resource)', async () => {
    const { stdout } = await raw('/metrics/resource');
    expect(stdout).toContain('# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n');
    expect(stdout).toMatch(new RegExp(`^container_cpu_usage_seconds_total\\{container="busy",namespace="${ns}",pod="measured"\\} [\\d.e+-]+ \\d{13}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^container_memory_working_set_bytes\\{container="busy",namespace="${ns}",pod="measured"\\} [\\d.e+-]+ \\d{13}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^pod_memory_working_set_bytes\\{namespace="${ns}",pod="measured"\\} `, 'm'));
    expect(stdout).toMatch(/^node_cpu_usage_seconds_total [\d.e+-]+ \d{13}$/m);
    expect(stdout).toMatch(/^resource_scrape_error 0$/m);
  }, 30_000);

  it('serves cAdvisor\'s container series and the kubelet\'s own gauges, for Prometheus\' usual node jobs', async () => {
    const cadvisor = (await raw('/metrics/cadvisor')).stdout;
    const uid = (await ok(['-n', ns, 'get', 'pod', 'measured', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const containerId = (await ok(['-n', ns, 'get', 'pod', 'measured', '-o', 'jsonpath={.status.containerStatuses[0].containerID}'])).replace('containerd://', '').trim();
    const labels = `container="busy",id="/kubepods/pod${uid}/${containerId}",image="${busyboxImage}",name="${containerId}",namespace="${ns}",pod="measured"`;
    expect(cadvisor).toContain('# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.\n# TYPE container_cpu_usage_seconds_total counter\n');
    expect(cadvisor).toContain(`container_cpu_usage_seconds_total{${labels.replace(',id=', ',cpu="total",id=')}} `);
    expect(cadvisor).toMatch(new RegExp(`^container_memory_working_set_bytes\\{${labels.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\} [\\d.e+-]+ \\d{13}$`, 'm'));
    expect(cadvisor).toContain(`container_spec_memory_limit_bytes{${labels}} 6.7108864e+07\n`);
    expect(cadvisor).toMatch(/^machine_cpu_cores\{boot_id="[^"]+",machine_id="[^"]*",system_uuid="[^"]*"\} [1-9]\d*$/m);
    const kubelet = (await raw('/metrics')).stdout;
    expect(kubelet).toContain(`kubelet_node_name{node="${server.nodeName}"} 1\n`);
    expect(kubelet).toMatch(/^kubelet_running_pods [1-9]\d*$/m);
    expect(kubelet).toMatch(/^kubelet_running_containers\{container_state="running"\} [1-9]\d*$/m);
  }, 30_000);

  it('answers what it does not serve as the kubelet does, and a node that does not exist as Kubernetes does', async () => {
    expect(await raw('/configz/nothing')).toMatchObject({ code: 1, stderr: expect.stringContaining('Error from server (NotFound)') });
    const missing = await server.kubectl(['get', '--raw', '/api/v1/nodes/no-such-node/proxy/healthz']);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('nodes "no-such-node" not found') });
    // A Node without a kubelet endpoint (registered by hand): nothing to reach.
    await ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'paper-node' } }) });
    const unreachable = await server.kubectl(['get', '--raw', '/api/v1/nodes/paper-node/proxy/healthz']);
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining('ServiceUnavailable') });
    await ok(['delete', 'node', 'paper-node']);
  }, 30_000);
});
