// The container runtime k2 talks to: either a containerd that k2 starts and supervises itself (when
// `containerd` is on PATH), with a generated config, socket, root and state under
// `<data-dir>/agent/containerd/`, or an existing CRI endpoint (`--container-runtime-endpoint`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Logger } from 'pino';
import { CriClient } from './cri/client.ts';

/** The sandbox image k2 provides itself (see pause-image.ts); containerd is told to use it. */
export const defaultSandboxImage = 'localhost/k2/pause:1';

/** Finds an executable on PATH (or returns undefined). */
export function findOnPath(name: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Where the CNI plugin executables are: Debian's containernetworking-plugins, or the upstream default. */
export function findCniBinDir(): string | undefined {
  return ['/usr/lib/cni', '/opt/cni/bin', '/usr/libexec/cni'].find((dir) => existsSync(join(dir, 'bridge')));
}

export interface ContainerdLayout {
  dir: string;
  configFile: string;
  socket: string;
  root: string;
  state: string;
  cniConfDir: string;
  logFile: string;
}

export function containerdLayout(dataDir: string): ContainerdLayout {
  const dir = join(dataDir, 'agent', 'containerd');
  return {
    dir,
    configFile: join(dir, 'config.toml'),
    socket: join(dir, 'containerd.sock'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    cniConfDir: join(dataDir, 'agent', 'etc', 'cni', 'net.d'),
    logFile: join(dir, 'containerd.log'),
  };
}

const tomlString = (value: string) => JSON.stringify(value);

/** containerd 1.6's config for k2 (the one measured to work on these machines: RUNTIME.md). */
export function containerdConfig(layout: ContainerdLayout, options: { sandboxImage: string; cniBinDir: string }): string {
  return `# Written by k2 at every start; edits are overwritten.
version = 2
root = ${tomlString(layout.root)}
state = ${tomlString(layout.state)}
[grpc]
  address = ${tomlString(layout.socket)}
[ttrpc]
  address = ${tomlString(`${layout.socket}.ttrpc`)}
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = ${tomlString(options.sandboxImage)}
    # root may lack CAP_SYS_RESOURCE (containers, some VMs): never lower an oom_score_adj.
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = ${tomlString(options.cniBinDir)}
      conf_dir = ${tomlString(layout.cniConfDir)}
  [plugins."io.containerd.internal.v1.opt"]
    path = ${tomlString(join(layout.dir, 'opt'))}
`;
}

/** What the node agent needs from the runtime, however it was obtained. */
export interface ContainerRuntime {
  /** `unix:///…` CRI endpoint. */
  readonly endpoint: string;
  /** containerd's own API socket path, for `ctr` (image import); the CRI socket for containerd. */
  readonly containerdSocket: string;
  readonly cri: CriClient;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  dataDir: string;
  log: Logger;
  containerdPath?: string;
  sandboxImage?: string;
  /** Time to wait for CRI after each start. */
  readyTimeoutMs?: number;
}

/**
 * Runs containerd as a child process and keeps it running: if it dies it is started again (after a back-off
 * that grows from 0.5 s to 30 s and resets once it has run for a minute). Killing containerd does not stop the
 * pods (their shims keep running); a restarted containerd finds them again.
 */
export class ContainerdSupervisor implements ContainerRuntime {
  readonly layout: ContainerdLayout;
  readonly endpoint: string;
  readonly containerdSocket: string;
  readonly cri: CriClient;
  private child?: ChildProcess;
  private logStream?: WriteStream;
  /** The child's output has all been read ('close' comes after 'exit', once stdout and stderr have ended). */
  private outputDone: Promise<void> = Promise.resolve();
  private stopping = false;
  private restartDelayMs = 500;
  private restartTimer?: NodeJS.Timeout;
  /** How many times containerd was started (1 after start()). */
  starts = 0;
  /** Resolves after each (re)start once CRI answers. */
  private readyListeners: Array<() => void> = [];

  private constructor(
    private readonly options: SupervisorOptions,
    private readonly containerdPath: string,
  ) {
    this.layout = containerdLayout(options.dataDir);
    this.endpoint = `unix://${this.layout.socket}`;
    this.containerdSocket = this.layout.socket;
    this.cri = new CriClient(this.endpoint);
  }

  static async start(options: SupervisorOptions): Promise<ContainerdSupervisor> {
    const containerdPath = options.containerdPath ?? findOnPath('containerd');
    if (!containerdPath) throw new Error('containerd is not on PATH: install it, or pass --container-runtime-endpoint');
    const cniBinDir = findCniBinDir();
    if (!cniBinDir) throw new Error('no CNI plugins found (looked in /usr/lib/cni, /opt/cni/bin, /usr/libexec/cni): install containernetworking-plugins');
    const supervisor = new ContainerdSupervisor(options, containerdPath);
    const { layout } = supervisor;
    await mkdir(layout.dir, { recursive: true, mode: 0o700 });
    await mkdir(layout.cniConfDir, { recursive: true });
    await writeFile(layout.configFile, containerdConfig(layout, { sandboxImage: options.sandboxImage ?? defaultSandboxImage, cniBinDir }));
    supervisor.logStream = createWriteStream(layout.logFile, { flags: 'a' });
    // A log that cannot be written (disk full) is reported, never a crash of the server.
    supervisor.logStream.on('error', (error) => options.log.warn({ err: error, file: layout.logFile }, "cannot write containerd's log"));
    try {
      await supervisor.launch();
    } catch (error) {
      await supervisor.stop(); // no restarts for a containerd that never came up
      throw error;
    }
    return supervisor;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async launch(): Promise<void> {
    const started = performance.now();
    const child = spawn(this.containerdPath, ['--config', this.layout.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    child.stdout!.pipe(this.logStream!, { end: false });
    child.stderr!.pipe(this.logStream!, { end: false });
    this.outputDone = new Promise((resolve) => child.once('close', () => resolve()));
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(`containerd exited (${signal ?? `code ${code}`}); its log is ${this.layout.logFile}`)),
    );
    child.once('error', (error) => this.options.log.error({ err: error }, 'could not start containerd'));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    const ready = this.cri.waitReady(this.options.readyTimeoutMs ?? 30_000);
    const died = exited.then((why) => Promise.reject(new Error(why)));
    died.catch(() => {}); // once CRI answered, a later exit is the restart logic's business
    const version = await Promise.race([ready, died]);
    this.options.log.info(
      { pid: child.pid, runtime: `${version.runtimeName} ${version.runtimeVersion}`, endpoint: this.endpoint, readyMs: Math.round(performance.now() - started) },
      'containerd is ready',
    );
    for (const listener of this.readyListeners.splice(0)) listener();
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    this.options.log.warn({ code, signal, restartInMs: this.restartDelayMs }, 'containerd died; restarting it');
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(30_000, this.restartDelayMs * 2);
    this.restartTimer = setTimeout(() => {
      this.launch().then(
        () => {
          // A containerd that stays up for a minute is healthy again: the next crash restarts it quickly.
          const reset = setTimeout(() => (this.restartDelayMs = 500), 60_000);
          reset.unref();
        },
        (error: Error) => this.options.log.error({ err: error }, 'containerd restart failed'),
      );
    }, delay);
  }

  /** Resolves when containerd answers CRI after its next (re)start. */
  nextReady(): Promise<void> {
    return new Promise((resolve) => this.readyListeners.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.cri.close();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // The log ends once containerd's last output is in it: ending it at 'exit' let buffered output be written after
    // its end (an uncaught error). A stuck pipe does not hold the stop up for long.
    await Promise.race([this.outputDone, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    child?.stdout?.unpipe(this.logStream);
    child?.stderr?.unpipe(this.logStream);
    await new Promise((resolve) => (this.logStream ? this.logStream.end(resolve) : resolve(undefined)));
  }
}

/** An existing runtime endpoint that k2 does not manage. */
export class ExternalRuntime implements ContainerRuntime {
  readonly cri: CriClient;
  readonly containerdSocket: string;

  constructor(readonly endpoint: string) {
    this.cri = new CriClient(endpoint);
    this.containerdSocket = endpoint.replace(/^unix:\/\//, '').replace(/^unix:/, '');
  }

  async stop(): Promise<void> {
    this.cri.close();
  }
}

/** `--container-runtime-endpoint` when given, else a supervised containerd. */
export async function openContainerRuntime(options: SupervisorOptions & { endpoint?: string }): Promise<ContainerRuntime> {
  if (options.endpoint) {
    const runtime = new ExternalRuntime(options.endpoint);
    await runtime.cri.waitReady(options.readyTimeoutMs ?? 30_000);
    return runtime;
  }
  return ContainerdSupervisor.start(options);
}
