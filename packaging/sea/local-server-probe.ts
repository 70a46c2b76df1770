// Probing a k2 server started on this machine: a free loopback port to start it on, and whether its /readyz is
// ok. Used to train the executable's code cache and by the startup benchmark.
import { request } from 'node:https';
import { connect, createServer } from 'node:net';

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
    probe.on('error', reject);
  });
}

/** One GET /readyz on 127.0.0.1:port (the serving certificate is not checked); false when not ok or not up. */
export function readyzOk(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveOk) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolveOk(res.statusCode === 200));
    });
    req.on('error', () => resolveOk(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Whether 127.0.0.1:port accepts a TCP connection (closed again at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.on('error', () => resolveAccepts(false));
  });
}

export interface ReadyWait {
  timeoutMs: number;
  /** Between probes. */
  pollMs?: number;
  /** Why waiting is pointless (the server exited), or undefined. */
  failure?: () => string | undefined;
}

/**
 * Resolves once GET /readyz on 127.0.0.1:port is ok. Until the port accepts connections (k2 opens a given port once
 * it is ready) it is probed with bare TCP connects: on a machine with few cores, a TLS request every few
 * milliseconds would take CPU time from the server whose start is measured.
 */
export async function waitForReadyz(port: number, wait: ReadyWait): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    if ((await accepts(port)) && (await readyzOk(port))) return;
    const failure = wait.failure?.();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) throw new Error(`/readyz on port ${port} was not ok within ${wait.timeoutMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, wait.pollMs ?? 2));
  }
}
