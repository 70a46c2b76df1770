import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject } from '../../registry/types.ts';
import { defineKind } from '../define.ts';

type Json = Record<string, any>;

/** node.k8s.io/v1alpha1 (1.12–1.21) kept the handler, overhead and scheduling under spec, the handler named runtimeHandler. */
function v1alpha1ToStored(runtimeClass: KubeObject): KubeObject {
  const { runtimeHandler, ...rest } = (runtimeClass.spec ?? {}) as Json;
  delete runtimeClass.spec;
  if (runtimeHandler !== undefined) runtimeClass.handler = runtimeHandler;
  Object.assign(runtimeClass, rest);
  return runtimeClass;
}

function v1alpha1FromStored(stored: KubeObject): KubeObject {
  const { handler, overhead, scheduling, ...rest } = cloneObject(stored);
  const spec: Json = {};
  if (handler !== undefined) spec.runtimeHandler = handler;
  if (overhead !== undefined) spec.overhead = overhead;
  if (scheduling !== undefined) spec.scheduling = scheduling;
  return { ...rest, spec } as KubeObject;
}

export const runtimeClasses = defineKind({
  group: 'node.k8s.io',
  kind: 'RuntimeClass',
  plural: 'runtimeclasses',
  namespaced: false,
  versions: ['v1', 'v1beta1', { version: 'v1alpha1', toStored: v1alpha1ToStored, fromStored: v1alpha1FromStored }],
});
