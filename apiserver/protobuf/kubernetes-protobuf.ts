// Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`, sent by kubectl
// 1.32+ typed clients) to the JSON objects the rest of k2 works with.
//
// A body is "k8s\0" followed by a runtime.Unknown {typeMeta{apiVersion, kind}, raw, contentEncoding,
// contentType}; raw is the object's message. The result is what kube-apiserver would store after
// decoding into Go structs: special messages become their JSON forms (Time → RFC 3339, Quantity →
// string, IntOrString → number or string, RawExtension/FieldsV1 → JSON, bytes → base64), and
// since gogo-protobuf writes every non-pointer field, zero values that Go's JSON leaves out
// (`omitempty`) are pruned — pointer fields keep theirs (replicas: 0 stays).
import { FieldFlag, kubernetesMessageTable, type MessageField } from './message-table.ts';

export interface DecodedKubernetesObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** A body that is not a well-formed Kubernetes protobuf message; the API answers 400. */
export class ProtobufDecodeError extends Error {}

const kubernetesProtobufMagic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const typeMetaMessage = 'k8s.io.apimachinery.pkg.runtime.TypeMeta';
const metaPackage = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const specialMessages: Record<string, (fields: Map<number, unknown[]>) => unknown> = {
  [`${metaPackage}.Time`]: (f) => rfc3339(f, false),
  [`${metaPackage}.MicroTime`]: (f) => rfc3339(f, true),
  [`${metaPackage}.Duration`]: (f) => goDuration(Number(last(f, 1) ?? 0)),
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (f) => textOf(last(f, 1)) ?? '',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (f) => (Number(last(f, 1) ?? 0) === 1 ? (textOf(last(f, 3)) ?? '') : toInt32(Number(last(f, 2) ?? 0))),
  'k8s.io.apimachinery.pkg.runtime.RawExtension': (f) => rawJson(last(f, 1) as Buffer | undefined),
  [`${metaPackage}.FieldsV1`]: (f) => rawJson(last(f, 1) as Buffer | undefined),
};

/** Decodes a `k8s\0` envelope holding any built-in kind. */
export function decodeKubernetesProtobuf(body: Buffer): DecodedKubernetesObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(kubernetesProtobufMagic)) {
    throw new ProtobufDecodeError('the body is not Kubernetes protobuf: it does not start with "k8s\\x00"');
  }
  const context = new WireContext();
  const envelope = context.decodeUnknown(body.subarray(4));
  const { apiVersion, kind } = envelope;
  if (!apiVersion || !kind) throw new ProtobufDecodeError('the protobuf envelope names no apiVersion and kind');
  if (envelope.contentEncoding) throw new ProtobufDecodeError(`unsupported protobuf content encoding ${envelope.contentEncoding}`);
  const decoded = context.decodeMessage(envelope.raw, messageFor(apiVersion, kind), kind) as Record<string, unknown>;
  return { apiVersion, kind, object: { apiVersion, kind, ...decoded } };
}

function messageFor(apiVersion: string, kind: string): string {
  const table = kubernetesMessageTable();
  const pkg = table.groupVersions[apiVersion];
  // Meta kinds (DeleteOptions, …) are registered in every group version.
  for (const candidate of [pkg && `${pkg}.${kind}`, `${metaPackage}.${kind}`]) {
    if (candidate && table.messages[candidate]) return candidate;
  }
  throw new ProtobufDecodeError(`no protobuf message is known for kind ${kind} in ${apiVersion}`);
}

// ---------------------------------------------------------------------------------------------
// Wire format

const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, Fixed32: 5 } as const;

class WireContext {
  #fieldsByMessage = new Map<string, Map<number, MessageField>>();
  readonly #sliceMessages = new Set(kubernetesMessageTable().sliceMessages);

  #fields(message: string): Map<number, MessageField> {
    let fields = this.#fieldsByMessage.get(message);
    if (!fields) {
      const list = kubernetesMessageTable().messages[message];
      if (!list) throw new ProtobufDecodeError(`no protobuf message ${message}`);
      fields = new Map(list.map((field) => [field[0], field]));
      this.#fieldsByMessage.set(message, fields);
    }
    return fields;
  }

  /** runtime.Unknown: the type of the object and its raw message. */
  decodeUnknown(buffer: Buffer): { apiVersion?: string; kind?: string; raw: Buffer; contentEncoding?: string } {
    const reader = new WireReader(buffer, 'Unknown');
    const envelope: { apiVersion?: string; kind?: string; raw: Buffer; contentEncoding?: string } = { raw: Buffer.alloc(0) };
    while (!reader.done()) {
      const key = reader.varint();
      const number = Number(key >> 3n);
      const wireType = Number(key & 7n);
      if (number < 1 || number > 3) {
        reader.skip(wireType);
        continue;
      }
      expectWireType(wireType, WireType.Bytes, 'Unknown');
      const bytes = reader.bytes();
      if (number === 1) Object.assign(envelope, this.decodeMessage(bytes, typeMetaMessage, 'Unknown.typeMeta'));
      else if (number === 2) envelope.raw = bytes;
      else envelope.contentEncoding = bytes.toString('utf8');
    }
    return envelope;
  }

  /** One message as JSON; `where` names it in errors. */
  decodeMessage(buffer: Buffer, message: string, where: string): unknown {
    const fields = this.#fields(message);
    const raw = new Map<number, unknown[]>();
    const reader = new WireReader(buffer, where);
    while (!reader.done()) {
      const key = reader.varint();
      const number = Number(key >> 3n);
      const wireType = Number(key & 7n);
      if (number === 0) throw new ProtobufDecodeError(`${where}: invalid field number 0`);
      const field = fields.get(number);
      if (!field) {
        reader.skip(wireType);
        continue;
      }
      const values = raw.get(number) ?? [];
      raw.set(number, values);
      this.#readValue(reader, wireType, field, values, `${where}.${field[1]}`);
    }
    const special = specialMessages[message];
    if (special) return special(raw);
    if (this.#sliceMessages.has(message)) return raw.get(1) ?? [];
    return this.#toJson(fields, raw);
  }

  #readValue(reader: WireReader, wireType: number, field: MessageField, into: unknown[], where: string): void {
    const type = field[2];
    if (type === 'map') {
      expectWireType(wireType, WireType.Bytes, where);
      into.push(this.#mapEntry(reader.bytes(), field as [number, string, 'map', number, string, string], where));
      return;
    }
    if (type === 'string' || type === 'bytes') {
      expectWireType(wireType, WireType.Bytes, where);
      const bytes = reader.bytes();
      into.push(type === 'string' ? bytes.toString('utf8') : bytes);
      return;
    }
    if (type === 'bool' || type === 'int32' || type === 'int64') {
      // Repeated scalars may come packed.
      if (wireType === WireType.Bytes && field[3] & FieldFlag.Repeated) {
        const packed = new WireReader(reader.bytes(), where);
        while (!packed.done()) into.push(scalar(type, packed.varint()));
        return;
      }
      expectWireType(wireType, WireType.Varint, where);
      into.push(scalar(type, reader.varint()));
      return;
    }
    expectWireType(wireType, WireType.Bytes, where);
    into.push(this.decodeMessage(reader.bytes(), type, where));
  }

  #mapEntry(buffer: Buffer, field: [number, string, 'map', number, string, string], where: string): [string, unknown] {
    const [, , , , keyType, valueType] = field;
    const reader = new WireReader(buffer, where);
    let key: unknown = keyType === 'string' ? '' : 0;
    let value: unknown;
    while (!reader.done()) {
      const tag = reader.varint();
      const number = Number(tag >> 3n);
      const wireType = Number(tag & 7n);
      if (number !== 1 && number !== 2) {
        reader.skip(wireType);
        continue;
      }
      const values: unknown[] = [];
      this.#readValue(reader, wireType, [number, '', number === 1 ? keyType : valueType, 0], values, where);
      if (number === 1) key = values[0];
      else value = values[0];
    }
    if (value === undefined) value = zeroOf(valueType);
    if (Buffer.isBuffer(value)) value = value.toString('base64');
    return [String(key), value];
  }

  /** A regular message: fields in declaration order, Go's omitempty emulated. */
  #toJson(fields: Map<number, MessageField>, raw: Map<number, unknown[]>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of fields.values()) {
      const values = raw.get(field[0]);
      if (!values || values.length === 0) continue;
      const [, json, type, flags] = field;
      if (type === 'map') {
        out[json] = Object.fromEntries(values as [string, unknown][]);
        continue;
      }
      const converted = values.map((value) => (Buffer.isBuffer(value) ? value.toString('base64') : value));
      if (flags & FieldFlag.Repeated) {
        out[json] = converted;
        continue;
      }
      const value = converted[converted.length - 1];
      if (flags & FieldFlag.Inline) {
        if (value && typeof value === 'object') Object.assign(out, value);
        continue;
      }
      if (value === null || (!(flags & FieldFlag.Pointer) && isGoZero(value, type, flags))) continue;
      out[json] = value;
    }
    return out;
  }
}

/** Whether Go's JSON encoder leaves this non-pointer value out (or it means "unset" to Go code). */
function isGoZero(value: unknown, type: string, flags: number): boolean {
  switch (type) {
    case 'string':
    case 'bool':
    case 'int32':
    case 'int64':
      return (flags & FieldFlag.OmitEmpty) !== 0 && (value === '' || value === false || value === 0);
    case 'bytes':
      return value === '';
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      // A zero IntOrString or Quantity is "unset" to every Go consumer (targetPort defaults to port).
      return value === 0 || value === '';
    default:
      return false;
  }
}

function zeroOf(type: string): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
      return 0;
    case 'bytes':
      return Buffer.alloc(0);
    default:
      return {};
  }
}

function expectWireType(actual: number, expected: number, where: string): void {
  if (actual !== expected) throw new ProtobufDecodeError(`${where}: wire type ${actual} where ${expected} was expected`);
}

function scalar(type: 'bool' | 'int32' | 'int64', raw: bigint): unknown {
  if (type === 'bool') return raw !== 0n;
  if (type === 'int32') return Number(BigInt.asIntN(32, raw));
  return Number(BigInt.asIntN(64, raw));
}

class WireReader {
  #offset = 0;
  constructor(
    readonly buffer: Buffer,
    readonly where: string,
  ) {}

  done(): boolean {
    return this.#offset >= this.buffer.length;
  }

  #truncated(): never {
    throw new ProtobufDecodeError(`${this.where}: the message ends early (truncated or not protobuf)`);
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.#offset >= this.buffer.length) this.#truncated();
      const byte = this.buffer[this.#offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtobufDecodeError(`${this.where}: a varint is longer than 10 bytes`);
  }

  bytes(): Buffer {
    const length = Number(this.varint());
    if (this.#offset + length > this.buffer.length) this.#truncated();
    const bytes = this.buffer.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return bytes;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.#advance(8);
        return;
      case WireType.Bytes:
        this.bytes();
        return;
      case WireType.Fixed32:
        this.#advance(4);
        return;
      default:
        throw new ProtobufDecodeError(`${this.where}: unsupported wire type ${wireType}`);
    }
  }

  #advance(count: number): void {
    if (this.#offset + count > this.buffer.length) this.#truncated();
    this.#offset += count;
  }
}

// ---------------------------------------------------------------------------------------------
// Special messages

function last(fields: Map<number, unknown[]>, number: number): unknown {
  const values = fields.get(number);
  return values?.[values.length - 1];
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function toInt32(value: number): number {
  return value | 0;
}

/** meta/v1 Time and MicroTime: RFC 3339 in UTC (seconds, or microseconds); zero is unset. */
function rfc3339(fields: Map<number, unknown[]>, micro: boolean): string | null {
  const seconds = Number(last(fields, 1) ?? 0);
  const nanos = Number(last(fields, 2) ?? 0);
  if (seconds === 0 && nanos === 0) return null;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function rawJson(raw: Buffer | undefined): unknown {
  if (!raw || raw.length === 0) return null;
  if (raw.subarray(0, 4).equals(kubernetesProtobufMagic)) return decodeKubernetesProtobuf(raw).object;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ProtobufDecodeError('an embedded object is neither JSON nor Kubernetes protobuf');
  }
}

/** Go's time.Duration.String: `1h2m3.5s`, `1.5s`, `300ms`, `0s`. */
export function goDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  const sign = nanoseconds < 0 ? '-' : '';
  let rest = Math.abs(nanoseconds);
  if (rest < 1e9) {
    const [unit, size] = rest < 1e3 ? ['ns', 1] : rest < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${sign}${trimFraction(rest / size)}${unit}`;
  }
  const hours = Math.floor(rest / 3.6e12);
  rest -= hours * 3.6e12;
  const minutes = Math.floor(rest / 6e10);
  rest -= minutes * 6e10;
  const seconds = `${trimFraction(rest / 1e9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function trimFraction(value: number): string {
  return value.toFixed(9).replace(/\.?0+$/, '');
}
