// Runs the controllers in the server process: shared informers, one client identity per
// controller (system:serviceaccount:kube-system:<name>, as kube-controller-manager's
// --use-service-account-credentials), started after the caches are ready.
import type { Logger } from 'pino';
import { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import type { UserInfo } from '../apiserver/authn.ts';
import type { Controller } from './controller.ts';
import { CronJobController } from './cron-job.ts';
import { DaemonSetController } from './daemon-set.ts';
import { DeploymentController } from './deployment.ts';
import { DisruptionController } from './disruption.ts';
import { EventRecorder } from './events.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { HorizontalPodAutoscalerController, type PodMetricsSource } from './horizontal-pod-autoscaler.ts';
import { InformerFactory } from './informer.ts';
import { CustomResourceDefinitionController } from './custom-resource-definition.ts';
import { JobController } from './job.ts';
import { NamespaceController } from './namespace.ts';
import { ReplicaSetController, replicationControllerKind } from './replica-set.ts';
import { ResourceQuotaController } from './resource-quota.ts';
import { RootCaPublisher } from './root-ca-publisher.ts';
import { ServiceAccountController } from './service-account.ts';
import { StatefulSetController } from './stateful-set.ts';
import { TtlAfterFinishedController } from './ttl-after-finished.ts';

export function controllerUser(name: string): UserInfo {
  return {
    username: `system:serviceaccount:kube-system:${name}`,
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
  };
}

export class ControllerManager {
  readonly informers: InformerFactory;
  private readonly controllers: Controller[] = [];
  private readonly recorders: EventRecorder[] = [];

  constructor(
    core: ApiCore,
    private readonly log: Logger,
    options: { caPem: string; metrics?: PodMetricsSource; hpaSyncMs?: number },
  ) {
    this.informers = new InformerFactory(core);
    const client = (name: string) => new ApiClient(core, controllerUser(name));
    // Each workload controller writes as itself and records events as its own source component.
    const recorder = (name: string) => {
      const events = new EventRecorder(client(name), name, { log });
      this.recorders.push(events);
      return events;
    };
    this.controllers.push(
      new NamespaceController(core, this.informers, client('namespace-controller')),
      new ServiceAccountController(this.informers, client('service-account-controller')),
      new RootCaPublisher(this.informers, client('root-ca-cert-publisher'), options.caPem),
      new ResourceQuotaController(core, this.informers, client('resourcequota-controller')),
      new CustomResourceDefinitionController(core, this.informers, client('crd-controller')),
      new ReplicaSetController(core, this.informers, client('replicaset-controller'), recorder('replicaset-controller')),
      new ReplicaSetController(core, this.informers, client('replication-controller'), recorder('replication-controller'), replicationControllerKind),
      new DeploymentController(core, this.informers, client('deployment-controller'), recorder('deployment-controller')),
      new StatefulSetController(core, this.informers, client('statefulset-controller'), recorder('statefulset-controller')),
      new DaemonSetController(core, this.informers, client('daemon-set-controller'), recorder('daemonset-controller')),
      new JobController(core, this.informers, client('job-controller'), recorder('job-controller')),
      new TtlAfterFinishedController(core, this.informers, client('ttl-after-finished-controller'), recorder('ttlafterfinished-controller')),
      new CronJobController(core, this.informers, client('cronjob-controller'), recorder('cronjob-controller')),
      new HorizontalPodAutoscalerController(core, this.informers, client('horizontal-pod-autoscaler'), recorder('horizontal-pod-autoscaler'), options.metrics, options.hpaSyncMs),
      new DisruptionController(core, this.informers, client('disruption-controller'), recorder('controllermanager')),
      new GarbageCollector(core, this.informers, client('generic-garbage-collector')),
    );
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
    await Promise.all(this.recorders.map((r) => r.flush()));
  }
}
