// Test harness: real `k2 server` processes on loopback with a temp data dir, and real kubectl.
// Every server a test starts is stopped by the test (and, as a safety net, when the worker exits).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Built by test/global-setup.ts; lives under node_modules so better-sqlite3 resolves. */
export const testBundlePath = join(root, 'node_modules/.cache/k2-test/k2.cjs');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  kubeconfig: string;
  process: ChildProcess;
  /** Everything the server logged so far. */
  logs(): string;
  kubectl(args: string[], options?: KubectlOptions): Promise<CommandResult>;
  /** GET/POST… with the admin client certificate, parsed as JSON when it is JSON. */
  request(method: string, path: string, options?: RequestOptions): Promise<HttpResult>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  /** Extra `k2 server` flags. */
  args?: string[];
  /** Reuse a data dir (e.g. to restart); by default a new temp dir that stop() removes. */
  dataDir?: string;
  env?: Record<string, string>;
  /** Run this executable instead of the test bundle (e.g. dist/k2). */
  executable?: string;
  /** Extra node flags for the bundle (e.g. --cpu-prof for a profile). */
  nodeArgs?: string[];
  /**
   * Run the server's node agent (containerd, pods). Off by default: one containerd per machine, so only tests
   * that hold the containerd lock (test/node/containerd-fixture.ts) may start one.
   */
  agent?: boolean;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function tempDir(prefix = 'k2-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const ownsDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? tempDir();
  const command = options.executable ?? process.execPath;
  const args = [
    ...(options.executable ? [] : [...(options.nodeArgs ?? []), testBundlePath]),
    'server',
    '--data-dir', dataDir,
    '--bind-address', '127.0.0.1',
    '--https-listen-port', '0',
    ...(options.agent ? [] : ['--disable-agent']),
    ...(options.args ?? []),
  ];
  const child = spawn(command, args, {
    env: { ...process.env, HOME: dataDir, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => {
    running.delete(child);
    resolveExit(code);
  }));

  const ready = await new Promise<{ url: string; port: number; kubeconfig: string }>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`k2 server did not become ready in 30 s:\n${output}`)), 30_000);
    const onData = () => {
      for (const line of output.split('\n')) {
        if (!line.includes('k2 is ready')) continue;
        try {
          const entry = JSON.parse(line) as { url: string; port: number; kubeconfig: string };
          clearTimeout(timer);
          child.stderr!.off('data', onData);
          resolveReady(entry);
          return;
        } catch {
          // text log format: fall through
        }
      }
    };
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`k2 server exited with ${code} before it was ready:\n${output}`));
    });
  });

  const kubeconfigText = readFileSync(ready.kubeconfig, 'utf8');
  const tls = clientTls(kubeconfigText);
  const server: TestServer = {
    ...ready,
    dataDir,
    process: child,
    logs: () => output,
    kubectl: (kubectlArgs, kubectlOptions) => runKubectl(ready.kubeconfig, kubectlArgs, { cacheDir: join(dataDir, '.kube-cache'), ...kubectlOptions }),
    request: (method, path, requestOptions) => httpsRequest(ready.url, method, path, { ...tls, ...requestOptions }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
  return server;
}

interface ClientTls {
  ca: string;
  cert?: string;
  key?: string;
}

export function clientTls(kubeconfigText: string): ClientTls {
  const config = YAML.parse(kubeconfigText) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
  };
  const decode = (b64?: string) => (b64 ? Buffer.from(b64, 'base64').toString() : undefined);
  return {
    ca: decode(config.clusters[0]!.cluster['certificate-authority-data'])!,
    cert: decode(config.users[0]!.user['client-certificate-data']),
    key: decode(config.users[0]!.user['client-key-data']),
  };
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no client certificate. */
  anonymous?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export function httpsRequest(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResult> {
  const url = new URL(path, baseUrl);
  const body = options.body === undefined ? undefined : typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  return new Promise((resolveResult, reject) => {
    const req = request(
      url,
      {
        method,
        ca: options.ca,
        cert: options.anonymous ? undefined : options.cert,
        key: options.anonymous ? undefined : options.key,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolveResult({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * Debian's kubectl 1.20 (package kubernetes-client): it cannot be installed beside the machine's
 * kubectl, so .ci/run extracts it here (apt-get download kubernetes-client; dpkg-deb -x).
 */
export const kubectl120Path = process.env.K2_KUBECTL_120 ?? join(root, 'node_modules/.cache/k2-test/kubectl-1.20/usr/bin/kubectl');

/** The real kubectl binaries on this machine: plain `kubectl`, the versioned ones beside it, and Debian's 1.20. */
export function kubectlBinary(version: string): string {
  if (version === 'plain' || version === 'kubectl') return 'kubectl';
  if (version === '1.20') {
    if (existsSync(kubectl120Path)) return kubectl120Path;
    throw new Error(`kubectl 1.20 is not at ${kubectl120Path}: run .ci/run, or apt-get download kubernetes-client and dpkg-deb -x it into ${kubectl120Path.replace(/\/usr\/bin\/kubectl$/, '')}`);
  }
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/lib/google-cloud-sdk/bin')) {
    const candidate = join(dir, `kubectl.${version}`);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`kubectl.${version} is not installed`);
}

export interface KubectlOptions {
  /** 'plain', '1.27' … '1.33', or a path. Default: plain `kubectl`. */
  version?: string;
  input?: string;
  cacheDir?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function runKubectl(kubeconfig: string, args: string[], options: KubectlOptions = {}): Promise<CommandResult> {
  const binary = options.version?.includes('/') ? options.version : kubectlBinary(options.version ?? 'plain');
  return new Promise((resolveRun) => {
    const child = execFile(
      binary,
      ['--kubeconfig', kubeconfig, ...args],
      { timeout: options.timeoutMs ?? 60_000, env: { ...process.env, KUBECACHEDIR: options.cacheDir ?? '', ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) {
      child.stdin!.end(options.input);
    }
  });
}
