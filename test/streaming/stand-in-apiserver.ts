// TEST-ONLY stand-in for the API server's pod routes, which are written elsewhere and do not exist yet: an HTTPS
// fastify app that answers kubectl's discovery and `GET /api/v1/namespaces/<ns>/pods/<name>` with a minimal
// Running pod, and hands the exec/attach/portforward upgrades to apiserver/streaming with the pod's target.
// It neither authenticates nor authorises; the real routes will.
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import Fastify from 'fastify';
import { writeKubeconfig } from '../../apiserver/kubeconfig.ts';
import { loadOrCreatePki } from '../../apiserver/pki.ts';
import { handlePortForwardUpgrade } from '../../apiserver/streaming/portforward.ts';
import { handleExecUpgrade } from '../../apiserver/streaming/remotecommand.ts';
import { parseExecQuery, StreamTargetError, type StreamTarget } from '../../apiserver/streaming/target.ts';
import { refuseUpgrade } from '../../apiserver/streaming/upgrade.ts';

export interface StandInPod {
  namespace: string;
  name: string;
  containers: string[];
  target: StreamTarget;
}

export interface StandInApiServer {
  url: string;
  kubeconfig: string;
  /** Upgrade requests seen, as "<METHOD> <subresource> <Upgrade header>", to tell which protocol kubectl used. */
  upgrades: string[];
  close(): Promise<void>;
}

export async function startStandInApiServer(pods: StandInPod[]): Promise<StandInApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'k2-stand-in-'));
  const pki = await loadOrCreatePki(join(dir, 'tls'), ['localhost', '127.0.0.1']);
  const app = Fastify({ https: { key: pki.serving.keyPem, cert: pki.serving.certPem }, logger: false, forceCloseConnections: true });
  const find = (namespace: string, name: string) => pods.find((p) => p.namespace === namespace && p.name === name);

  app.get('/version', async () => ({ major: '1', minor: '33', gitVersion: 'v1.33.0-k2-stand-in', platform: 'linux/amd64' }));
  app.get('/api', async () => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] }));
  app.get('/apis', async () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] }));
  app.get('/api/v1', async () => ({
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
      { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
  }));
  app.get<{ Params: { ns: string; name: string } }>('/api/v1/namespaces/:ns/pods/:name', async (request, reply) => {
    const pod = find(request.params.ns, request.params.name);
    if (!pod) {
      return reply.code(404).send({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: `pods "${request.params.name}" not found`, code: 404 });
    }
    return {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: pod.name, namespace: pod.namespace, uid: `uid-${pod.name}`, resourceVersion: '1', creationTimestamp: new Date().toISOString() },
      spec: { containers: pod.containers.map((name) => ({ name, image: 'busybox' })) },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: pod.containers.map((name) => ({ name, ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: new Date().toISOString() } } })),
      },
    };
  });

  const upgrades: string[] = [];
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'https://stand-in');
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/.exec(url.pathname);
    const pod = match ? find(match[1]!, match[2]!) : undefined;
    if (!match || !pod) return refuseUpgrade(socket, 404, 'NotFound', `no such pod or subresource: ${url.pathname}`);
    const kind = match[3] as 'exec' | 'attach' | 'portforward';
    upgrades.push(`${req.method} ${kind} ${req.headers.upgrade}`);
    if (kind === 'portforward') {
      void handlePortForwardUpgrade(req, socket, head, pod.target);
      return;
    }
    try {
      const request = parseExecQuery(url.searchParams, kind);
      if (!request.container) request.container = pod.containers[0]!;
      void handleExecUpgrade(req, socket, head, { kind, request, target: pod.target });
    } catch (error) {
      const e = error as StreamTargetError;
      refuseUpgrade(socket, e.code ?? 400, e.reason ?? 'BadRequest', e.message);
    }
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  await writeKubeconfig(kubeconfig, { server: url, caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem });
  return {
    url,
    kubeconfig,
    upgrades,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
