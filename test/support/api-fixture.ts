// An in-process API (no TLS, memory datastore) for tests of the REST layer with fastify's inject.
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { installApi, startApiCore, type Api } from '../../apiserver/api.ts';
import { toStatusError } from '../../apiserver/http-server.ts';
import { MemoryDatastore } from './memory-datastore.ts';

export interface ApiFixture extends Api {
  app: FastifyInstance;
  datastore: MemoryDatastore;
  close(): Promise<void>;
}

export async function apiFixture(): Promise<ApiFixture> {
  const datastore = new MemoryDatastore();
  // Pagination is exercised whatever the list size.
  const core = await startApiCore(datastore, pino({ level: 'silent' }), { wholeListFromCache: 0 });
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    request.user = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
  });
  app.setErrorHandler((error, _request, reply) => {
    const status = toStatusError(error);
    reply.code(status.code).send(status.toStatus());
  });
  const api = installApi(app, core);
  await app.ready();
  return { ...api, app, datastore, close: async () => { core.stop(); await app.close(); } };
}
