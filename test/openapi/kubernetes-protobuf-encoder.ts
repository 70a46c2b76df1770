// Test-only encoder of Kubernetes protobuf request bodies, built with protobufjs straight from
// the message facts in ../shared/protobuf (independent of k2's generated table). It writes
// exactly the fields of the "wire object" it is given, so a test states what gogo-protobuf would
// send (zero values of non-pointer fields included) and what k2 must decode it to.
import protobuf from 'protobufjs';
import { readSharedJson } from '../../apiserver/openapi/generator/shared-material.ts';

interface FactField {
  name: string;
  number: number;
  type?: string;
  repeated?: boolean;
  map?: [string, string];
}

let root: protobuf.Root | undefined;
let facts: Record<string, { fields: FactField[] }> | undefined;

function messageFacts(): Record<string, { fields: FactField[] }> {
  facts ??= readSharedJson<{ messages: Record<string, { fields: FactField[] }> }>('protobuf', 'kubernetes-messages.json').messages;
  return facts;
}

export function kubernetesRoot(): protobuf.Root {
  if (root) return root;
  root = new protobuf.Root();
  for (const [name, message] of Object.entries(messageFacts())) {
    const type = new protobuf.Type(name.slice(name.lastIndexOf('.') + 1));
    for (const field of message.fields) {
      if (field.map) type.add(new protobuf.MapField(field.name, field.number, field.map[0], field.map[1]));
      else type.add(new protobuf.Field(field.name, field.number, field.type!, field.repeated ? 'repeated' : 'optional'));
    }
    root.define(name.slice(0, name.lastIndexOf('.'))).add(type);
  }
  root.resolveAll();
  return root;
}

/**
 * Where Go's JSON differs from the protobuf field names: `inline` names fields holding an embedded
 * struct (Volume's volumeSource), whose JSON lives in the parent object; `renamed` maps protobuf
 * names to JSON names (BoundObjectReference's uID is uid). Stated per test, from the Go types.
 */
export interface GoJsonLayout {
  inline?: Record<string, string[]>;
  renamed?: Record<string, Record<string, string>>;
}

/**
 * Converts a JSON-shaped wire object into a protobufjs message object: RFC 3339 strings in Time
 * fields become {seconds, nanos}, IntOrString values {type, intVal, strVal}, quantities {string},
 * base64 strings in bytes fields Buffers, embedded objects JSON bytes.
 */
function toMessage(value: Record<string, unknown>, messageName: string, layout: GoJsonLayout): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const message = messageFacts()[messageName];
  if (!message) throw new Error(`no message ${messageName}`);
  for (const field of message.fields) {
    if ((layout.inline?.[messageName] ?? []).includes(field.name)) {
      out[field.name] = toMessage(value, field.type!, layout);
      continue;
    }
    const fieldValue = value[layout.renamed?.[messageName]?.[field.name] ?? field.name];
    if (fieldValue === undefined) continue;
    if (field.map) {
      out[field.name] = Object.fromEntries(Object.entries(fieldValue as Record<string, unknown>).map(([k, v]) => [k, toValue(v, field.map![1], layout)]));
    } else if (field.repeated) {
      out[field.name] = (fieldValue as unknown[]).map((item) => toValue(item, field.type!, layout));
    } else {
      out[field.name] = toValue(fieldValue, field.type!, layout);
    }
  }
  return out;
}

function toValue(value: unknown, type: string, layout: GoJsonLayout): unknown {
  switch (type) {
    case 'bytes':
      return Buffer.from(value as string, 'base64');
    case 'string':
    case 'bool':
    case 'int32':
    case 'int64':
      return value;
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.Time':
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': {
      if (value === null) return {};
      const millis = Date.parse(value as string);
      const micros = /\.(\d{6})Z$/.exec(value as string)?.[1];
      return { seconds: Math.floor(millis / 1000), nanos: micros ? Number(micros) * 1000 : 0 };
    }
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return { string: String(value) };
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      return typeof value === 'string' ? { type: 1, strVal: value } : { type: 0, intVal: value };
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
      return { raw: Buffer.from(JSON.stringify(value)) };
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1':
      return { Raw: Buffer.from(JSON.stringify(value)) };
    default:
      // Named slices (ExtraValue) are messages of `items` on the wire, arrays in JSON.
      if (Array.isArray(value)) return { items: value };
      return toMessage(value as Record<string, unknown>, type, layout);
  }
}

export function encodeMessage(wireObject: Record<string, unknown>, messageName: string, layout: GoJsonLayout = {}): Buffer {
  const type = kubernetesRoot().lookupType(messageName);
  return Buffer.from(type.encode(type.fromObject(toMessage(wireObject, messageName, layout))).finish());
}

/** `k8s\0` + runtime.Unknown{typeMeta, raw}, as kubectl 1.32+ sends it. */
export function encodeKubernetesProtobuf(apiVersion: string, kind: string, messageName: string, wireObject: Record<string, unknown>, layout: GoJsonLayout = {}): Buffer {
  const raw = encodeMessage(wireObject, messageName, layout);
  const unknown = kubernetesRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const envelope = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), envelope]);
}
