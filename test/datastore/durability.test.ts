// Durability: a child process writes continuously and reports every acknowledged write; it is
// killed with SIGKILL at a random moment, 20 times. After each kill the datastore must hold every
// acknowledged write, and the file must pass SQLite's integrity check.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';
import { tempDir } from '../e2e/harness.ts';

const root = resolve(import.meta.dirname, '../..');
const writer = join(import.meta.dirname, 'durability-writer.ts');

interface Acknowledged {
  op: 'create' | 'update';
  key: string;
  revision: number;
  value: string;
}

/** Runs the writer until a random moment, kills it with SIGKILL, and returns the writes it acknowledged. */
async function writeUntilKilled(path: string, run: number): Promise<Acknowledged[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, path, String(run)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('ready\n')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`writer did not start: ${errors}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 100 + Math.random() * 500));
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL');
  // Only whole lines count: a line cut by the kill was never fully reported.
  const lines = output.slice(output.indexOf('ready\n') + 6, output.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
  return lines.map((line) => {
    const [op, key, revision, ...value] = line.split(' ');
    return { op: op as Acknowledged['op'], key: key!, revision: Number(revision), value: value.join(' ') };
  });
}

describe('durability', () => {
  const dir = tempDir('k2-durability-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged write across 20 SIGKILLs', async () => {
    const path = join(dir, 'state.db');
    let acknowledged = 0;
    let lost = 0;
    let lastRevision = 0;
    for (let run = 0; run < 20; run++) {
      const acks = await writeUntilKilled(path, run);
      expect(acks.length, `run ${run} acknowledged nothing`).toBeGreaterThan(0);
      acknowledged += acks.length;

      const db = new Database(path);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();

      const store = new SqliteDatastore({ path });
      await store.start();
      try {
        const current = await store.currentRevision();
        expect(current).toBeGreaterThanOrEqual(Math.max(...acks.map((ack) => ack.revision)));
        expect(current).toBeGreaterThan(lastRevision);
        lastRevision = current;
        for (const ack of acks) {
          // Each acknowledged write is there, at its revision, with its value.
          const { kv } = await store.get(ack.key, { revision: ack.revision });
          if (kv?.value !== ack.value || kv.modRevision !== ack.revision) lost++;
        }
      } finally {
        await store.close();
      }
    }
    expect(lost).toBe(0);
    expect(acknowledged).toBeGreaterThan(1000);
  }, 120_000);
});
