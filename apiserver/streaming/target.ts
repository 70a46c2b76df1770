// What the streaming protocols (exec, attach, port-forward) run against: a `StreamTarget` opens processes and
// TCP connections; the protocol handlers turn SPDY or WebSocket channels into the plain Node streams below.
// The node agent provides the CRI-backed target (kubelet-bridge/streaming/cri-target.ts); tests may provide others.
import type { Duplex, Readable, Writable } from 'node:stream';

export interface TerminalSize {
  width: number;
  height: number;
}

export interface ExecRequest {
  container: string;
  /** Empty for attach. */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ProcessIO {
  /** The client's standard input; ends when the client closes it. Present when `stdin` was asked for. */
  stdin?: Readable;
  stdout?: Writable;
  /** Never present with a TTY (stderr is merged into the terminal). */
  stderr?: Writable;
  /** Terminal sizes as the client's terminal changes (TTY only); ends with the session. */
  resizes?: AsyncIterable<TerminalSize>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** How a process ended; failures to run it at all are thrown as errors instead. */
export interface ExitResult {
  exitCode: number;
}

export interface StreamTarget {
  /** Runs `request.command` in the container, wired to `io`; resolves when it exits. */
  exec(request: ExecRequest, io: ProcessIO): Promise<ExitResult>;
  /** Attaches `io` to the container's main process; resolves when it exits or the client detaches. */
  attach(request: ExecRequest, io: ProcessIO): Promise<ExitResult>;
  /** A TCP connection to `port` inside the pod's network namespace. */
  portForward(port: number, signal: AbortSignal): Promise<Duplex>;
}

/** Thrown by a target to answer with a specific HTTP status and Status reason (e.g. 404 container not found). */
export class StreamTargetError extends Error {
  constructor(
    message: string,
    readonly code = 500,
    readonly reason = 'InternalError',
  ) {
    super(message);
  }
}

/** The Status a v4/v5 error channel carries at the end of an exec (kubelet's shape, which kubectl reads). */
export function exitStatus(result: ExitResult | Error, command: string[]): Record<string, unknown> {
  if (result instanceof Error) {
    const code = result instanceof StreamTargetError ? result.code : 500;
    const reason = result instanceof StreamTargetError ? result.reason : 'InternalError';
    return { metadata: {}, status: 'Failure', message: result.message, reason, details: { causes: [{ message: result.message }] }, code };
  }
  if (result.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${result.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
  };
}

/** A push-driven async iterable of terminal sizes. */
export class TerminalSizeQueue implements AsyncIterable<TerminalSize> {
  private readonly pending: TerminalSize[] = [];
  private waiting?: (result: IteratorResult<TerminalSize>) => void;
  private ended = false;

  push(size: TerminalSize): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: size, done: false });
    } else this.pending.push(size);
  }

  end(): void {
    this.ended = true;
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }

  /** Feeds JSON terminal sizes (`{"Width":80,"Height":24}`, one per line or back to back) into the queue. */
  parser(): (chunk: Buffer) => void {
    let text = '';
    return (chunk) => {
      text += chunk.toString('utf8');
      for (;;) {
        const end = text.indexOf('}');
        if (end < 0) return;
        const json = text.slice(0, end + 1).trim();
        text = text.slice(end + 1);
        try {
          const size = JSON.parse(json) as { Width?: number; Height?: number; width?: number; height?: number };
          this.push({ width: Number(size.Width ?? size.width ?? 0), height: Number(size.Height ?? size.height ?? 0) });
        } catch {
          // a malformed size is ignored, as the kubelet does
        }
      }
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    return {
      next: () => {
        const size = this.pending.shift();
        if (size) return Promise.resolve({ value: size, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** exec/attach query parameters as kubectl sends them (`command` repeated; booleans as "true"/"1"). */
export function parseExecQuery(query: URLSearchParams, kind: 'exec' | 'attach'): ExecRequest {
  const flag = (name: string) => ['true', '1'].includes((query.get(name) ?? '').toLowerCase());
  const request: ExecRequest = {
    container: query.get('container') ?? '',
    command: kind === 'exec' ? query.getAll('command') : [],
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
  };
  if (kind === 'exec' && request.command.length === 0) throw new StreamTargetError('you must specify at least 1 command', 400, 'BadRequest');
  if (!request.stdin && !request.stdout && !request.stderr) throw new StreamTargetError('you must specify at least 1 of stdin, stdout, stderr', 400, 'BadRequest');
  if (request.tty && request.stderr) request.stderr = false; // a terminal has one output stream
  return request;
}
