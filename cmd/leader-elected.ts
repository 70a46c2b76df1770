// The parts of a cluster only one server may run at a time: the controllers and the scheduler. Each runs while this
// server holds its Lease in kube-system (kube-controller-manager, kube-scheduler), as in Kubernetes, so that servers
// sharing one etcd never both create a ReplicaSet's pods or bind the same pod. A term gets fresh instances: a server
// that loses a Lease and wins it back starts from the state of the cluster at that time.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import type { UserInfo } from '../apiserver/authn.ts';
import { EventRecorder } from '../controllers/events.ts';
import { LeaderElector, type LeaderElectionTiming } from '../controllers/leader-election.ts';

export interface Running {
  stop(): Promise<void>;
}

export interface ElectionSettings {
  timing: LeaderElectionTiming;
  /** The datastore is this server's alone (SQLite). */
  exclusive: boolean;
  /** This server's host name: identities are `<host>_<uuid>`. */
  host: string;
}

export class LeaderElected {
  private running: Running | undefined;
  private readonly elector: LeaderElector | undefined;
  private readonly events: EventRecorder | undefined;
  /** Settles once the first election try has ended (at once without election). */
  readonly firstTry: Promise<void>;

  /**
   * `election` undefined: no Lease (--leader-elect=false); the component runs as long as the server. Its
   * LeaderElection events are recorded as from `component` (kube-scheduler records them as its scheduler name).
   */
  constructor(
    private readonly start: () => Running,
    election: { core: ApiCore; user: UserInfo; leaseName: string; component: string; settings: ElectionSettings; log: Logger } | undefined,
  ) {
    if (!election) {
      this.firstTry = Promise.resolve();
      return;
    }
    const { core, user, leaseName, component, settings, log } = election;
    const client = new ApiClient(core, user, leaseName);
    this.events = new EventRecorder(client, component, { log });
    this.elector = new LeaderElector(
      client.resource('coordination.k8s.io', 'leases'),
      {
        startedLeading: () => {
          this.running = this.start();
        },
        stoppedLeading: async () => {
          const running = this.running;
          this.running = undefined;
          await running?.stop();
        },
      },
      { namespace: 'kube-system', name: leaseName, identity: `${settings.host}_${randomUUID()}`, timing: settings.timing, exclusive: settings.exclusive, log, events: this.events },
    );
    this.firstTry = this.elector.firstTry;
  }

  run(): void {
    if (this.elector) this.elector.run();
    else this.running = this.start();
  }

  async stop(): Promise<void> {
    if (this.elector) {
      await this.elector.stop();
      return this.events?.flush();
    }
    await this.running?.stop();
    this.running = undefined;
  }
}
