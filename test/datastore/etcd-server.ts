// A real etcd (Debian's etcd-server) for tests and benchmarks: loopback ports, a temp data dir,
// stopped (and its dir removed) by stop().
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { EtcdClient } from '../../datastore/etcd/etcd-client.ts';
import { freeLoopbackPort } from '../../packaging/sea/local-server-probe.ts';
import { tempDir } from '../e2e/harness.ts';

export interface EtcdServer {
  endpoint: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Thrown when etcd could not bind a port it was given: another process took it after it was found free. */
class PortTakenError extends Error {}

export async function startEtcd(): Promise<EtcdServer> {
  // A free port can be taken by a test running in parallel before etcd binds it: a few tries with other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOn(await freeLoopbackPort(), await freeLoopbackPort());
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 5) throw error;
    }
  }
}

async function startEtcdOn(clientPort: number, peerPort: number): Promise<EtcdServer> {
  const dataDir = tempDir('k2-etcd-');
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    'etcd',
    [
      '--name', 'k2-test',
      '--data-dir', dataDir,
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `k2-test=${peer}`,
      '--logger', 'zap',
      '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const client = new EtcdClient({ endpoints: [endpoint], callTimeoutMs: 500 });
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) {
        const ErrorType = output.includes('address already in use') ? PortTakenError : Error;
        throw new ErrorType(`etcd exited with ${child.exitCode}:\n${output}`);
      }
      try {
        await client.status(500);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`etcd did not answer in 20 s: ${(error as Error).message}\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.close();
  }
  return { endpoint, dataDir, stop };
}
