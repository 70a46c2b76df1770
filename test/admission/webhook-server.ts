// A webhook server for tests: HTTPS on loopback with its own CA; each path answers AdmissionReviews
// with a handler the test gives, and every review received is kept for assertions.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CertificateAuthority } from '../../apiserver/pki.ts';

type Json = Record<string, any>;

/** What a handler returns: the response fields (uid is filled in), or a raw answer to send instead. */
export type ReviewHandler = (request: Json) => Json | { raw: unknown; status?: number } | Promise<Json | { raw: unknown; status?: number }>;

export interface WebhookServer {
  /** `https://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** base64 PEM of the CA, for clientConfig.caBundle. */
  caBundle: string;
  /** Reviews received per path, in order. */
  received: Map<string, Json[]>;
  handle(path: string, handler: ReviewHandler): void;
  close(): Promise<void>;
}

/** A JSONPatch response field (base64). */
export function jsonPatch(operations: unknown[]): Json {
  return { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(operations)).toString('base64') };
}

export async function startWebhookServer(sans: string[] = ['127.0.0.1']): Promise<WebhookServer> {
  const ca = await CertificateAuthority.create('webhook-test-ca');
  const serving = await ca.issue({ commonName: 'webhook', sans, usage: 'server', days: 1 });
  const handlers = new Map<string, ReviewHandler>();
  const received = new Map<string, Json[]>();
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = (req.url ?? '').split('?')[0]!;
      const review = JSON.parse(Buffer.concat(chunks).toString()) as Json;
      received.set(path, [...(received.get(path) ?? []), { ...review, query: (req.url ?? '').split('?')[1] ?? '' }]);
      const handler = handlers.get(path);
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      const answer = await handler(review.request);
      if (res.destroyed) return;
      if ('raw' in answer) {
        res.writeHead((answer.status as number | undefined) ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.raw));
        return;
      }
      const body = { apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid: review.request.uid, ...answer } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    received,
    handle: (path, handler) => handlers.set(path, handler),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
