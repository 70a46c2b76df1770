// The node's runtime plumbing against real containerd: the supervisor (config, restart after a crash, stop),
// image archives built in memory and imported without a registry, k2's pause image, and the CNI config.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Parser, type ReadEntry } from 'tar';
import { containerdLayout, defaultSandboxImage } from '../../kubelet-bridge/containerd.ts';
import { formatImageTable, pauseImageArchive } from '../../kubelet-bridge/images/image-store.ts';
import { pauseProgram } from '../../kubelet-bridge/images/pause-program.ts';
import { cniConflist, nodePodSubnet } from '../../kubelet-bridge/network/cni.ts';
import { testBundlePath } from '../e2e/harness.ts';
import { busyboxArchive, startTestContainerd, type TestContainerd, containerdHookTimeoutMs } from './containerd-fixture.ts';

let containerd: TestContainerd;

beforeAll(async () => {
  containerd = await startTestContainerd();
}, containerdHookTimeoutMs);

afterAll(async () => {
  await containerd?.stop();
});

/** The files of a tar archive, as path → content. */
function untar(archive: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => files.set(entry.path, Buffer.concat(chunks)));
      },
    });
    parser.on('end', () => resolve(files));
    parser.on('error', reject);
    parser.end(archive);
  });
}

describe('containerd supervisor', () => {
  it('writes its own config with the sandbox image, sockets and CNI folders under the data dir', () => {
    const layout = containerdLayout(containerd.dataDir);
    const config = readFileSync(layout.configFile, 'utf8');
    expect(config).toContain(`address = "${layout.socket}"`);
    expect(config).toContain(`sandbox_image = "${defaultSandboxImage}"`);
    expect(config).toContain('restrict_oom_score_adj = true');
    expect(config).toContain(`conf_dir = "${layout.cniConfDir}"`);
    expect(layout.socket.startsWith(join(containerd.dataDir, 'agent', 'containerd'))).toBe(true);
  });

  it('restarts containerd when it dies, and running pods survive it', async () => {
    const { runtime } = containerd;
    const cri = runtime.cri;
    const config = { metadata: { name: 'survivor', namespace: 'default', uid: 'uid-survivor', attempt: 0 }, hostname: 'survivor', logDirectory: join(containerd.dataDir, 'survivor'), linux: {} };
    const { podSandboxId } = await cri.call('RunPodSandbox', { config });
    const firstPid = runtime.pid!;
    const ready = runtime.nextReady();
    const killedAt = Date.now();
    process.kill(firstPid, 'SIGKILL');
    await ready;
    const restartMs = Date.now() - killedAt;
    expect(runtime.pid).not.toBe(firstPid);
    expect(runtime.starts).toBe(2);
    expect(restartMs).toBeLessThan(10_000);
    const { status } = await cri.call('PodSandboxStatus', { podSandboxId });
    expect(status?.state).toBe('SANDBOX_READY');
    await cri.call('StopPodSandbox', { podSandboxId });
    await cri.call('RemovePodSandbox', { podSandboxId });
  });
});

describe('images without a registry', () => {
  it('builds an OCI layout archive whose digests and config hold together', async () => {
    const files = await untar(pauseImageArchive('localhost/k2/pause:test', 'amd64'));
    const index = JSON.parse(files.get('index.json')!.toString());
    expect(JSON.parse(files.get('oci-layout')!.toString())).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(index.manifests[0].annotations['io.containerd.image.name']).toBe('localhost/k2/pause:test');
    const blob = (digest: string) => files.get(`blobs/sha256/${digest.slice(7)}`)!;
    const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
    const config = JSON.parse(blob(manifest.config.digest).toString());
    expect(config).toMatchObject({ architecture: 'amd64', os: 'linux', config: { Entrypoint: ['/pause'] } });
    const layer = await untar(blob(manifest.layers[0].digest));
    expect(layer.get('pause')).toEqual(pauseProgram('amd64'));
    const { createHash } = await import('node:crypto');
    expect(`sha256:${createHash('sha256').update(blob(manifest.layers[0].digest)).digest('hex')}`).toBe(config.rootfs.diff_ids[0]);
  });

  it('has a pause program that, as PID 1 of a PID namespace, exits 0 on SIGTERM and on SIGINT', async () => {
    const program = join(containerd.dataDir, 'pause-test');
    writeFileSync(program, pauseProgram(process.arch === 'arm64' ? 'arm64' : 'amd64'), { mode: 0o755 });
    expect(pauseProgram('amd64').length).toBeLessThan(300);
    expect(pauseProgram('arm64').readUInt16LE(18)).toBe(183); // EM_AARCH64
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      // `unshare --fork` makes the program PID 1 of a new PID namespace, where unhandled signals are ignored.
      const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', program], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 300));
      const pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      process.kill(pid, signal);
      expect(await exited).toBe(0);
    }
  });

  it('imports every archive of the images folder, reports bad ones, and lists what containerd has', async () => {
    const dir = join(containerd.dataDir, 'agent', 'images');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'tools.tar'), busyboxArchive('localhost/k2-test/tools:2'));
    writeFileSync(join(dir, 'broken.tar'), 'this is not a tar archive');
    writeFileSync(join(dir, 'notes.txt'), 'ignored: not a .tar');
    const result = await containerd.images.importDirectory(dir);
    expect(result.imported).toEqual(['localhost/k2-test/tools:2']);
    expect(result.failed.map((f) => f.file)).toEqual([join(dir, 'broken.tar')]);
    const images = await containerd.images.list();
    const tags = images.flatMap((i) => i.repoTags);
    expect(tags).toEqual(expect.arrayContaining(['localhost/k2-test/tools:2', 'localhost/k2-test/busybox:1', defaultSandboxImage]));
    expect(await containerd.images.present('localhost/k2-test/tools:2')).toMatch(/^sha256:/);
    expect(await containerd.images.present('localhost/absent:1')).toBeUndefined();
    const table = formatImageTable(images);
    expect(table.split('\n')[0]).toMatch(/^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    expect(table).toMatch(/localhost\/k2-test\/tools\s+2\s+[0-9a-f]{13}\s+2\.\d+MB/);
    await expect(containerd.images.importFile(join(dir, 'missing.tar'))).rejects.toThrow(/does not exist/);
  });
});

describe('k2 image', () => {
  const k2 = (args: string[]) => {
    try {
      return { code: 0, stdout: execFileSync(process.execPath, [testBundlePath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString(), stderr: '' };
    } catch (error) {
      const e = error as { status: number; stdout: Buffer; stderr: Buffer };
      return { code: e.status, stdout: e.stdout.toString(), stderr: e.stderr.toString() };
    }
  };

  it('imports archives and lists images of the node’s containerd', () => {
    const archive = join(containerd.dataDir, 'cli.tar');
    writeFileSync(archive, busyboxArchive('localhost/k2-test/cli:3'));
    const imported = k2(['image', 'import', archive, '--data-dir', containerd.dataDir]);
    expect(imported).toMatchObject({ code: 0, stdout: `${archive}: localhost/k2-test/cli:3\n` });
    const listed = k2(['image', 'ls', '--data-dir', containerd.dataDir]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/localhost\/k2-test\/cli\s+3\s+[0-9a-f]{13}/);
    expect(listed.stdout).toMatch(/localhost\/k2\/pause\s+1\s/);
    const json = JSON.parse(k2(['image', 'ls', '-o', 'json', '--container-runtime-endpoint', containerd.runtime.endpoint]).stdout);
    expect(json.some((i: { repoTags: string[] }) => i.repoTags.includes('localhost/k2-test/cli:3'))).toBe(true);
  });

  it('says clearly when no runtime answers', () => {
    const result = k2(['image', 'ls', '--data-dir', join(containerd.dataDir, 'nowhere')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no container runtime answers at unix://');
  });
});

describe('pod network configuration', () => {
  it('carves node subnets out of the cluster CIDR', () => {
    expect(nodePodSubnet('10.42.0.0/16', 0)).toBe('10.42.0.0/24');
    expect(nodePodSubnet('10.42.0.0/16', 3)).toBe('10.42.3.0/24');
    expect(() => nodePodSubnet('10.42.0.0/16', 256)).toThrow(/out of range/);
    expect(() => nodePodSubnet('10.42.0.1/16', 0)).toThrow(/host bits/);
  });

  it('writes a bridge + portmap conflist with host-local IPAM on the node subnet', () => {
    const conflist = cniConflist({ podSubnet: '10.42.1.0/24', ipamDataDir: '/d/cni' }) as { plugins: Record<string, any>[] };
    expect(conflist.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(conflist.plugins[0]).toMatchObject({ isGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: 'host-local', dataDir: '/d/cni', ranges: [[{ subnet: '10.42.1.0/24', gateway: '10.42.1.1' }]] } });
    const written = JSON.parse(readFileSync(join(containerdLayout(containerd.dataDir).cniConfDir, '10-k2.conflist'), 'utf8'));
    expect(written.plugins[0].ipam.ranges[0][0].subnet).toBe(containerd.podSubnet);
  });
});
