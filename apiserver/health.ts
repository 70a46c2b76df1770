// /healthz, /livez and /readyz as kube-apiserver serves them: "ok", or a per-check report with ?verbose.
import type { FastifyInstance } from 'fastify';

export type HealthCheck = () => boolean | string; // true = healthy; a string = why not

export class HealthChecks {
  private readonly live = new Map<string, HealthCheck>([['ping', () => true]]);
  private readonly ready = new Map<string, HealthCheck>([['ping', () => true]]);

  /** A check that must pass for /livez, /healthz and /readyz. */
  addLiveness(name: string, check: HealthCheck): void {
    this.live.set(name, check);
    this.ready.set(name, check);
  }

  /** A check that only gates readiness (modules still starting, shutting down). */
  addReadiness(name: string, check: HealthCheck): void {
    this.ready.set(name, check);
  }

  isReady(): boolean {
    return [...this.ready.values()].every((check) => check() === true);
  }

  register(app: FastifyInstance): void {
    const serve = (path: string, checks: Map<string, HealthCheck>) => {
      app.get(path, async (request, reply) => {
        const query = request.query as Record<string, string | undefined>;
        const exclude = new Set(([] as string[]).concat(query.exclude ?? []));
        const results = [...checks].filter(([name]) => !exclude.has(name)).map(([name, check]) => [name, check()] as const);
        const healthy = results.every(([, result]) => result === true);
        reply.code(healthy ? 200 : 500).type('text/plain; charset=utf-8').header('X-Content-Type-Options', 'nosniff');
        const label = path.slice(1);
        if (query.verbose === undefined && healthy) return 'ok';
        const lines = results.map(([name, result]) => (result === true ? `[+]${name} ok` : `[-]${name} failed: ${result === false ? 'reason withheld' : result}`));
        lines.push(`${label} check ${healthy ? 'passed' : 'failed'}`);
        return `${lines.join('\n')}\n`;
      });
    };
    serve('/healthz', this.live);
    serve('/livez', this.live);
    serve('/readyz', this.ready);
  }
}
