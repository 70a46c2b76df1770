// Generates the protobuf tables k2 commits: (1) the Kubernetes message table the request-body
// decoder walks, from ../shared/protobuf/kubernetes-messages.json plus the Go field facts (JSON
// names, pointer/omitempty, inlined structs); (2) a protobufjs descriptor of gnostic's
// openapi.v2 messages, from ../shared/protobuf/openapi-v2-messages.json, for /openapi/v2.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonStringModule } from '../../openapi/generator/generated-module.ts';
import type { GoField, GoTypeFacts } from '../../openapi/generator/go-types.ts';
import { readSharedJson } from '../../openapi/generator/shared-material.ts';
import { FieldFlag, type KubernetesMessageTable, type MessageField } from '../message-table.ts';

interface FactField {
  name: string;
  number: number;
  type?: string;
  repeated?: boolean;
  map?: [string, string];
}

interface MessageFacts {
  source: string;
  messages: Record<string, { package: string; fields: FactField[] }>;
}

const protobufDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `k8s.io.api.apps.v1.Deployment` ↔ `io.k8s.api.apps.v1.Deployment`. */
function modelOfMessage(message: string): string {
  return message.replace(/^k8s\.io\./, 'io.k8s.');
}

export function buildKubernetesMessageTable(go: GoTypeFacts): KubernetesMessageTable {
  const facts = readSharedJson<MessageFacts>('protobuf', 'kubernetes-messages.json');
  const messages: Record<string, MessageField[]> = {};
  const sliceMessages: string[] = [];
  for (const [name, message] of Object.entries(facts.messages).sort(([a], [b]) => a.localeCompare(b))) {
    const model = modelOfMessage(name);
    const named = go.namedTypes.get(model);
    // Named slices (`type ExtraValue []string`) travel as a message of `items` but are JSON arrays.
    if (named?.kind === 'slice') sliceMessages.push(name);
    // Defined types of another package's struct (`type MatchCondition v1.MatchCondition`).
    const goFields = go.structs.get(model) ?? (named?.kind === 'named' ? go.structs.get(named.model) : undefined);
    const byNumber = new Map<number, GoField>();
    for (const field of goFields ?? []) if (field.protobuf) byNumber.set(field.protobuf.number, field);
    messages[name] = message.fields.map((field): MessageField => {
      const goField = byNumber.get(field.number);
      let flags = 0;
      if (field.repeated) flags |= FieldFlag.Repeated;
      if (goField?.pointer) flags |= FieldFlag.Pointer;
      if (goField?.omitempty) flags |= FieldFlag.OmitEmpty;
      if (goField?.inline) flags |= FieldFlag.Inline;
      const json = goField && !goField.inline ? goField.json : field.name;
      if (field.map) return [field.number, json, 'map', flags, field.map[0], field.map[1]];
      if (!field.type) throw new Error(`${name}.${field.name} has no type`);
      return [field.number, json, field.type, flags];
    });
  }
  // apiVersion → protobuf package, for every group version with messages.
  const groupVersions: Record<string, string> = {};
  for (const [modelPackage, group] of [...go.groups].sort(([a], [b]) => a.localeCompare(b))) {
    const protobufPackage = modelPackage.replace(/^io\.k8s\./, 'k8s.io.');
    if (!Object.values(facts.messages).some((m) => m.package === protobufPackage)) continue;
    const version = modelPackage.slice(modelPackage.lastIndexOf('.') + 1);
    groupVersions[group ? `${group}/${version}` : version] = protobufPackage;
  }
  return { groupVersions, messages, sliceMessages };
}

/** A protobufjs JSON descriptor (`Root.fromJSON`) of gnostic's openapi.v2 package. */
export function buildGnosticDescriptor(): unknown {
  const facts = readSharedJson<MessageFacts>('protobuf', 'openapi-v2-messages.json');
  const nested: Record<string, { fields: Record<string, { id: number; type: string; rule?: string }> }> = {};
  for (const [name, message] of Object.entries(facts.messages)) {
    const fields: Record<string, { id: number; type: string; rule?: string }> = {};
    for (const field of message.fields) {
      if (!field.type) throw new Error(`${name}.${field.name} has no type`);
      fields[field.name] = { id: field.number, type: field.type, ...(field.repeated ? { rule: 'repeated' } : {}) };
    }
    nested[name.slice('openapi.v2.'.length)] = { fields };
  }
  return {
    nested: {
      openapi: { nested: { v2: { nested } } },
      // The one well-known type gnostic's Any refers to.
      google: { nested: { protobuf: { nested: { Any: { fields: { type_url: { id: 1, type: 'string' }, value: { id: 2, type: 'bytes' } } } } } } },
    },
  };
}

export function writeProtobufTables(go: GoTypeFacts): void {
  const table = buildKubernetesMessageTable(go);
  const tableBytes = writeJsonStringModule(
    join(protobufDir, 'generated', 'kubernetes-messages.ts'),
    'kubernetesMessagesJson',
    [
      'Kubernetes protobuf message table: field numbers, JSON names and types from ../shared/protobuf/kubernetes-messages.json,',
      `pointer/omitempty/inline facts from the Go API types (${go.sources.map((s) => `${s.module} @ ${s.commit}`).join(', ')}).`,
    ],
    table,
  );
  const descriptorBytes = writeJsonStringModule(
    join(protobufDir, 'generated', 'gnostic-openapi-v2.ts'),
    'gnosticOpenApiV2DescriptorJson',
    ['protobufjs descriptor of gnostic openapi.v2 (OpenAPIv2.proto) from ../shared/protobuf/openapi-v2-messages.json.'],
    buildGnosticDescriptor(),
  );
  console.log(`protobuf: ${Object.keys(table.messages).length} Kubernetes messages (${(tableBytes / 1024).toFixed(0)} KiB), gnostic descriptor ${(descriptorBytes / 1024).toFixed(0)} KiB`);
}
