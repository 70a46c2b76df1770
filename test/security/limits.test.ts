// Limits against runaway and slow clients, on a real server started with small limits: requests in
// flight (429 with Retry-After), watches per user, clients that never finish sending, and the body
// and object size limits with their Status answers.
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../e2e/harness.ts';
import { serverCa } from './credentials.ts';
import { FuzzClient, newTally } from './fuzz-runner.ts';

describe('request limits', () => {
  let server: TestServer;
  let client: FuzzClient;

  beforeAll(async () => {
    server = await startServer({ args: ['--max-requests-inflight', '2', '--max-mutating-requests-inflight', '1', '--max-watches-per-user', '3', '--request-read-timeout', '2s'] });
    const tls = join(server.dataDir, 'tls');
    const admin = { cert: readFileSync(join(tls, 'admin.crt'), 'utf8'), key: readFileSync(join(tls, 'admin.key'), 'utf8') };
    client = new FuzzClient(server, serverCa(server), { admin, jane: admin, token: admin });
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it('answers requests beyond the in-flight limits with 429 and Retry-After', async () => {
    const tally = newTally();
    const list = { category: 'list', method: 'GET', path: '/api/v1/namespaces/kube-system/configmaps', as: 'admin' as const };
    const create = (i: number) => ({ category: 'create', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: JSON.stringify({ metadata: { name: `c${i}` }, data: { a: 'b' } }), as: 'admin' as const });
    await client.run([...Array.from({ length: 60 }, () => list), ...Array.from({ length: 30 }, (_, i) => create(i))], 30, tally);
    expect(tally.byStatus.get(429)).toBeGreaterThan(0);
    expect(tally.tooManyWithoutRetryAfter).toBe(0);
    expect(tally.byStatus.get(200)).toBeGreaterThan(0);
    expect(tally.byStatus.get(201)).toBeGreaterThan(0);
    expect([...tally.byStatus.keys()].sort()).toEqual([200, 201, 429]);
    const refused = await (async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const burst = await Promise.all(Array.from({ length: 10 }, () => client.send(list)));
        const hit = burst.find((outcome) => outcome.status === 429);
        if (hit) return hit;
      }
      return undefined;
    })();
    expect(refused?.retryAfter).toBe('1');
    expect(JSON.parse(refused!.body!)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 1 },
      code: 429,
    });
  });

  it('limits the watches one user holds open, and frees them when they end', async () => {
    const watch = { category: 'watch', method: 'GET', path: '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=2', as: 'admin' as const };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => client.send(watch)));
    expect(outcomes.map((o) => o.status).sort()).toEqual([200, 200, 200, 429, 429]);
    expect(JSON.parse(outcomes.find((o) => o.status === 429)!.body!).message).toBe('too many watches are open for user "admin" (at most 3); close some and retry');
    expect((await client.send(watch)).status).toBe(200);
  });

  it('cuts off clients that do not finish sending their request, with a 408', async () => {
    const url = new URL(server.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: url.hostname, port: Number(url.port), ca: serverCa(server) }, () => {
        socket.write('GET /version HTTP/1.1\r\nHost: k2\r\nX-Slow: ');
        // ...and never the rest of the headers.
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      setTimeout(() => socket.destroy(), 15_000).unref();
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ kind: 'Status', code: 408, reason: 'Timeout' });
  });

  it('refuses bodies over 3 MiB, objects over 1.5 MiB, runaway nesting and invalid UTF-8 with a 4xx Status', async () => {
    const body = await client.send({ category: 'big', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: Buffer.alloc(3 * 1024 * 1024 + 10, 0x20), as: 'admin' });
    expect(body.status).toBe(413);
    expect(JSON.parse(body.body!)).toMatchObject({ reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' });
    // A kind with no size rule of its own (ControllerRevision data) meets the datastore's 1.5 MiB limit.
    const annotations = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`a${i}`, 'x'.repeat(250_000)]));
    const object = await client.send({ category: 'big', method: 'POST', path: '/apis/apps/v1/namespaces/default/controllerrevisions', body: JSON.stringify({ metadata: { name: 'huge' }, revision: 1, data: annotations }), as: 'admin' });
    expect(object.status).toBe(413);
    expect(JSON.parse(object.body!).message).toMatch(/^Request entity too large: the object is \d+ bytes, the limit is 1572864$/);
    const deep = await client.send({ category: 'deep', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: `{"data":${'['.repeat(600)}${']'.repeat(600)}}`, as: 'admin' });
    expect(JSON.parse(deep.body!)).toMatchObject({ code: 400, message: 'the request body nests deeper than 512 levels' });
    const utf8 = await client.send({ category: 'utf8', method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), as: 'admin' });
    expect(JSON.parse(utf8.body!)).toMatchObject({ code: 400, message: 'the request body is not valid UTF-8' });
    const yaml = await client.send({ category: 'yaml', method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: { 'content-type': 'application/yaml' }, body: `${'- '.repeat(300)}x`, as: 'admin' });
    expect(JSON.parse(yaml.body!)).toMatchObject({ code: 400, message: 'the request body nests deeper than 128 levels' });
  });
});
