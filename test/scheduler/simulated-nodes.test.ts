// End to end with real kubectl against `k2 server --simulated-nodes 3`: pods created directly are
// bound by the scheduler and Running on simulated nodes; an unschedulable pod carries kube-scheduler's
// message; a node whose Lease stops goes NotReady; endpoints follow ready pods; a claim binds
// through local-path. (Objects are made with `apply --validate=false`, not `create <kind>`: kubectl
// 1.32+ sends `create` bodies as protobuf and validates against OpenAPI documents, both served by
// other modules.)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../e2e/harness.ts';

const versions = ['1.30', '1.33'];

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('simulated nodes with real kubectl', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ args: ['--simulated-nodes', '3', '--node-monitor-grace-period', '3s'] });
  }, 60_000);
  afterAll(() => server?.stop());

  describe.each(versions)('kubectl %s', (version) => {
    const ns = `sim-${version.replace('.', '-')}`;
    const kubectl = async (...args: string[]) => {
      const result = await server.kubectl(args, { version });
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    };
    const apply = (manifest: string) => server.kubectl(['apply', '--validate=false', '-n', ns, '-f', '-'], { version, input: manifest });

    beforeAll(async () => {
      const created = await server.kubectl(['apply', '--validate=false', '-f', '-'], { version, input: `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"${ns}"}}` });
      if (created.code !== 0) throw new Error(created.stderr);
      await eventually('the default ServiceAccount', () => kubectl('get', 'serviceaccount', 'default', '-n', ns).then(() => true));
    });

    it('shows three Ready simulated nodes', async () => {
      const nodes = await eventually('3 Ready nodes', async () => {
        const out = await kubectl('get', 'nodes', '--no-headers');
        return out.trim().split('\n').filter((l) => / Ready /.test(l)).length === 3 && out;
      });
      expect(nodes).toMatch(/^k2-sim-0 +Ready +<none> +\S+ +v1\.33\.0-k2-simulated$/m);
    });

    it('binds pods created directly and runs them on the simulated nodes', async () => {
      for (const name of ['one', 'two', 'three']) await kubectl('run', name, '-n', ns, '--image=busybox', '--labels=app=web', '--port=8080', '--', 'sleep', '3600');
      const wide = await eventually('3 Running pods', async () => {
        const out = await kubectl('get', 'pods', '-n', ns, '-o', 'wide', '--no-headers');
        return out.trim().split('\n').filter((l) => /1\/1 +Running/.test(l)).length === 3 && out;
      });
      for (const line of wide.trim().split('\n')) expect(line).toMatch(/^\S+ +1\/1 +Running +0 +\S+ +10\.42\.\d+\.\d+ +k2-sim-[0-2] +<none> +<none>$/);
      const events = await kubectl('get', 'events', '-n', ns, '--field-selector', 'reason=Scheduled', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}');
      expect(events.trim().split('\n').sort()).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^Successfully assigned ${ns}/one to k2-sim-[0-2]$`))]));
      // Who wrote what, as a real cluster records it: kubectl created the pod, the kubelet wrote its status
      // (binding records no entry), and the Scheduled event is kube-scheduler's.
      const managers = await kubectl('get', 'pod', 'one', '-n', ns, '--show-managed-fields', '-o', 'jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation}/{.subresource}{" "}{end}');
      expect(managers.trim().split(' ')).toEqual(['kubectl-run/Update/', 'kubelet/Update/status']);
      // The conditions in a kubelet's order, as `kubectl describe pod` lists them.
      const conditions = await kubectl('get', 'pod', 'one', '-n', ns, '-o', 'jsonpath={.status.conditions[*].type}');
      expect(conditions).toBe('PodReadyToStartContainers Initialized Ready ContainersReady PodScheduled');
      // `kubectl debug` adds an ephemeral container, which the node reports running; the others keep their IDs.
      const containerId = await kubectl('get', 'pod', 'one', '-n', ns, '-o', 'jsonpath={.status.containerStatuses[0].containerID}');
      await kubectl('debug', 'one', '-n', ns, '--image=busybox', '-c', 'debugger', '--', 'sh');
      const debugger_ = await eventually('the ephemeral container to run', () => kubectl('get', 'pod', 'one', '-n', ns, '-o', 'jsonpath={.status.ephemeralContainerStatuses[0].name}/{.status.ephemeralContainerStatuses[0].state.running.startedAt}').then((out) => !out.endsWith('/') && out));
      expect(debugger_).toMatch(/^debugger\/\d{4}-/);
      expect(await kubectl('get', 'pod', 'one', '-n', ns, '-o', 'jsonpath={.status.containerStatuses[0].containerID}')).toBe(containerId);
      const eventManagers = await kubectl('get', 'events', '-n', ns, '--field-selector', 'reason=Scheduled,involvedObject.name=one', '--show-managed-fields', '-o', 'jsonpath={.items[*].metadata.managedFields[*].manager}');
      expect(eventManagers).toBe('kube-scheduler');
    });

    it('leaves a pod that fits nowhere Pending with the scheduler message and a FailedScheduling event', async () => {
      await kubectl('run', 'huge', '-n', ns, '--image=busybox', '--overrides={"spec":{"containers":[{"name":"huge","image":"busybox","resources":{"requests":{"cpu":"64"}}}]}}');
      const expected = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
      const message = await eventually('the PodScheduled condition', () => kubectl('get', 'pod', 'huge', '-n', ns, '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}'));
      expect(message).toBe(expected);
      expect(await kubectl('get', 'pod', 'huge', '-n', ns, '--no-headers')).toMatch(/^huge +0\/1 +Pending +0 /);
      const describe = await kubectl('describe', 'pod', 'huge', '-n', ns);
      expect(describe).toMatch(new RegExp(`Warning +FailedScheduling +\\S+ +default-scheduler +${expected.replace(/[.()/]/g, '\\$&')}`));
      const metrics = await kubectl('get', '--raw', '/metrics');
      expect(Number(/^scheduler_pending_pods\{queue="unschedulable"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      expect(Number(/^scheduler_scheduling_attempt_duration_seconds_count\{[^}]*result="scheduled"[^}]*\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    });

    it('reports the cpu and memory of a pod resized in place', async () => {
      const resources = { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } };
      const created = await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'resizable' }, spec: { containers: [{ name: 'app', image: 'busybox', resources }] } }));
      expect(created.code, created.stderr).toBe(0);
      const limit = () => kubectl('get', 'pod', 'resizable', '-n', ns, '-o', 'jsonpath={.status.containerStatuses[0].resources.limits.cpu}');
      expect(await eventually('the running pod', () => limit().then((cpu) => cpu === '200m' && cpu))).toBe('200m');
      // kubectl takes --subresource=resize from 1.32 on; the newest one resizes.
      const resized = await server.kubectl(['patch', 'pod', 'resizable', '-n', ns, '--subresource=resize', '-p', '{"spec":{"containers":[{"name":"app","resources":{"limits":{"cpu":"500m"}}}]}}'], { version: '1.33' });
      expect(resized.code, resized.stderr).toBe(0);
      expect(await eventually('the resize', () => limit().then((cpu) => cpu === '500m' && cpu))).toBe('500m');
    });

    it("completes a Job's pods, as KWOK's pod-complete stage does", async () => {
      await kubectl('create', 'job', 'once', '-n', ns, '--image=busybox', '--', 'date');
      await kubectl('wait', '--for=condition=Complete', 'job/once', '-n', ns, '--timeout=30s');
      expect(await kubectl('get', 'pods', '-n', ns, '-l', 'job-name=once', '--no-headers')).toMatch(/^once-\w+ +0\/1 +Completed +0 +/);
      expect(await kubectl('get', 'job', 'once', '-n', ns, '--no-headers')).toMatch(/^once +Complete +1\/1 +/);
    });

    it('keeps Endpoints and EndpointSlices on the ready pods of a Service', async () => {
      const service = await apply('{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"name":"80-8080","port":80,"targetPort":8080}]}}');
      expect(service.stderr).toBe('');
      const endpoints = await eventually('3 endpoints', async () => {
        const out = await kubectl('get', 'endpoints', 'web', '-n', ns, '-o', 'jsonpath={.subsets[0].addresses[*].ip}');
        return out.split(' ').filter(Boolean).length === 3 && out;
      });
      const ips = (await kubectl('get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'jsonpath={.items[*].status.podIP}')).split(' ').sort();
      expect(endpoints.split(' ').sort()).toEqual(ips);
      expect(await kubectl('get', 'endpoints', 'web', '-n', ns, '--show-managed-fields', '-o', 'jsonpath={.metadata.managedFields[*].manager}')).toBe('kube-controller-manager');
      expect(await kubectl('get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=web', '--no-headers')).toMatch(/^web-\S+ +IPv4 +8080 +\S+ +\S+$/m);
      await kubectl('delete', 'pod', 'one', '-n', ns, '--wait=true');
      await eventually('2 endpoints', async () => (await kubectl('get', 'endpoints', 'web', '-n', ns, '-o', 'jsonpath={.subsets[0].addresses[*].ip}')).split(' ').filter(Boolean).length === 2);
    });

    it('binds a claim through the local-path provisioner when its first pod is scheduled', async () => {
      const result = await apply(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  containers: [{name: db, image: busybox, command: [sleep, "3600"], volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`);
      expect(result.stderr).toBe('');
      const pvc = await eventually('the claim to bind', async () => {
        const out = await kubectl('get', 'pvc', 'data', '-n', ns, '--no-headers');
        return /Bound/.test(out) && out;
      });
      expect(pvc).toMatch(/^data +Bound +pvc-[0-9a-f-]{36} +1Gi +RWO +local-path /);
      const volume = pvc.split(/ +/)[2]!;
      const node = await kubectl('get', 'pod', 'db', '-n', ns, '-o', 'jsonpath={.spec.nodeName}');
      expect(await kubectl('get', 'pv', volume, '-o', 'jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}')).toBe(node);
      expect(existsSync(join(server.dataDir, 'storage', `${volume}_${ns}_data`))).toBe(true);
      await eventually('the pod to run', async () => /Running/.test(await kubectl('get', 'pod', 'db', '-n', ns, '--no-headers')));
    });
  });

  it('marks a node NotReady, with the unreachable taints, after its Lease stops', async () => {
    const manifest = `
apiVersion: v1
kind: Node
metadata: {name: silent, labels: {kubernetes.io/hostname: silent}}
status:
  capacity: {cpu: "2", memory: 4Gi, pods: "10"}
  allocatable: {cpu: "2", memory: 4Gi, pods: "10"}
  conditions: [{type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status}]
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: silent, namespace: kube-node-lease}
spec: {holderIdentity: silent, leaseDurationSeconds: 40, renewTime: "${new Date().toISOString().slice(0, 23)}000Z"}
`;
    const created = await server.kubectl(['apply', '--validate=false', '-f', '-'], { version: '1.33', input: manifest });
    expect(created.stderr).toBe('');
    const line = await eventually('the node to go NotReady', async () => {
      const out = (await server.kubectl(['get', 'node', 'silent', '--no-headers'], { version: '1.33' })).stdout;
      return /NotReady/.test(out) && out;
    });
    expect(line).toMatch(/^silent +NotReady +<none> /);
    const taints = await eventually('the taints', async () => {
      const out = (await server.kubectl(['get', 'node', 'silent', '-o', 'jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}'], { version: '1.33' })).stdout;
      return out.includes('NoExecute') && out;
    });
    expect(taints.trim().split(' ').sort()).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const ready = (await server.kubectl(['get', 'node', 'silent', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}'], { version: '1.33' })).stdout;
    expect(ready).toBe('Kubelet stopped posting node status.');
    // The simulated nodes, whose leases are renewed, stay Ready all along.
    expect((await server.kubectl(['get', 'nodes', '--no-headers', '-l', 'node.kubernetes.io/instance-type=k2-simulated'], { version: '1.33' })).stdout.match(/ Ready /g)).toHaveLength(3);
  });
});
