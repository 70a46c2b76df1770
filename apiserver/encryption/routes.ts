// The server side of `k2 secrets-encrypt`: status and the operations that change how values are
// sealed, on k2's own path (like k3s's supervisor API). RBAC grants these non-resource URLs to
// cluster-admin only.
import type { FastifyInstance } from 'fastify';
import type { Datastore } from '../../datastore/types.ts';
import { errors } from '../status.ts';
import type { SecretsEncryption } from './secrets-encryption.ts';

export const encryptionPath = '/k2/v1/secrets-encryption';
const operations = ['rotate', 'reencrypt', 'enable', 'disable'] as const;

export function registerEncryptionRoutes(app: FastifyInstance, encryption: SecretsEncryption, datastore: Datastore): void {
  let busy = false;
  app.get(encryptionPath, async () => encryption.status(datastore));
  app.post<{ Params: { operation: string } }>(`${encryptionPath}/:operation`, async (request) => {
    const operation = request.params.operation as (typeof operations)[number];
    if (!operations.includes(operation)) throw errors.badRequest(`unknown secrets-encrypt operation ${JSON.stringify(request.params.operation)}: want ${operations.join(', ')}`);
    if (busy) throw errors.conflict('secrets-encryption', '', operation, 'another secrets-encrypt operation is running; retry when it ends');
    busy = true;
    try {
      switch (operation) {
        case 'rotate':
          return await encryption.rotate(datastore);
        case 'reencrypt':
          await encryption.reencrypt(datastore);
          return await encryption.status(datastore);
        case 'enable':
        case 'disable':
          return await encryption.setEnabled(operation === 'enable', datastore);
      }
    } finally {
      busy = false;
    }
  });
}
