// The StreamTarget of a pod on this node: exec, attach and port-forward through CRI. CRI Exec/Attach/PortForward
// return a URL on the runtime's streaming server; k2 dials it with its own SPDY client (remotecommand v4 /
// portforward.k8s.io) and bridges the streams. SPDY rather than the runtime's WebSocket endpoint because
// containerd 1.6 speaks only v4 over WebSocket, which cannot say "stdin is closed" (kubectl cp needs that).
import { Duplex, type Readable, type Writable } from 'node:stream';
import { dialSpdy } from '../../apiserver/streaming/spdy-client.ts';
import type { SpdyStream } from '../../apiserver/streaming/spdy.ts';
import { StreamTargetError, type ExecRequest, type ExitResult, type ProcessIO, type StreamTarget, type TerminalSize } from '../../apiserver/streaming/target.ts';
import type { CriClient } from '../cri/client.ts';

export interface PodStreamEndpoints {
  /** The pod's sandbox id; throws StreamTargetError when the pod has none running. */
  sandboxId(): Promise<string>;
  /** The running container's id for a container name ('' = the pod's only or default container). */
  containerId(name: string): Promise<string>;
}

/** kubectl sends its terminal's size as soon as the resize stream exists; wait that long for it at most. */
const firstSizeWaitMs = 1000;
const runtimeRemoteCommandProtocols = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** Reads a stream to its end as text. */
function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    stream.on('end', () => resolve(text));
    stream.on('close', () => resolve(text));
    stream.on('error', () => resolve(text));
  });
}

/** Pipes without ending the destination (the protocol layer ends it after the exit status is known). */
function copyInto(source: SpdyStream | undefined, destination: Writable | undefined): Promise<void> {
  if (!source) return Promise.resolve();
  return new Promise((resolve) => {
    source.on('data', (chunk: Buffer) => {
      if (destination && !destination.writableEnded && !destination.destroyed) {
        if (!destination.write(chunk)) {
          source.pause();
          destination.once('drain', () => source.resume());
        }
      }
    });
    source.on('end', resolve);
    source.on('close', resolve);
    source.on('error', () => resolve());
  });
}

/** The exit code in a remotecommand v4 error-channel message (empty = success, as v1–v3 send nothing). */
export function exitFromStatus(text: string): ExitResult {
  if (!text.trim()) return { exitCode: 0 };
  let status: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  try {
    status = JSON.parse(text) as typeof status;
  } catch {
    throw new StreamTargetError(text.trim());
  }
  if (status.status === 'Success') return { exitCode: 0 };
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const exitCode = Number(cause?.message);
    if (Number.isInteger(exitCode)) return { exitCode };
  }
  throw new StreamTargetError(status.message ?? text.trim());
}

async function runRemoteCommand(url: string, request: ExecRequest, io: ProcessIO): Promise<ExitResult> {
  const { session } = await dialSpdy(url, { protocols: runtimeRemoteCommandProtocols });
  const abort = () => session.close();
  io.signal.addEventListener('abort', abort);
  try {
    const open = (type: string) => session.openStream({ streamtype: type });
    const errorStream = await open('error');
    errorStream.end();
    // The resize stream goes first, carrying the client's size, so that the runtime has the terminal's size
    // when it starts the process (it waits for every stream before it does).
    const sizes = request.tty && io.resizes ? io.resizes[Symbol.asyncIterator]() : undefined;
    const resize = request.tty ? await open('resize') : undefined;
    const sendSize = (size: TerminalSize) => {
      if (resize && !resize.writableEnded && !resize.destroyed) resize.write(JSON.stringify({ Width: size.width, Height: size.height }) + '\n');
    };
    if (sizes) {
      const first = await Promise.race([sizes.next(), new Promise<undefined>((r) => setTimeout(() => r(undefined), firstSizeWaitMs))]);
      if (first && !first.done) sendSize(first.value);
      void (async () => {
        for (let next = await sizes.next(); !next.done; next = await sizes.next()) sendSize(next.value);
      })();
    }
    const stdin = request.stdin ? await open('stdin') : undefined;
    const stdout = request.stdout ? await open('stdout') : undefined;
    const stderr = request.stderr && !request.tty ? await open('stderr') : undefined;
    for (const s of [stdout, stderr]) s?.end(); // the client writes nothing on output channels
    if (stdin) {
      if (io.stdin) io.stdin.pipe(stdin);
      else stdin.end();
    }
    const statusText = readAll(errorStream);
    await Promise.all([copyInto(stdout, io.stdout), copyInto(stderr, io.stderr)]);
    const text = await statusText;
    if (session.closed && io.signal.aborted) throw new StreamTargetError('the client went away');
    return exitFromStatus(text);
  } finally {
    io.signal.removeEventListener('abort', abort);
    if (io.stdin) io.stdin.unpipe();
    void session.goAway();
  }
}

/**
 * A connection to a pod port through the runtime's port-forward streams. The runtime reports a failure (nothing
 * listens, …) as text on the error stream and may close the data stream first: the end of the data is held back
 * until the error stream is read, so that a failure surfaces as an 'error' rather than as a clean end.
 */
async function portForwardConnection(url: string, port: number, signal: AbortSignal): Promise<Duplex> {
  const { session } = await dialSpdy(url, { protocols: ['portforward.k8s.io'] });
  const headers = { port: String(port), requestid: '0' };
  const errorStream = await session.openStream({ ...headers, streamtype: 'error' });
  const data = await session.openStream({ ...headers, streamtype: 'data' });
  errorStream.end();
  errorStream.on('error', () => {});
  data.on('error', () => {});
  const failure = readAll(errorStream).then((text) => text.trim());
  const connection = new Duplex({
    read: () => data.resume(),
    write: (chunk: Buffer, _encoding, callback) => {
      if (data.destroyed) return callback(new Error('connection to the pod is closed'));
      data.write(chunk, () => callback());
    },
    final: (callback) => data.end(() => callback()),
    destroy: (error, callback) => {
      void session.goAway();
      callback(error);
    },
  });
  data.on('data', (chunk: Buffer) => {
    if (!connection.push(chunk)) data.pause();
  });
  data.on('end', () => void failure.then((message) => (message ? connection.destroy(new Error(message)) : connection.push(null))));
  data.on('close', () => void failure.then((message) => message && !connection.destroyed && connection.destroy(new Error(message))));
  void failure.then((message) => {
    if (message && !connection.destroyed) connection.destroy(new Error(message));
  });
  connection.on('close', () => void session.goAway());
  signal.addEventListener('abort', () => session.close());
  return connection;
}

/** exec, attach and port-forward into one pod on this node through its CRI runtime. */
export function criStreamTarget(cri: CriClient, pod: PodStreamEndpoints): StreamTarget {
  // CRI Exec and Attach take the same streams (Attach has no command) and both answer with a streaming URL.
  const remoteCommand = async (kind: 'Exec' | 'Attach', request: ExecRequest, io: ProcessIO): Promise<ExitResult> => {
    const streams = { containerId: await pod.containerId(request.container), tty: request.tty, stdin: request.stdin, stdout: request.stdout, stderr: request.stderr && !request.tty };
    const { url } = kind === 'Exec' ? await cri.call('Exec', { ...streams, cmd: request.command }) : await cri.call('Attach', streams);
    return runRemoteCommand(url, request, io);
  };
  return {
    exec: (request, io) => remoteCommand('Exec', request, io),
    attach: (request, io) => remoteCommand('Attach', request, io),
    async portForward(port, signal) {
      const podSandboxId = await pod.sandboxId();
      const { url } = await cri.call('PortForward', { podSandboxId, port: [port] });
      return portForwardConnection(url, port, signal);
    },
  };
}
