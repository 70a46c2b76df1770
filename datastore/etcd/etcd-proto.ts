// The part of etcd's v3 gRPC API k2 speaks (etcdserverpb and mvccpb, with etcd's field numbers),
// as protobufjs message types. Fields k2 never sends or reads are left out: protobuf skips them.
import protobuf from 'protobufjs';

const definition = `
syntax = "proto3";
package etcdserverpb;

message KeyValue {
  bytes key = 1;
  int64 create_revision = 2;
  int64 mod_revision = 3;
  int64 version = 4;
  bytes value = 5;
  int64 lease = 6;
}
message Event {
  enum EventType { PUT = 0; DELETE = 1; }
  EventType type = 1;
  KeyValue kv = 2;
  KeyValue prev_kv = 3;
}
message ResponseHeader {
  uint64 cluster_id = 1;
  uint64 member_id = 2;
  int64 revision = 3;
  uint64 raft_term = 4;
}
message RangeRequest {
  bytes key = 1;
  bytes range_end = 2;
  int64 limit = 3;
  int64 revision = 4;
  bool serializable = 7;
  bool keys_only = 8;
  bool count_only = 9;
}
message RangeResponse {
  ResponseHeader header = 1;
  repeated KeyValue kvs = 2;
  bool more = 3;
  int64 count = 4;
}
message PutRequest {
  bytes key = 1;
  bytes value = 2;
  int64 lease = 3;
  bool prev_kv = 4;
}
message PutResponse {
  ResponseHeader header = 1;
  KeyValue prev_kv = 2;
}
message DeleteRangeRequest {
  bytes key = 1;
  bytes range_end = 2;
  bool prev_kv = 3;
}
message DeleteRangeResponse {
  ResponseHeader header = 1;
  int64 deleted = 2;
  repeated KeyValue prev_kvs = 3;
}
message RequestOp {
  oneof request {
    RangeRequest request_range = 1;
    PutRequest request_put = 2;
    DeleteRangeRequest request_delete_range = 3;
  }
}
message ResponseOp {
  oneof response {
    RangeResponse response_range = 1;
    PutResponse response_put = 2;
    DeleteRangeResponse response_delete_range = 3;
  }
}
message Compare {
  enum CompareResult { EQUAL = 0; GREATER = 1; LESS = 2; NOT_EQUAL = 3; }
  enum CompareTarget { VERSION = 0; CREATE = 1; MOD = 2; VALUE = 3; LEASE = 4; }
  CompareResult result = 1;
  CompareTarget target = 2;
  bytes key = 3;
  oneof target_union {
    int64 version = 4;
    int64 create_revision = 5;
    int64 mod_revision = 6;
    bytes value = 7;
    int64 lease = 8;
  }
}
message TxnRequest {
  repeated Compare compare = 1;
  repeated RequestOp success = 2;
  repeated RequestOp failure = 3;
}
message TxnResponse {
  ResponseHeader header = 1;
  bool succeeded = 2;
  repeated ResponseOp responses = 3;
}
message CompactionRequest {
  int64 revision = 1;
  bool physical = 2;
}
message CompactionResponse {
  ResponseHeader header = 1;
}
message WatchCreateRequest {
  bytes key = 1;
  bytes range_end = 2;
  int64 start_revision = 3;
  bool progress_notify = 4;
  bool prev_kv = 6;
}
message WatchCancelRequest {
  int64 watch_id = 1;
}
message WatchProgressRequest {}
message WatchRequest {
  oneof request_union {
    WatchCreateRequest create_request = 1;
    WatchCancelRequest cancel_request = 2;
    WatchProgressRequest progress_request = 3;
  }
}
message WatchResponse {
  ResponseHeader header = 1;
  int64 watch_id = 2;
  bool created = 3;
  bool canceled = 4;
  int64 compact_revision = 5;
  string cancel_reason = 6;
  repeated Event events = 11;
}
message LeaseGrantRequest {
  int64 TTL = 1;
  int64 ID = 2;
}
message LeaseGrantResponse {
  ResponseHeader header = 1;
  int64 ID = 2;
  int64 TTL = 3;
  string error = 4;
}
message LeaseTimeToLiveRequest {
  int64 ID = 1;
}
message LeaseTimeToLiveResponse {
  ResponseHeader header = 1;
  int64 ID = 2;
  int64 TTL = 3;
  int64 grantedTTL = 4;
}
message StatusRequest {}
message StatusResponse {
  ResponseHeader header = 1;
  string version = 2;
  int64 dbSize = 3;
  uint64 leader = 4;
}
`;

const root = protobuf.parse(definition, { keepCase: true }).root.resolveAll();

/** 64-bit identifiers (lease ids can exceed 2^53) stay decimal strings; every other integer is a number. */
const identifierFields = new Set(['lease', 'ID', 'cluster_id', 'member_id', 'leader', 'raft_term']);
const integer64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function numbersFor(type: protobuf.Type, message: Record<string, unknown>): Record<string, unknown> {
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === null || value === undefined) continue;
    if (field.resolvedType instanceof protobuf.Type) {
      const nested = field.resolvedType;
      if (Array.isArray(value)) for (const item of value) numbersFor(nested, item as Record<string, unknown>);
      else numbersFor(nested, value as Record<string, unknown>);
    } else if (integer64.has(field.type) && !identifierFields.has(field.name)) {
      message[field.name] = Array.isArray(value) ? value.map(Number) : Number(value);
    }
  }
  return message;
}

/** A message type with the conversions gRPC needs: plain objects in, plain objects (numbers for int64) out. */
export interface MessageCodec<T> {
  encode(message: Partial<T>): Buffer;
  decode(bytes: Buffer): T;
}

function codec<T>(name: string): MessageCodec<T> {
  const type = root.lookupType(`etcdserverpb.${name}`);
  return {
    encode: (message) => Buffer.from(type.encode(type.fromObject(message as Record<string, unknown>)).finish()),
    // Defaults fill absent fields with Go's zero values, as etcd's own clients see them.
    decode: (bytes) => numbersFor(type, type.toObject(type.decode(bytes), { longs: String, defaults: true, enums: String, oneofs: true })) as T,
  };
}

export interface KeyValueMessage {
  key: Buffer;
  create_revision: number;
  mod_revision: number;
  version: number;
  value: Buffer;
  /** A lease id ("0": none). */
  lease: string;
}
export interface ResponseHeader {
  revision: number;
}
export interface RangeRequest {
  key: Buffer;
  range_end?: Buffer;
  limit?: number;
  revision?: number;
  count_only?: boolean;
  keys_only?: boolean;
}
export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValueMessage[];
  more: boolean;
  count: number;
}
export interface PutRequest {
  key: Buffer;
  value: Buffer;
  lease?: string;
  prev_kv?: boolean;
}
export interface DeleteRangeRequest {
  key: Buffer;
  range_end?: Buffer;
  prev_kv?: boolean;
}
export interface RequestOp {
  request_range?: RangeRequest;
  request_put?: PutRequest;
  request_delete_range?: DeleteRangeRequest;
}
export interface ResponseOp {
  response_range?: RangeResponse;
  response_put?: { header: ResponseHeader; prev_kv?: KeyValueMessage | null };
  response_delete_range?: { header: ResponseHeader; deleted: number; prev_kvs: KeyValueMessage[] };
}
export interface Compare {
  result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  key: Buffer;
  version?: number;
  create_revision?: number;
  mod_revision?: number;
}
export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}
export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}
export interface WatchRequest {
  create_request?: { key: Buffer; range_end?: Buffer; start_revision?: number; prev_kv?: boolean; progress_notify?: boolean };
  cancel_request?: { watch_id: number };
  /** Asks etcd for a progress notification: an empty response whose header revision every event up to has been sent. */
  progress_request?: Record<string, never>;
}
export interface EventMessage {
  type: 'PUT' | 'DELETE';
  kv: KeyValueMessage;
  prev_kv: KeyValueMessage | null;
}
export interface WatchResponse {
  header: ResponseHeader;
  watch_id: number;
  created: boolean;
  canceled: boolean;
  compact_revision: number;
  cancel_reason: string;
  events: EventMessage[];
}

export const messages = {
  RangeRequest: codec<RangeRequest>('RangeRequest'),
  RangeResponse: codec<RangeResponse>('RangeResponse'),
  TxnRequest: codec<TxnRequest>('TxnRequest'),
  TxnResponse: codec<TxnResponse>('TxnResponse'),
  CompactionRequest: codec<{ revision: number; physical?: boolean }>('CompactionRequest'),
  CompactionResponse: codec<{ header: ResponseHeader }>('CompactionResponse'),
  WatchRequest: codec<WatchRequest>('WatchRequest'),
  WatchResponse: codec<WatchResponse>('WatchResponse'),
  LeaseGrantRequest: codec<{ TTL: number; ID?: string }>('LeaseGrantRequest'),
  LeaseGrantResponse: codec<{ header: ResponseHeader; ID: string; TTL: number; error: string }>('LeaseGrantResponse'),
  LeaseTimeToLiveRequest: codec<{ ID: string }>('LeaseTimeToLiveRequest'),
  LeaseTimeToLiveResponse: codec<{ header: ResponseHeader; ID: string; TTL: number; grantedTTL: number }>('LeaseTimeToLiveResponse'),
  StatusRequest: codec<Record<string, never>>('StatusRequest'),
  StatusResponse: codec<{ header: ResponseHeader; version: string; dbSize: number; leader: string }>('StatusResponse'),
};
