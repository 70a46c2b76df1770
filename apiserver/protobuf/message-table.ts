// The shape of the generated Kubernetes protobuf message table (generated/kubernetes-messages.ts)
// and its lazy loading.
import { kubernetesMessagesJson } from './generated/kubernetes-messages.ts';

export const FieldFlag = {
  Repeated: 1,
  /** A Go pointer: present on the wire means set, even to a zero value. */
  Pointer: 2,
  /** `json:",omitempty"`: Go leaves a zero value out of JSON. */
  OmitEmpty: 4,
  /** An embedded Go struct: its fields appear in the parent's JSON. */
  Inline: 8,
} as const;

/**
 * One field: `[number, jsonName, type, flags]`, or for maps `[number, jsonName, 'map', flags,
 * keyType, valueType]`. Types are protobuf scalars (`string`, `bool`, `bytes`, `int32`, `int64`) or
 * fully qualified message names (`k8s.io.api.core.v1.PodSpec`).
 */
export type MessageField = [number, string, string, number] | [number, string, 'map', number, string, string];

export interface KubernetesMessageTable {
  /** apiVersion (`apps/v1`, `v1`) → protobuf package (`k8s.io.api.apps.v1`). */
  groupVersions: Record<string, string>;
  messages: Record<string, MessageField[]>;
  /** Messages of Go named slices (`ExtraValue`): JSON shows their `items` as a plain array. */
  sliceMessages: string[];
}

let table: KubernetesMessageTable | undefined;

export function kubernetesMessageTable(): KubernetesMessageTable {
  table ??= JSON.parse(kubernetesMessagesJson) as KubernetesMessageTable;
  return table;
}
