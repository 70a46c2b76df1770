// Legacy service-account token Secrets, made only on request (as Kubernetes since 1.24): a Secret of
// type kubernetes.io/service-account-token naming a ServiceAccount in its
// `kubernetes.io/service-account.name` annotation is filled with a token, the cluster CA and the
// namespace; it is deleted with its account (kube-controller-manager's tokens controller).
import type { ApiClient } from '../apiserver/client.ts';
import type { ServiceAccountTokens } from '../apiserver/auth/service-account-tokens.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller } from './controller.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';

export const serviceAccountTokenType = 'kubernetes.io/service-account-token';
const nameAnnotation = 'kubernetes.io/service-account.name';
const uidAnnotation = 'kubernetes.io/service-account.uid';

export class ServiceAccountTokenController extends Controller {
  readonly name = 'tokens-controller';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly tokens: ServiceAccountTokens,
    private readonly caPem: string,
  ) {
    super();
  }

  private get secrets() {
    return this.informers.informer('', 'secrets');
  }

  setup(): void {
    const enqueue = (secret: KubeObject) => secret.type === serviceAccountTokenType && this.queue.add(objectKey(secret));
    this.secrets.addHandlers({ add: enqueue, update: (_old, secret) => enqueue(secret) });
    // A deleted (or re-created) account takes its token Secrets with it.
    const accountChanged = (account: KubeObject) => {
      for (const secret of this.secrets.list(account.metadata.namespace)) {
        if (secret.type === serviceAccountTokenType && secret.metadata.annotations?.[nameAnnotation] === account.metadata.name) this.queue.add(objectKey(secret));
      }
    };
    this.informers.informer('', 'serviceaccounts').addHandlers({ add: accountChanged, delete: accountChanged });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const secret = this.secrets.get(namespace, name);
    if (!secret || secret.type !== serviceAccountTokenType || secret.metadata.deletionTimestamp) return;
    const accountName = secret.metadata.annotations?.[nameAnnotation];
    const account = accountName ? this.informers.informer('', 'serviceaccounts').get(namespace, accountName) : undefined;
    const boundUid = secret.metadata.annotations?.[uidAnnotation];
    const secrets = this.client.resource('', 'secrets');
    try {
      if (!account || (boundUid && boundUid !== account.metadata.uid)) {
        await secrets.delete(namespace, name, { preconditions: { uid: secret.metadata.uid } });
        return;
      }
      const data = (secret.data ?? {}) as Record<string, string>;
      if (data.token && boundUid) return;
      await secrets.modify(namespace, name, (current) => ({
        ...current,
        metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, [uidAnnotation]: account.metadata.uid! } },
        data: {
          ...((current.data ?? {}) as Record<string, string>),
          token: Buffer.from(this.tokens.issueLegacy(account, name)).toString('base64'),
          'ca.crt': Buffer.from(this.caPem).toString('base64'),
          namespace: Buffer.from(namespace!).toString('base64'),
        },
      }));
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }
}
