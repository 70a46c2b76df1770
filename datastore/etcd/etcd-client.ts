// A small etcd v3 client over gRPC: the KV, Watch, Lease and Maintenance calls the etcd backend
// uses. Reads fail over to the next endpoint when one is unreachable; writes are not retried
// (a write that timed out may have been applied, so the caller decides).
import * as grpc from '@grpc/grpc-js';
import { messages, type MessageCodec, type RangeRequest, type RangeResponse, type TxnRequest, type TxnResponse, type WatchRequest, type WatchResponse } from './etcd-proto.ts';

export interface EtcdTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface EtcdClientOptions {
  /** http://host:port or https://host:port, one or more. */
  endpoints: string[];
  tls?: EtcdTls;
  /** Deadline of one unary call. */
  callTimeoutMs?: number;
}

/** An error etcd (or the connection to it) answered with. */
export class EtcdCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`etcd ${method}: ${details || grpc.status[code]}`);
  }

  get unavailable(): boolean {
    return this.code === grpc.status.UNAVAILABLE || this.code === grpc.status.DEADLINE_EXCEEDED;
  }
}

const channelOptions: grpc.ChannelOptions = {
  // Lists of many objects come back in one message; etcd itself bounds what it sends.
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

function target(endpoint: string): { address: string; secure: boolean } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`invalid etcd endpoint "${endpoint}": want http://host:port or https://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid etcd endpoint "${endpoint}": want http:// or https://`);
  if (url.pathname !== '/' && url.pathname !== '') throw new Error(`invalid etcd endpoint "${endpoint}": no path expected`);
  return { address: `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${url.port || '2379'}`, secure: url.protocol === 'https:' };
}

export class EtcdClient {
  readonly endpoints: string[];
  private readonly clients: grpc.Client[];
  private preferred = 0;
  private readonly callTimeoutMs: number;

  constructor(options: EtcdClientOptions) {
    if (!options.endpoints.length) throw new Error('no etcd endpoint given');
    this.endpoints = options.endpoints;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.clients = options.endpoints.map((endpoint) => {
      const { address, secure } = target(endpoint);
      const credentials = secure
        ? grpc.credentials.createSsl(options.tls?.ca ?? null, options.tls?.key ?? null, options.tls?.cert ?? null)
        : grpc.credentials.createInsecure();
      return new grpc.Client(address, credentials, channelOptions);
    });
  }

  private call<Req, Res>(client: grpc.Client, method: string, request: Req, codecs: [MessageCodec<Req>, MessageCodec<Res>], timeoutMs: number): Promise<Res> {
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest<Req, Res>(
        method,
        (message) => codecs[0].encode(message),
        (bytes) => codecs[1].decode(bytes),
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          if (error) reject(new EtcdCallError(method.slice(method.lastIndexOf('/') + 1), error.code, error.details));
          else resolve(response!);
        },
      );
    });
  }

  /** One call on the preferred endpoint; reads move on to the next endpoint when it is unreachable. */
  private async unary<Req, Res>(method: string, request: Req, codecs: [MessageCodec<Req>, MessageCodec<Res>], options: { retry: boolean; timeoutMs?: number }): Promise<Res> {
    const attempts = options.retry ? this.clients.length : 1;
    for (let attempt = 0; ; attempt++) {
      const index = this.preferred;
      try {
        return await this.call(this.clients[index]!, method, request, codecs, options.timeoutMs ?? this.callTimeoutMs);
      } catch (error) {
        if (!(error instanceof EtcdCallError) || !error.unavailable) throw error;
        if (this.clients.length > 1 && this.preferred === index) this.preferred = (index + 1) % this.clients.length;
        if (attempt + 1 >= attempts) throw error;
      }
    }
  }

  range(request: RangeRequest): Promise<RangeResponse> {
    return this.unary('/etcdserverpb.KV/Range', request, [messages.RangeRequest, messages.RangeResponse], { retry: true });
  }

  txn(request: TxnRequest): Promise<TxnResponse> {
    return this.unary('/etcdserverpb.KV/Txn', request, [messages.TxnRequest, messages.TxnResponse], { retry: false });
  }

  async compact(revision: number): Promise<void> {
    await this.unary('/etcdserverpb.KV/Compact', { revision }, [messages.CompactionRequest, messages.CompactionResponse], { retry: false });
  }

  async leaseGrant(ttlSeconds: number): Promise<{ id: string; ttl: number }> {
    const response = await this.unary('/etcdserverpb.Lease/LeaseGrant', { TTL: ttlSeconds }, [messages.LeaseGrantRequest, messages.LeaseGrantResponse], { retry: false });
    if (response.error) throw new Error(`etcd LeaseGrant: ${response.error}`);
    return { id: response.ID, ttl: response.TTL };
  }

  /** Seconds the lease has left (-1: it has expired or never existed). */
  async leaseTimeToLive(id: string): Promise<number> {
    const response = await this.unary('/etcdserverpb.Lease/LeaseTimeToLive', { ID: id }, [messages.LeaseTimeToLiveRequest, messages.LeaseTimeToLiveResponse], { retry: true });
    return response.TTL;
  }

  status(timeoutMs?: number): Promise<{ version: string; dbSize: number; header: { revision: number } }> {
    return this.unary('/etcdserverpb.Maintenance/Status', {}, [messages.StatusRequest, messages.StatusResponse], { retry: true, timeoutMs });
  }

  /** A new Watch stream on the preferred endpoint. */
  watchStream(): grpc.ClientDuplexStream<WatchRequest, WatchResponse> {
    return this.clients[this.preferred]!.makeBidiStreamRequest<WatchRequest, WatchResponse>(
      '/etcdserverpb.Watch/Watch',
      (message) => messages.WatchRequest.encode(message),
      (bytes) => messages.WatchResponse.decode(bytes),
      new grpc.Metadata(),
    );
  }

  /** After an unreachable endpoint: the next stream goes to another one. */
  rotate(): void {
    this.preferred = (this.preferred + 1) % this.clients.length;
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}
