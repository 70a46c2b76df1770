// Scheduled snapshots in the server: on a cron schedule, take a snapshot into the folder (and S3),
// then keep only the newest `retention` scheduled ones in each place.
import cron, { type ScheduledTask } from 'node-cron';
import type { DatastoreLog } from '../background.ts';
import { cronFields, nextCronTime, type CronFields } from './cron-times.ts';
import { pruneEverywhere, takeSnapshot, type SnapshotPlaces, type TakenSnapshot } from './snapshots.ts';
import type { SnapshotSource } from './source.ts';

export interface ScheduleOptions extends SnapshotPlaces {
  /** Five fields (minute hour day month weekday), or six with seconds first. */
  cron: string;
  retention: number;
  compress: boolean;
  k2Version: string;
  log: DatastoreLog;
}

/** Scheduled snapshots are saved under this name, which is what their retention counts. */
export const scheduledSnapshotName = 'scheduled';

export function validateCron(expression: string): void {
  if (!cron.validate(expression)) throw new Error(`invalid --snapshot-schedule-cron "${expression}": want a cron expression such as "0 */12 * * *"`);
}

/** Timers wait at most a day at a time (as node-cron's do). */
const maxTimerMs = 86_400_000;

export class SnapshotSchedule {
  /** node-cron's task, for expressions with day tokens (L, W, #) only. */
  private task: ScheduledTask | undefined;
  /** The timer of the next run, and when it is due. */
  private timer: NodeJS.Timeout | undefined;
  private due: Date | undefined;
  private readonly fields: CronFields | undefined;
  private running?: Promise<TakenSnapshot | undefined>;

  constructor(
    private readonly store: SnapshotSource & { backend: string },
    private readonly options: ScheduleOptions,
  ) {
    validateCron(options.cron);
    if (!Number.isInteger(options.retention) || options.retention < 1) throw new Error(`invalid --snapshot-retention ${options.retention}: want at least 1`);
    this.fields = cronFields(options.cron);
  }

  /**
   * Starts the schedule. Separate from the constructor so that the server can start it once it is ready: node-cron
   * (which runs expressions with day tokens) works out the first run with Intl date formatting, which costs time.
   */
  start(): void {
    if (this.task || this.timer) return;
    if (this.fields) {
      this.armAfter(new Date());
      return;
    }
    const { log } = this.options;
    // node-cron's own notices (a run missed while the machine slept) go to k2's log, not to the console.
    const logger = {
      info: (message: string) => log.info({}, message),
      warn: (message: string) => log.warn({}, message),
      error: (message: string | Error) => log.error({ err: message }, 'snapshot schedule error'),
      debug: () => {},
    };
    this.task = cron.schedule(this.options.cron, () => this.run(), { name: 'k2-snapshots', noOverlap: true, logger });
  }

  /** Sets the timer for the first run after `after`; a run far ahead is reached through daily timers. */
  private armAfter(after: Date): void {
    const due = nextCronTime(this.fields!, after);
    this.due = due;
    if (!due) {
      this.options.log.warn({ cron: this.options.cron }, 'the snapshot schedule never fires');
      return;
    }
    const wait = () => (this.timer = setTimeout(fire, Math.min(due.getTime() - Date.now(), maxTimerMs)).unref());
    const fire = () => {
      const now = Date.now();
      if (now < due.getTime()) return void wait();
      void this.run();
      // The next run comes after this one's time, and after now (a machine that slept skips what it missed).
      this.armAfter(new Date(Math.max(now, due.getTime())));
    };
    wait();
  }

  /** When the next snapshot is due. */
  nextRun(): Date | null {
    if (this.fields) return this.due ?? null;
    return this.task?.getNextRun() ?? null;
  }

  /** Takes one scheduled snapshot now and applies retention; failures are logged, not thrown. */
  run(): Promise<TakenSnapshot | undefined> {
    this.running ??= this.snapshot().finally(() => (this.running = undefined));
    return this.running;
  }

  private async snapshot(): Promise<TakenSnapshot | undefined> {
    const { log } = this.options;
    const started = performance.now();
    try {
      const taken = await takeSnapshot(this.store, { ...this.options, name: scheduledSnapshotName });
      const pruned = await pruneEverywhere(this.options, scheduledSnapshotName, this.options.retention);
      log.info(
        {
          file: taken.file,
          revision: taken.manifest.revision,
          objects: taken.manifest.objects,
          saved: taken.saved.map((snapshot) => snapshot.location),
          pruned: pruned.map((snapshot) => snapshot.location),
          ms: Math.round(performance.now() - started),
        },
        'scheduled snapshot saved',
      );
      return taken;
    } catch (error) {
      log.error({ err: error }, 'scheduled snapshot failed');
      return undefined;
    }
  }

  /** Stops the schedule and waits for a snapshot in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.task?.stop();
    await this.task?.destroy();
    this.task = undefined;
    await this.running;
  }
}
