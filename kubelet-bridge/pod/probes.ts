// Liveness, readiness and startup probes (exec, httpGet, tcpSocket, grpc) with the kubelet's timing rules:
// initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold and failureThreshold. One worker per probe
// of a running container; results change only when a threshold is crossed, and each change is reported.
import * as grpc from '@grpc/grpc-js';
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import protobuf from 'protobufjs';
import type { CriClient } from '../cri/client.ts';
import type { Container, HttpGetAction, Probe } from './types.ts';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeOutcome {
  success: boolean;
  message: string;
}

export interface ProbeTarget {
  containerId: string;
  container: Container;
  /** Where httpGet/tcpSocket/grpc connect when the probe names no host: the pod's IP (the node's for host network). */
  podIP: string;
}

/** Runs one probe once. */
export async function runProbe(cri: CriClient, probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.exec) {
      const result = await cri.call('ExecSync', { containerId: target.containerId, cmd: probe.exec.command ?? [], timeout: Math.ceil(timeoutMs / 1000) }, timeoutMs + 2000);
      const output = Buffer.concat([Buffer.from(result.stdout), Buffer.from(result.stderr)]).toString('utf8').trim();
      return { success: result.exitCode === 0, message: result.exitCode === 0 ? output : `command exited with ${result.exitCode}: ${output}` };
    }
    if (probe.httpGet) return await httpProbe(probe.httpGet, target, timeoutMs);
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket.host || target.podIP, resolvePort(probe.tcpSocket.port, target.container), timeoutMs);
    if (probe.grpc) return await grpcProbe(target.podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
    return { success: false, message: 'probe has no handler (exec, httpGet, tcpSocket or grpc)' };
  } catch (error) {
    return { success: false, message: (error as Error).message };
  }
}

/** A named port (`http`) → the container's port of that name; numbers stay numbers. */
export function resolvePort(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port named "${port}"`);
  return named.containerPort;
}

function httpProbe(action: HttpGetAction, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const scheme = action.scheme === 'HTTPS' ? https : http;
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.33', accept: '*/*' };
  for (const header of action.httpHeaders ?? []) headers[header.name.toLowerCase()] = header.value;
  const host = action.host || target.podIP;
  return new Promise((resolve) => {
    const req = scheme.request(
      { host, port: resolvePort(action.port, target.container), path: action.path || '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ success: code >= 200 && code < 400, message: `HTTP probe ${code >= 200 && code < 400 ? 'succeeded' : 'failed'} with statuscode: ${code}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Get "${action.scheme === 'HTTPS' ? 'https' : 'http'}://${host}:${action.port}${action.path ?? '/'}": context deadline exceeded`)));
    req.on('error', (error) => resolve({ success: false, message: error.message }));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ success: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    socket.on('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ success: true, message: '' });
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      resolve({ success: false, message: `dial tcp ${host}:${port}: ${error.message}` });
    });
  });
}

// grpc.health.v1: HealthCheckRequest { string service = 1; } → HealthCheckResponse { ServingStatus status = 1; } (SERVING = 1).
const healthRequest = new protobuf.Type('HealthCheckRequest').add(new protobuf.Field('service', 1, 'string'));
const healthResponse = new protobuf.Type('HealthCheckResponse').add(new protobuf.Field('status', 1, 'int32'));

function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const client = new grpc.Client(`${host}:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (value: { service: string }) => Buffer.from(healthRequest.encode(healthRequest.fromObject(value)).finish()),
      (bytes: Buffer) => healthResponse.toObject(healthResponse.decode(bytes), { defaults: true }) as { status: number },
      { service },
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (error, response) => {
        client.close();
        if (error) resolve({ success: false, message: `rpc error: ${error.details || error.message}` });
        else resolve({ success: response?.status === 1, message: response?.status === 1 ? '' : `service unhealthy (responded with status ${response?.status})` });
      },
    );
  });
}

interface Worker {
  timer?: NodeJS.Timeout;
  successes: number;
  failures: number;
  result: boolean | undefined;
  stopped: boolean;
}

export interface ProbeResults {
  /** undefined: no readiness probe result yet (not ready unless there is no probe). */
  ready?: boolean;
  /** Whether the startup probe has succeeded (true when there is none). */
  started: boolean;
  /** Set once liveness (or startup) failed failureThreshold times: the container must be restarted. */
  unhealthy?: string;
}

/**
 * The probe workers of one running container. `onChange` is called whenever readiness, startup or liveness
 * changes, so the owner can re-sync the pod.
 */
export class ContainerProbes {
  readonly results: ProbeResults;
  private readonly workers = new Map<ProbeKind, Worker>();

  constructor(
    private readonly cri: CriClient,
    private readonly target: ProbeTarget,
    private readonly onChange: () => void,
  ) {
    const container = target.container;
    this.results = { ready: container.readinessProbe ? false : undefined, started: !container.startupProbe };
    if (container.startupProbe) this.start('startup', container.startupProbe);
    else this.startAfterStartup();
  }

  private startAfterStartup(): void {
    const container = this.target.container;
    if (container.livenessProbe) this.start('liveness', container.livenessProbe);
    if (container.readinessProbe) this.start('readiness', container.readinessProbe);
  }

  private start(kind: ProbeKind, probe: Probe): void {
    const worker: Worker = { successes: 0, failures: 0, result: undefined, stopped: false };
    this.workers.set(kind, worker);
    const period = Math.max(1, probe.periodSeconds ?? 10) * 1000;
    const successThreshold = kind === 'readiness' ? Math.max(1, probe.successThreshold ?? 1) : 1;
    const failureThreshold = Math.max(1, probe.failureThreshold ?? 3);
    const tick = async () => {
      if (worker.stopped) return;
      const outcome = await runProbe(this.cri, probe, this.target);
      if (worker.stopped) return;
      if (outcome.success) {
        worker.failures = 0;
        worker.successes++;
        if (worker.successes >= successThreshold && worker.result !== true) this.record(kind, worker, true, outcome.message);
      } else {
        worker.successes = 0;
        worker.failures++;
        if (worker.failures >= failureThreshold && worker.result !== false) this.record(kind, worker, false, outcome.message);
      }
      if (!worker.stopped) worker.timer = setTimeout(tick, period);
    };
    worker.timer = setTimeout(tick, (probe.initialDelaySeconds ?? 0) * 1000);
  }

  private record(kind: ProbeKind, worker: Worker, success: boolean, message: string): void {
    worker.result = success;
    if (kind === 'readiness') this.results.ready = success;
    else if (kind === 'startup') {
      if (success) {
        this.results.started = true;
        this.stopWorker('startup');
        this.startAfterStartup();
      } else this.results.unhealthy = `Startup probe failed: ${message}`;
    } else if (!success) {
      this.results.unhealthy = `Liveness probe failed: ${message}`;
    }
    if (this.results.unhealthy) this.stop();
    this.onChange();
  }

  private stopWorker(kind: ProbeKind): void {
    const worker = this.workers.get(kind);
    if (!worker) return;
    worker.stopped = true;
    clearTimeout(worker.timer);
    this.workers.delete(kind);
  }

  stop(): void {
    for (const kind of [...this.workers.keys()]) this.stopWorker(kind);
  }
}
