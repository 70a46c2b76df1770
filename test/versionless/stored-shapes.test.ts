// Stored shapes: a datastore written by an older k2 whose stored shape of a kind has since changed
// is migrated on start, after an automatic snapshot, and then served in the new shape; fresh and
// current datastores are left alone; a newer shape is served as it is, never refused.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../../apiserver/kinds/index.ts';
import { defineKind } from '../../apiserver/kinds/define.ts';
import { migrateStoredShapes, storedShapesKey } from '../../apiserver/registry/stored-shapes.ts';
import type { KubeObject, ResourceDescription } from '../../apiserver/registry/types.ts';
import { ApiCore } from '../../apiserver/core.ts';
import { MemoryDatastore } from '../support/memory-datastore.ts';

const log = pino({ level: 'silent' });

/** Shape 1 stored `spec.size` as a string of gigabytes; shape 2 stores a quantity (`10Gi`) in spec.capacity. */
function volumesKind(shape: 1 | 2): ResourceDescription {
  return defineKind({
    group: 'storage.example.com',
    kind: 'Volume',
    plural: 'volumes',
    namespaced: true,
    versions: [{ version: 'v1', definitionName: 'none' }],
    storedShape:
      shape === 1
        ? undefined
        : {
            version: 2,
            migrations: [
              {
                from: 1,
                describe: 'spec.size (GB) → spec.capacity',
                migrate(object: KubeObject) {
                  const spec = object.spec as { size?: string; capacity?: string };
                  if (spec.size !== undefined) {
                    spec.capacity = `${spec.size}Gi`;
                    delete spec.size;
                  }
                  return object;
                },
              },
            ],
          },
  });
}

function oldVolume(name: string, size: string): string {
  return JSON.stringify({ apiVersion: 'storage.example.com/v1', kind: 'Volume', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { size } });
}

describe('stored-shape migrations', () => {
  it('record the shapes of a fresh datastore without a snapshot or any other write', async () => {
    const datastore = new MemoryDatastore();
    const snapshots: string[] = [];
    const report = await migrateStoredShapes(datastore, [...builtinKinds, volumesKind(2)], { log, snapshot: async (reason) => (snapshots.push(reason), 'never') });
    expect(report).toEqual({ migrated: [], newer: [] });
    expect(snapshots).toEqual([]);
    expect(await datastore.currentRevision()).toBe(1);
    const record = JSON.parse((await datastore.get(storedShapesKey)).kv!.value);
    expect(record.shapes['volumes.storage.example.com']).toBe(2);
    expect(record.shapes['deployments.apps']).toBe(1);
    // A second start finds everything current: no write at all.
    await migrateStoredShapes(datastore, [...builtinKinds, volumesKind(2)], { log });
    expect(await datastore.currentRevision()).toBe(1);
  });

  it('migrate a deliberately old stored shape on start, after a snapshot, and serve the new one', async () => {
    const datastore = new MemoryDatastore();
    // What an older k2 left: two objects in shape 1, and (as from before the record existed) no record.
    await datastore.create('/registry/volumes.storage.example.com/default/a', oldVolume('a', '10'));
    await datastore.create('/registry/volumes.storage.example.com/default/b', oldVolume('b', '250'));
    const before = await datastore.currentRevision();
    const snapshots: { reason: string; revision: number }[] = [];
    const report = await migrateStoredShapes(datastore, [...builtinKinds, volumesKind(2)], {
      log,
      batchSize: 1,
      snapshot: async (reason) => {
        snapshots.push({ reason, revision: await datastore.currentRevision() });
        return '/var/lib/k2/snapshots/before-migration.k2snap';
      },
    });
    // The snapshot came first, before any object changed.
    expect(snapshots).toEqual([{ reason: 'before migrating stored shapes: volumes.storage.example.com 1→2', revision: before }]);
    expect(report.snapshot).toBe('/var/lib/k2/snapshots/before-migration.k2snap');
    expect(report.migrated).toEqual([{ resource: 'volumes.storage.example.com', from: 1, to: 2, objects: 2 }]);
    for (const [name, capacity] of [['a', '10Gi'], ['b', '250Gi']]) {
      const stored = JSON.parse((await datastore.get(`/registry/volumes.storage.example.com/default/${name}`)).kv!.value);
      expect(stored.spec).toEqual({ capacity });
      expect(stored.metadata.uid).toBe(`uid-${name}`);
    }
    expect(JSON.parse((await datastore.get(storedShapesKey)).kv!.value).shapes['volumes.storage.example.com']).toBe(2);

    // The API then serves the migrated objects.
    const core = new ApiCore(datastore, log);
    core.registry.add(volumesKind(2));
    await core.start();
    const volume = await core.storeFor('storage.example.com', 'volumes').get('default', 'b');
    expect(volume.spec).toEqual({ capacity: '250Gi' });
    core.stop();

    // Started again, nothing is left to do.
    const revision = await datastore.currentRevision();
    const again = await migrateStoredShapes(datastore, [...builtinKinds, volumesKind(2)], { log, snapshot: async () => expect.fail('no second snapshot') });
    expect(again.migrated).toEqual([]);
    expect(await datastore.currentRevision()).toBe(revision);
  });

  it('refuse to rewrite unprotected data: a needed migration without a snapshot facility stops the start', async () => {
    const datastore = new MemoryDatastore();
    await datastore.create('/registry/volumes.storage.example.com/default/a', oldVolume('a', '1'));
    await expect(migrateStoredShapes(datastore, [volumesKind(2)], { log })).rejects.toThrow('stored objects need migrating (volumes.storage.example.com 1→2) but no snapshot can be taken first');
    expect(JSON.parse((await datastore.get('/registry/volumes.storage.example.com/default/a')).kv!.value).spec).toEqual({ size: '1' });
  });

  it('serve objects a newer k2 stored as they are, without rewriting them', async () => {
    const datastore = new MemoryDatastore();
    await migrateStoredShapes(datastore, [volumesKind(2)], { log });
    await datastore.create('/registry/volumes.storage.example.com/default/new', JSON.stringify({ metadata: { name: 'new', namespace: 'default' }, spec: { capacity: '5Gi' } }));
    const revision = await datastore.currentRevision();
    const report = await migrateStoredShapes(datastore, [volumesKind(1)], { log });
    expect(report.newer).toEqual([{ resource: 'volumes.storage.example.com', from: 2, to: 1 }]);
    expect(await datastore.currentRevision()).toBe(revision);
  });
});
