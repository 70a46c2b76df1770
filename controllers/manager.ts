// Runs the controllers in the server process: shared informers, one client identity per
// controller (system:serviceaccount:kube-system:<name>, as kube-controller-manager's
// --use-service-account-credentials), started after the caches are ready.
import type { Logger } from 'pino';
import { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import type { UserInfo } from '../apiserver/authn.ts';
import type { ServiceAccountTokens } from '../apiserver/auth/service-account-tokens.ts';
import type { CertificateAuthority } from '../apiserver/pki.ts';
import { CertificateApprover, CertificateCleaner, CertificateSigner } from './certificates.ts';
import { ClusterRoleAggregationController } from './clusterrole-aggregation.ts';
import { ServiceAccountTokenController } from './service-account-tokens.ts';
import type { Controller } from './controller.ts';
import { InformerFactory } from './informer.ts';
import { NamespaceController } from './namespace.ts';
import { ResourceQuotaController } from './resource-quota.ts';
import { RootCaPublisher } from './root-ca-publisher.ts';
import { ServiceAccountController } from './service-account.ts';

export function controllerUser(name: string): UserInfo {
  return {
    username: `system:serviceaccount:kube-system:${name}`,
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
  };
}

export const kubeControllerManagerUser: UserInfo = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };

export class ControllerManager {
  readonly informers: InformerFactory;
  private readonly controllers: Controller[] = [];

  constructor(
    core: ApiCore,
    private readonly log: Logger,
    options: { caPem: string; ca?: CertificateAuthority; tokens?: ServiceAccountTokens },
  ) {
    this.informers = new InformerFactory(core);
    const client = (name: string) => new ApiClient(core, controllerUser(name));
    this.controllers.push(
      new NamespaceController(core, this.informers, client('namespace-controller')),
      new ServiceAccountController(this.informers, client('service-account-controller')),
      new RootCaPublisher(this.informers, client('root-ca-cert-publisher'), options.caPem),
      new ResourceQuotaController(core, this.informers, client('resourcequota-controller')),
      new ClusterRoleAggregationController(this.informers, client('clusterrole-aggregation-controller')),
    );
    if (options.ca) {
      this.controllers.push(
        new CertificateSigner(this.informers, client('certificate-controller'), options.ca),
        new CertificateApprover(core, this.informers, client('certificate-controller')),
        new CertificateCleaner(this.informers, client('certificate-controller')),
      );
    }
    // The tokens controller runs as kube-controller-manager itself, as in Kubernetes.
    if (options.tokens) this.controllers.push(new ServiceAccountTokenController(this.informers, new ApiClient(core, kubeControllerManagerUser), options.tokens, options.caPem));
  }

  start(): void {
    for (const controller of this.controllers) controller.setup();
    this.informers.start();
    for (const controller of this.controllers) controller.start(this.log);
    this.log.info({ controllers: this.controllers.map((c) => c.name) }, 'controllers started');
  }

  async stop(): Promise<void> {
    this.informers.shutdown();
    await Promise.all(this.controllers.map((c) => c.stop()));
  }
}
