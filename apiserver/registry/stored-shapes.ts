// Stored objects carry no served version: each kind has one stored shape, and k2 records which
// shape of each kind the datastore holds (one record key, beside the objects). When a later k2 changes a kind's stored shape, it migrates the stored
// objects on start: first an automatic snapshot (so that `k2 snapshot restore` rolls back), then
// every object of the kind through its migrations, then the marker. Objects are never refused for
// their shape; a datastore written by a newer k2 (a shape this one does not know) is served as it is.
import type { Logger } from 'pino';
import type { Datastore, KeyValue } from '../../datastore/types.ts';
import { ConflictError } from '../../datastore/types.ts';
import { storageResource } from './registry.ts';
import type { KubeObject, ResourceDescription } from './types.ts';
import type { WriteHooks } from './store.ts';

/** A kind's stored shape: its number (1 unless a migration raised it) and the steps that lead there. */
export interface StoredShape {
  version: number;
  /** One per step: the migration `from` N turns a shape-N object into a shape-N+1 one. */
  migrations: StoredShapeMigration[];
}

/**
 * One step. It must leave an object that is already in shape `from + 1` as it is: a start that
 * stopped midway through a resource runs the step again over all of its objects.
 */
export interface StoredShapeMigration {
  from: number;
  /** What changed, for the log. */
  describe: string;
  migrate(object: KubeObject): KubeObject;
}

/**
 * The key of the record of stored shapes. It lives under /registry/ like every key k2 writes (the
 * watch cache follows that prefix and must see every revision), in a group nothing serves.
 */
export const storedShapesKey = '/registry/storedshapes.k2.io/record';

/** What the datastore holds: each resource's stored shape, and when the record last changed. */
interface ShapeRecord {
  shapes: Record<string, number>;
  at: string;
}

export interface MigrationStep {
  resource: string;
  from: number;
  to: number;
}

export interface StoredShapesReport {
  /** Resources whose objects were rewritten. */
  migrated: (MigrationStep & { objects: number })[];
  /** The snapshot taken first, when anything was migrated. */
  snapshot?: string;
  /** Resources written by a newer k2 (left as they are). */
  newer: MigrationStep[];
}

export interface StoredShapesOptions {
  log: Logger;
  /**
   * Takes the automatic snapshot before anything is rewritten and returns where it is. Without
   * one, a needed migration stops the start with an error instead of rewriting unprotected data.
   */
  snapshot?: (reason: string) => Promise<string>;
  /** Keys read per batch while migrating (bounded memory). */
  batchSize?: number;
  /** How stored values are sealed (encryption at rest): migrations read and write through them. */
  hooks?: Pick<WriteHooks, 'encode' | 'decode'>;
}

export function storedShapeOf(description: ResourceDescription): number {
  return description.storedShape?.version ?? 1;
}

function objectsPrefix(description: ResourceDescription): string {
  return `/registry/${storageResource(description)}/`;
}

/** The record, and its revision for a compare-and-swap update. */
class ShapeRecordFile {
  private constructor(
    private readonly datastore: Datastore,
    readonly record: ShapeRecord,
    private kv: KeyValue | undefined,
  ) {}

  static async read(datastore: Datastore): Promise<ShapeRecordFile> {
    const { kv } = await datastore.get(storedShapesKey);
    const record = kv ? (JSON.parse(kv.value) as ShapeRecord) : { shapes: {}, at: '' };
    return new ShapeRecordFile(datastore, record, kv);
  }

  /** The recorded shape; a resource from before the record holds shape 1 (if it holds anything). */
  async shapeOf(description: ResourceDescription): Promise<{ shape: number; empty: boolean; recorded: boolean }> {
    const recorded = this.record.shapes[storageResource(description)];
    if (recorded !== undefined && recorded >= storedShapeOf(description)) return { shape: recorded, empty: false, recorded: true };
    const { count } = await this.datastore.count(objectsPrefix(description));
    return { shape: recorded ?? 1, empty: count === 0, recorded: recorded !== undefined };
  }

  set(description: ResourceDescription, shape: number): void {
    this.record.shapes[storageResource(description)] = shape;
  }

  async save(): Promise<void> {
    this.record.at = new Date().toISOString();
    const value = JSON.stringify(this.record);
    this.kv = this.kv ? await this.datastore.update(storedShapesKey, value, this.kv.modRevision) : await this.datastore.create(storedShapesKey, value);
  }
}

/** The migrations from `from` up to the description's shape, in order; a missing step is a bug in k2. */
function stepsFrom(description: ResourceDescription, from: number): StoredShapeMigration[] {
  const target = storedShapeOf(description);
  const steps: StoredShapeMigration[] = [];
  for (let shape = from; shape < target; shape++) {
    const step = description.storedShape?.migrations.find((m) => m.from === shape);
    if (!step) throw new Error(`${storageResource(description)}: no migration from stored shape ${shape} to ${shape + 1}`);
    steps.push(step);
  }
  return steps;
}

/** Rewrites every object of one resource through `steps`, in batches, each write compare-and-swap. */
async function migrateObjects(datastore: Datastore, description: ResourceDescription, steps: StoredShapeMigration[], batchSize: number, hooks: StoredShapesOptions['hooks'] = {}): Promise<number> {
  const prefix = objectsPrefix(description);
  let migrated = 0;
  let startKey: string | undefined;
  for (;;) {
    const page = await datastore.list(prefix, { limit: batchSize, startKey });
    for (const kv of page.kvs) {
      let current: KeyValue | undefined = kv;
      // A concurrent writer (another server sharing etcd) wins the race: migrate what it wrote.
      while (current) {
        const json = hooks.decode ? hooks.decode(current.key, current.value) : current.value;
        const object = steps.reduce((stored, step) => step.migrate(stored), JSON.parse(json) as KubeObject);
        const migratedJson = JSON.stringify(object);
        try {
          await datastore.update(current.key, hooks.encode ? hooks.encode(description, migratedJson, current.key) : migratedJson, current.modRevision);
          migrated++;
          current = undefined;
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          current = (await datastore.get(kv.key)).kv;
        }
      }
    }
    if (!page.more || !page.kvs.length) return migrated;
    startKey = `${page.kvs[page.kvs.length - 1]!.key}\u0000`;
  }
}

/** Brings every kind's stored objects to the shape this k2 stores; run before the watch cache loads. */
export async function migrateStoredShapes(datastore: Datastore, descriptions: ResourceDescription[], options: StoredShapesOptions): Promise<StoredShapesReport> {
  const report: StoredShapesReport = { migrated: [], newer: [] };
  const file = await ShapeRecordFile.read(datastore);
  const pending: { description: ResourceDescription; from: number }[] = [];
  let changed = false;
  for (const description of descriptions) {
    if (description.virtual) continue;
    const target = storedShapeOf(description);
    const { shape, empty, recorded } = await file.shapeOf(description);
    if (shape > target) {
      report.newer.push({ resource: storageResource(description), from: shape, to: target });
      options.log.warn({ resource: storageResource(description), storedShape: shape, shape: target }, 'objects were stored by a newer k2; serving them as they are');
    } else if (shape < target && !empty) {
      pending.push({ description, from: shape });
    } else if (!recorded || shape < target) {
      file.set(description, target);
      changed = true;
    }
  }
  if (pending.length) {
    const plans = pending.map(({ description, from }) => ({ description, from, steps: stepsFrom(description, from) }));
    const summary = plans.map(({ description, from }) => `${storageResource(description)} ${from}→${storedShapeOf(description)}`).join(', ');
    if (!options.snapshot) throw new Error(`stored objects need migrating (${summary}) but no snapshot can be taken first; start a k2 that can take snapshots`);
    report.snapshot = await options.snapshot(`before migrating stored shapes: ${summary}`);
    options.log.info({ snapshot: report.snapshot, migrations: summary }, 'took a snapshot; migrating stored objects');
    for (const { description, from, steps } of plans) {
      const started = performance.now();
      const objects = await migrateObjects(datastore, description, steps, options.batchSize ?? 500, options.hooks);
      // Recorded after each resource: a crash midway redoes only the resources not yet recorded.
      file.set(description, storedShapeOf(description));
      await file.save();
      const step = { resource: storageResource(description), from, to: storedShapeOf(description), objects };
      report.migrated.push(step);
      options.log.info({ ...step, steps: steps.map((m) => m.describe), ms: Math.round(performance.now() - started) }, 'migrated stored objects');
    }
  } else if (changed) {
    await file.save();
  }
  return report;
}
