// A CRI v1 client over gRPC (grpc-js) with protobufjs messages built from the project's own descriptor.
// Messages are plain objects in the shapes of runtime-v1.generated.ts (camelCase, int64 as number, enums as
// their names); requests may leave out any field.
import * as grpc from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import protobuf from 'protobufjs';
import { criDescriptor, type ImageServiceRpcs, type RuntimeServiceRpcs } from './runtime-v1.generated.ts';

export * from './runtime-v1.generated.ts';

/** A request: every field may be left out, at any depth. */
export type Input<T> = T extends Uint8Array
  ? T
  : T extends Array<infer U>
    ? Input<U>[]
    : T extends object
      ? { [K in keyof T]?: Input<NonNullable<T[K]>> }
      : T;

type Rpcs = RuntimeServiceRpcs & ImageServiceRpcs;
export type RpcName = keyof Rpcs;

const toObjectOptions: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, arrays: true, objects: true };

interface MethodCodec {
  path: string;
  serialize: (value: unknown) => Buffer;
  deserialize: (bytes: Buffer) => unknown;
}

let codecs: Map<string, MethodCodec> | undefined;

/** The codecs of every CRI method, built on the first call (~15 ms): a server without a node never pays. */
function methodCodecs(): Map<string, MethodCodec> {
  if (codecs) return codecs;
  codecs = new Map();
  const root = protobuf.Root.fromJSON(criDescriptor as protobuf.INamespace);
  for (const serviceName of ['RuntimeService', 'ImageService']) {
    const service = root.lookupService(`runtime.v1.${serviceName}`);
    for (const method of service.methodsArray) {
      const request = root.lookupType(`runtime.v1.${method.requestType}`);
      const response = root.lookupType(`runtime.v1.${method.responseType}`);
      codecs.set(method.name, {
        path: `/runtime.v1.${serviceName}/${method.name}`,
        serialize: (value) => Buffer.from(request.encode(request.fromObject(value as Record<string, unknown>)).finish()),
        deserialize: (bytes) => response.toObject(response.decode(bytes), toObjectOptions),
      });
    }
  }
  return codecs;
}

/** A failed CRI call: the gRPC status code and the runtime's message. */
export class CriError extends Error {
  constructor(
    readonly rpc: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`CRI ${rpc}: ${details || grpc.status[code]}`);
  }

  get notFound(): boolean {
    return this.code === grpc.status.NOT_FOUND;
  }
}

export interface CriClientOptions {
  /** Per-call deadline; default 2 minutes (image pulls and container stops take a while). */
  timeoutMs?: number;
}

/** `unix:///run/x.sock`, `unix:/run/x.sock` or a bare socket path → a grpc-js target. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return `unix:${endpoint.slice('unix://'.length)}`;
  if (endpoint.startsWith('unix:')) return endpoint;
  if (endpoint.startsWith('/')) return `unix:${endpoint}`;
  return endpoint;
}

export class CriClient {
  private readonly client: grpc.Client;
  private readonly timeoutMs: number;

  constructor(
    readonly endpoint: string,
    options: CriClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.client = new grpc.Client(grpcTarget(endpoint), grpc.credentials.createInsecure(), {
      // grpc-js waits 1 s before its first reconnect by default: far too slow while containerd starts.
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.enable_retries': 0,
    });
  }

  call<M extends RpcName>(method: M, request: Input<Rpcs[M][0]> = {} as Input<Rpcs[M][0]>, timeoutMs = this.timeoutMs): Promise<Rpcs[M][1]> {
    const codec = methodCodecs().get(method);
    if (!codec) return Promise.reject(new Error(`unknown CRI method ${method}`));
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        codec.path,
        codec.serialize,
        codec.deserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          if (error) reject(new CriError(method, error.code ?? grpc.status.UNKNOWN, error.details ?? error.message));
          else resolve(response as Rpcs[M][1]);
        },
      );
    });
  }

  /** Resolves once the runtime answers `Version`; rejects after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<RuntimeServiceRpcs['Version'][1]> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    // Until the socket exists every connect fails and grpc-js backs off; a starting containerd creates it
    // ~85 ms in and answers CRI ~50 ms later, so wait for the file first and connect once.
    const socket = grpcTarget(this.endpoint).startsWith('unix:') ? grpcTarget(this.endpoint).slice('unix:'.length) : undefined;
    while (socket && !existsSync(socket) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    while (Date.now() < deadline) {
      try {
        return await this.call('Version', {}, Math.max(50, Math.min(1000, deadline - Date.now())));
      } catch (error) {
        lastError = error;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error(`container runtime at ${this.endpoint} did not answer within ${timeoutMs} ms: ${(lastError as Error)?.message ?? 'no answer'}`);
  }

  close(): void {
    this.client.close();
  }
}
