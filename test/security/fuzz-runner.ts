// Sends hostile requests at a running test server over keep-alive TLS connections (one pool per
// identity), a fixed number at a time, and tallies what came back by category and status.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { TestServer } from '../e2e/harness.ts';
import type { Credentials, HostileRequest } from './hostile-requests.ts';

export interface Identity {
  cert?: string;
  key?: string;
  token?: string;
}

export interface Outcome {
  status: number;
  /** A network error instead of a response (reset, timeout). */
  error?: string;
  retryAfter?: string;
  body?: string;
}

export interface Tally {
  total: number;
  byStatus: Map<number, number>;
  byCategory: Map<string, Map<string, number>>;
  networkErrors: Map<string, number>;
  /** The first requests that got no response, to replay. */
  failedRequests: { request: HostileRequest; outcome: Outcome }[];
  serverErrors: { request: HostileRequest; outcome: Outcome }[];
  tooManyWithoutRetryAfter: number;
}

export function newTally(): Tally {
  return { total: 0, byStatus: new Map(), byCategory: new Map(), networkErrors: new Map(), failedRequests: [], serverErrors: [], tooManyWithoutRetryAfter: 0 };
}

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

export class FuzzClient {
  private readonly agents = new Map<string, Agent>();

  constructor(
    private readonly server: TestServer,
    private readonly ca: string,
    private readonly identities: Record<Exclude<Credentials, 'none'>, Identity>,
  ) {}

  private agent(as: Credentials, slow = false): Agent {
    const key = `${as}${slow ? ':slow' : ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const identity = as === 'none' ? {} : this.identities[as];
      // Requests that hold their connection until the server times them out get a pool of their own.
      agent = new Agent({ keepAlive: !slow, maxSockets: 16, ca: this.ca, cert: identity.cert, key: identity.key });
      this.agents.set(key, agent);
    }
    return agent;
  }

  send(hostile: HostileRequest, timeoutMs = 30_000): Promise<Outcome> {
    // Host and port are always the server's: a path like `//x/y` must never name another host.
    const url = new URL(this.server.url);
    const token = hostile.as === 'none' ? undefined : this.identities[hostile.as].token;
    const headers: Record<string, string> = { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...hostile.headers };
    if (hostile.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    // As every real client does (Node's own leaves it out for GET and DELETE bodies).
    if (hostile.body !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = String(Buffer.byteLength(hostile.body));
    return new Promise((resolve) => {
      let settled = false;
      const done = (outcome: Outcome) => {
        if (!settled) {
          settled = true;
          resolve(outcome);
        }
      };
      const req = request(
        { host: url.hostname, port: url.port, path: hostile.path, method: hostile.method, headers, agent: this.agent(hostile.as, hostile.slow), timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size < 64 * 1024) chunks.push(chunk);
          });
          res.on('end', () => done({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: Buffer.concat(chunks).toString('utf8', 0, 2000) }));
          res.on('error', (error) => done({ status: res.statusCode ?? 0, error: (error as NodeJS.ErrnoException).code ?? error.message }));
        },
      );
      req.on('timeout', () => {
        req.destroy(new Error('timeout'));
      });
      req.on('error', (error: NodeJS.ErrnoException) => done({ status: 0, error: error.code ?? error.message }));
      if (hostile.body !== undefined) req.end(hostile.body);
      else req.end();
    });
  }

  /** Runs `requests` with `concurrency` in flight, tallying each outcome. */
  async run(requests: Iterable<HostileRequest>, concurrency: number, tally: Tally): Promise<void> {
    const iterator = requests[Symbol.iterator]();
    const worker = async () => {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        const hostile = next.value;
        const outcome = await this.send(hostile);
        tally.total++;
        const key = outcome.error ? `error:${outcome.error}` : String(outcome.status);
        let category = tally.byCategory.get(hostile.category);
        if (!category) tally.byCategory.set(hostile.category, (category = new Map()));
        bump(category, key);
        if (outcome.error) {
          bump(tally.networkErrors, `${hostile.category}:${outcome.error}`);
          if (tally.failedRequests.length < 20) tally.failedRequests.push({ request: { ...hostile, body: hostile.body === undefined ? undefined : String(hostile.body).slice(0, 300) }, outcome });
        }
        else {
          bump(tally.byStatus, outcome.status);
          if (outcome.status >= 500 && outcome.status !== 503) tally.serverErrors.push({ request: { ...hostile, body: hostile.body === undefined ? undefined : String(hostile.body).slice(0, 300) }, outcome });
          if (outcome.status === 429 && !outcome.retryAfter) tally.tooManyWithoutRetryAfter++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
  }
}

/** Resident memory of a process in MB, from /proc. */
export function residentMb(pid: number): number {
  return residentParts(pid).total;
}

/** Resident memory of a process in MB, whole and by kind (anonymous, file-backed, shared), from /proc. */
export function residentParts(pid: number): { total: number; anon: number; file: number; shmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { total: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile'), shmem: mb('RssShmem') };
}
