// Runs the controllers in the server process: shared informers, one client identity per
// controller (system:serviceaccount:kube-system:<name>, as kube-controller-manager's
// --use-service-account-credentials), started after the caches are ready.
import type { Logger } from 'pino';
import { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import type { UserInfo } from '../apiserver/authn.ts';
import type { Controller } from './controller.ts';
import { InformerFactory } from './informer.ts';
import { CustomResourceDefinitionController } from './custom-resource-definition.ts';
import { NamespaceController } from './namespace.ts';
import { NodeIpamController } from './node-ipam.ts';
import { ResourceQuotaController } from './resource-quota.ts';
import { RootCaPublisher } from './root-ca-publisher.ts';
import { ServiceAccountController } from './service-account.ts';

export function controllerUser(name: string): UserInfo {
  return {
    username: `system:serviceaccount:kube-system:${name}`,
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
  };
}

export class ControllerManager {
  readonly informers: InformerFactory;
  private readonly controllers: Controller[] = [];

  constructor(
    core: ApiCore,
    private readonly log: Logger,
    options: { caPem: string; /** Give every Node a pod CIDR from this range (node IPAM). */ clusterCidr?: string },
  ) {
    this.informers = new InformerFactory(core);
    const client = (name: string) => new ApiClient(core, controllerUser(name));
    this.controllers.push(
      new NamespaceController(core, this.informers, client('namespace-controller')),
      new ServiceAccountController(this.informers, client('service-account-controller')),
      new RootCaPublisher(this.informers, client('root-ca-cert-publisher'), options.caPem),
      new ResourceQuotaController(core, this.informers, client('resourcequota-controller')),
      new CustomResourceDefinitionController(core, this.informers, client('crd-controller')),
    );
    if (options.clusterCidr) this.controllers.push(new NodeIpamController(this.informers, client('node-ipam-controller'), options.clusterCidr));
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
