// exec, attach, cp and port-forward with real kubectl 1.27, 1.30 and 1.33, through k2's streaming protocols
// (SPDY/3.1, WebSocket v5, WebSocket-tunnelled SPDY) and the CRI target, into a pod on real containerd.
// The pod routes come from a test-only stand-in (stand-in-apiserver.ts) until the API server has them.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlBinary, runKubectl } from '../e2e/harness.ts';
import { criStreamTarget } from '../../kubelet-bridge/streaming/cri-target.ts';
import { busyboxImage, startTestContainerd, type TestContainerd, containerdHookTimeoutMs } from '../node/containerd-fixture.ts';
import { startStandInApiServer, type StandInApiServer } from './stand-in-apiserver.ts';

const versions = ['1.27', '1.30', '1.33'];
let containerd: TestContainerd;
let server: StandInApiServer;
let work: string;
const containerIds = new Map<string, string>();

beforeAll(async () => {
  containerd = await startTestContainerd();
  work = mkdtempSync(join(tmpdir(), 'k2-streaming-'));
  const cri = containerd.runtime.cri;
  const sandboxConfig = {
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', attempt: 0 },
    hostname: 'web',
    logDirectory: join(containerd.dataDir, 'pods', 'uid-web'),
    linux: {},
  };
  const { podSandboxId } = await cri.call('RunPodSandbox', { config: sandboxConfig });
  const containers = {
    web: { command: ['sh', '-c', 'echo hello-from-pod > /var/www/index.html && exec httpd -f -p 8080 -h /var/www'] },
    shell: { command: ['sh', '-c', 'while read line; do echo "got: $line"; done'], stdin: true },
  };
  for (const [name, spec] of Object.entries(containers)) {
    const { containerId } = await cri.call('CreateContainer', {
      podSandboxId,
      sandboxConfig,
      config: { metadata: { name }, image: { image: busyboxImage }, command: spec.command, stdin: 'stdin' in spec, logPath: `${name}.log` },
    });
    await cri.call('StartContainer', { containerId });
    containerIds.set(name, containerId);
  }
  const target = criStreamTarget(cri, {
    sandboxId: async () => podSandboxId,
    containerId: async (name) => {
      const id = containerIds.get(name || 'web');
      if (!id) throw new Error(`container ${name} is not valid for pod web`);
      return id;
    },
  });
  server = await startStandInApiServer([{ namespace: 'default', name: 'web', containers: ['web', 'shell'], target }]);
}, containerdHookTimeoutMs);

afterAll(async () => {
  await server?.close();
  await containerd?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const kubectl = (version: string, args: string[], input?: string) =>
  runKubectl(server.kubeconfig, args, { version, input, cacheDir: join(work, `cache-${version}`), timeoutMs: 30_000 });

/**
 * Runs kubectl in a pseudo-terminal (util-linux `script`) of `initial` size, and resizes that terminal to `later`
 * after `resizeAfterMs`, so that `-t` really has a TTY and a SIGWINCH to forward.
 */
function kubectlInTerminal(version: string, args: string[], initial: [number, number], later: [number, number], resizeAfterMs: number): Promise<string> {
  const command = [kubectlBinary(version), '--kubeconfig', server.kubeconfig, ...args].map((a) => `'${a}'`).join(' ');
  // Without job control a background job's stdin would be /dev/null: give kubectl the terminal explicitly.
  const script = `stty cols ${initial[0]} rows ${initial[1]}; ${command} </dev/tty & sleep ${resizeAfterMs / 1000}; stty cols ${later[0]} rows ${later[1]}; wait`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', script, '/dev/null'], {
      env: { ...process.env, KUBECACHEDIR: join(work, `cache-${version}`) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl in a terminal timed out: ${output}`));
    }, 30_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

interface RunningKubectl {
  match: RegExpMatchArray;
  stop: () => void;
  output: () => string;
}

/** Waits (up to 15 s) until a running kubectl has printed `pattern`. */
async function kubectlUntilOutput(kubectl: RunningKubectl, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!pattern.test(kubectl.output())) {
    if (Date.now() > deadline) throw new Error(`kubectl never printed ${pattern}: ${kubectl.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a long-running kubectl, resolves with its output once `pattern` appears, and leaves it running. */
function kubectlUntil(version: string, args: string[], pattern: RegExp, input?: string): Promise<RunningKubectl> {
  const child = spawn(kubectlBinary(version), ['--kubeconfig', server.kubeconfig, ...args], {
    env: { ...process.env, KUBECACHEDIR: join(work, `cache-${version}`) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin.write(input);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} never printed ${pattern}: ${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ match, stop: () => child.kill('SIGTERM'), output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!pattern.exec(output)) reject(new Error(`kubectl ${args.join(' ')} exited with ${code}: ${output}`));
    });
  });
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('request through port-forward timed out')));
    req.on('error', reject);
  });
}

describe.each(versions)('kubectl %s', (version) => {
  it('exec passes stdout, stderr and the exit code', async () => {
    const result = await kubectl(version, ['exec', 'web', '-c', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toContain('err\n');
    expect(result.stderr).toContain('command terminated with exit code 3');
    expect(result.code).toBe(3);
    const ok = await kubectl(version, ['exec', 'web', '--', 'hostname']);
    expect(ok).toMatchObject({ code: 0, stdout: 'web\n' });
    const expected = version === '1.27' ? 'POST exec SPDY/3.1' : 'GET exec websocket';
    expect(server.upgrades.at(-1)).toBe(expected);
  });

  it('exec -i delivers stdin and its end', async () => {
    const result = await kubectl(version, ['exec', '-i', 'web', '--', 'sh', '-c', 'wc -c; cat'], 'x'.repeat(100_000));
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('100000');
  });

  it('exec -it gets a terminal of the client’s size, and its resizes', async () => {
    // Prints the size once, then waits (at most 10 s) for the resize and prints the new size.
    const script = 'test -t 0 && sleep 0.5 && stty size && i=0; while [ "$(stty size)" != "30 100" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; stty size';
    const output = await kubectlInTerminal(version, ['exec', '-it', 'web', '--', 'sh', '-c', script], [123, 45], [100, 30], 2500);
    expect(output).toMatch(/45 123\r?\n[^]*30 100/);
  });

  it('cp copies a file into the pod and back', async () => {
    const content = randomBytes(200_000).toString('base64');
    const local = join(work, `in-${version}.txt`);
    writeFileSync(local, content);
    const into = await kubectl(version, ['cp', local, `default/web:/tmp/copied-${version}.txt`, '-c', 'web']);
    expect(into.stderr).not.toMatch(/error/i);
    expect(into.code).toBe(0);
    const inPod = await kubectl(version, ['exec', 'web', '--', 'md5sum', `/tmp/copied-${version}.txt`]);
    const { createHash } = await import('node:crypto');
    expect(inPod.stdout.split(' ')[0]).toBe(createHash('md5').update(content).digest('hex'));
    const back = join(work, `out-${version}.txt`);
    const out = await kubectl(version, ['cp', `default/web:/tmp/copied-${version}.txt`, back, '-c', 'web']);
    expect(out.code).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe(content);
  });

  it('port-forward carries an HTTP request to the pod', async () => {
    const forward = await kubectlUntil(version, ['port-forward', 'pod/web', ':8080'], /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
    try {
      const port = Number(forward.match[1]);
      expect(await httpGet(port)).toBe('hello-from-pod\n');
      expect(await httpGet(port)).toBe('hello-from-pod\n');
      const expected = version === '1.33' ? 'GET portforward websocket' : 'POST portforward SPDY/3.1';
      expect(server.upgrades.filter((u) => u.includes('portforward')).at(-1)).toBe(expected);
    } finally {
      forward.stop();
    }
  });

  it('port-forward reports a port nothing listens on', async () => {
    const forward = await kubectlUntil(version, ['port-forward', 'pod/web', ':9999'], /Forwarding from 127\.0\.0\.1:(\d+) -> 9999/);
    try {
      const failed = kubectlUntilOutput(forward, /an error occurred forwarding \d+ -> 9999: .*connection refused/);
      await httpGet(Number(forward.match[1])).catch(() => '');
      await failed;
    } finally {
      forward.stop();
    }
  });

  it('attach -i talks to the main process', async () => {
    const attach = await kubectlUntil(version, ['attach', '-i', 'web', '-c', 'shell'], new RegExp(`got: ping-${version.replace('.', '\\.')}`), `ping-${version}\n`);
    attach.stop();
    expect(attach.match[0]).toBe(`got: ping-${version}`);
  });
});
