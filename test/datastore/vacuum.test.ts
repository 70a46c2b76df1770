// Compaction gives the file's free pages back: after the history of many large values is compacted away, the file
// shrinks to a fraction, in few vacuum steps (each frees up to 1,024 pages, run to its end on the commit thread).
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteAddonFile } from '../../datastore/sqlite/native-addon.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';
import { tempDir } from '../e2e/harness.ts';

describe('SQLite vacuum after compaction', () => {
  const dir = tempDir('k2-vacuum-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const thread of [true, false]) {
    it(`frees the compacted history's pages, ${thread ? 'on the commit thread' : 'on the event loop'}`, async () => {
      const path = join(dir, `state-${thread}.db`);
      const reports: { removedRows: number; vacuumedPages: number }[] = [];
      const log = { info: (fields: object) => void reports.push(fields as (typeof reports)[number]), warn() {}, error() {} };
      const store = new SqliteDatastore({ path, addonFile: thread ? () => sqliteAddonFile('') : undefined, log });
      await store.start();
      let pagesBefore = 0;
      try {
        const value = 'x'.repeat(4000);
        for (let i = 0; i < 3000; i++) await store.create(`/registry/configmaps/default/c${i}`, value);
        for (let i = 0; i < 3000; i++) await store.delete(`/registry/configmaps/default/c${i}`);
        pagesBefore = (statSync(path).size + statSync(`${path}-wal`).size) / 4096;
        await store.compact(await store.currentRevision());
        for (let i = 0; i < 100 && !reports.length; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        await store.close();
      }
      expect(reports).toHaveLength(1);
      expect(reports[0]!.removedRows).toBe(6000);
      // 3,000 values of 4 KB took over 3,000 pages; the vacuum gave most of them back (and says how many it did).
      expect(reports[0]!.vacuumedPages).toBeGreaterThan(2000);
      expect(reports[0]!.vacuumedPages).toBeLessThan(pagesBefore);
      expect(statSync(path).size).toBeLessThan(5 * 1024 * 1024);
    }, 60_000);
  }
});
