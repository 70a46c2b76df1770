// Probing a k2 server started on this machine: a free loopback port to start it on, and whether its /readyz is
// ok. Used to train the executable's code cache and by the startup benchmark.
import { request } from 'node:https';
import { createServer } from 'node:net';

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
