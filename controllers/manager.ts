// Runs the controllers in the server process: shared informers, one client identity per
// controller (system:serviceaccount:kube-system:<name>, as kube-controller-manager's
// --use-service-account-credentials), started after the caches are ready.
import type { Logger } from 'pino';
import { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import type { UserInfo } from '../apiserver/authn.ts';
import { apiserverUser } from '../apiserver/bootstrap.ts';
import type { ServiceAccountTokens } from '../apiserver/auth/service-account-tokens.ts';
import type { CertificateAuthority } from '../apiserver/pki.ts';
import { CertificateApprover, CertificateCleaner, CertificateSigner } from './certificates.ts';
import { ClusterRoleAggregationController } from './clusterrole-aggregation.ts';
import { ServiceAccountTokenController } from './service-account-tokens.ts';
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
import { NodeIpamController } from './node-ipam.ts';
import { ResourceQuotaController } from './resource-quota.ts';
import { RootCaPublisher } from './root-ca-publisher.ts';
import { ServiceAccountController } from './service-account.ts';
import { StatefulSetController } from './stateful-set.ts';
import { TtlAfterFinishedController } from './ttl-after-finished.ts';
import { ApiServiceRegistration } from './apiservice-registration.ts';
import { VolumeProtectionController } from './volume-protection.ts';
import { hostname } from 'node:os';
import { EndpointSliceController } from './endpoint-slices.ts';
import { EndpointsController } from './endpoints.ts';
import { LocalPathProvisioner } from './local-path-provisioner.ts';
import { NodeLifecycleController } from './node-lifecycle.ts';
import { PersistentVolumeBinder } from './persistent-volume-binder.ts';
import { PodGarbageCollector } from './pod-gc.ts';
import { SimulatedNodes } from './simulated-nodes.ts';
import { TaintEvictionController } from './taint-eviction.ts';

export interface ControllerManagerOptions {
  caPem: string;
  /** Where the local-path provisioner keeps volumes (<data-dir>/storage); no provisioner without it. */
  storageDir?: string;
  /** Register this many simulated nodes (scale tests only). */
  simulatedNodes?: number;
  /** How long a node may be silent before it is NotReady (--node-monitor-grace-period). */
  nodeMonitorGracePeriodMs?: number;
  /** The API server's address and port, for the `kubernetes` Service's endpoints. */
  /** How long pods of a missing node wait before the pod GC deletes them (40 s, as Kubernetes; tests shorten it). */
  orphanPodQuarantineMs?: number;
  /** Pod metrics for the HorizontalPodAutoscaler (metrics.k8s.io); none means HPAs report ScalingActive=False. */
  metrics?: PodMetricsSource;
  hpaSyncMs?: number;
  /** Give every Node a pod CIDR from this range (node IPAM). */
  clusterCidr?: string;
  /** Signs approved CertificateSigningRequests. */
  ca?: CertificateAuthority;
  /** Fills legacy service-account token Secrets. */
  tokens?: ServiceAccountTokens;
}

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
  private readonly recorders: EventRecorder[] = [];
  readonly simulatedNodes: SimulatedNodes | undefined;

  constructor(
    core: ApiCore,
    private readonly log: Logger,
    options: ControllerManagerOptions,
  ) {
    this.informers = new InformerFactory(core);
    // Each controller is a user of its own; as in Kubernetes, their writes are all kube-controller-manager's in managedFields.
    const client = (name: string, fieldManager = 'kube-controller-manager') => new ApiClient(core, controllerUser(name), fieldManager);
    // Each controller writes as itself and records events as its own source component.
    const recorder = (name: string, component = name, fieldManager?: string) => {
      const events = new EventRecorder(client(name, fieldManager), component, { log });
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
      new NodeLifecycleController(this.informers, client('node-controller'), recorder('node-controller'), options.nodeMonitorGracePeriodMs),
      new TaintEvictionController(this.informers, client('node-controller'), recorder('node-controller', 'taint-eviction-controller')),
      new EndpointsController(this.informers, client('endpoint-controller')),
      new EndpointSliceController(this.informers, client('endpointslice-controller')),
      new PodGarbageCollector(this.informers, client('pod-garbage-collector'), options.orphanPodQuarantineMs),
      new PersistentVolumeBinder(this.informers, client('persistent-volume-binder'), recorder('persistent-volume-binder', 'persistentvolume-controller')),
      new VolumeProtectionController(this.informers, { claims: client('pvc-protection-controller'), volumes: client('pv-protection-controller') }),
      new ClusterRoleAggregationController(this.informers, client('clusterrole-aggregation-controller')),
    );
    // As in kube-apiserver, the local APIServices are the API server's own writes.
    const apiserverClient = new ApiClient(core, apiserverUser, 'kube-apiserver');
    this.controllers.push(new ApiServiceRegistration(core, this.informers, apiserverClient));
    if (options.storageDir) this.controllers.push(new LocalPathProvisioner(this.informers, client('local-path-provisioner', 'local-path-provisioner'), recorder('local-path-provisioner', 'rancher.io/local-path', 'local-path-provisioner'), options.storageDir));
    if (options.simulatedNodes) {
      this.simulatedNodes = new SimulatedNodes(this.informers, client('simulated-nodes', 'kubelet'), { count: options.simulatedNodes, gracePeriodMs: options.nodeMonitorGracePeriodMs });
      this.controllers.push(this.simulatedNodes);
    }
    if (options.clusterCidr) this.controllers.push(new NodeIpamController(this.informers, client('node-ipam-controller'), options.clusterCidr));
    if (options.ca) {
      this.controllers.push(
        new CertificateSigner(this.informers, client('certificate-controller'), options.ca),
        new CertificateApprover(core, this.informers, client('certificate-controller')),
        new CertificateCleaner(this.informers, client('certificate-controller')),
      );
    }
    // The tokens controller runs as kube-controller-manager itself, as in Kubernetes.
    if (options.tokens) this.controllers.push(new ServiceAccountTokenController(this.informers, new ApiClient(core, kubeControllerManagerUser, 'kube-controller-manager'), options.tokens, options.caPem));
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
