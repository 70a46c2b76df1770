// The descriptions `kubectl explain` shows for built-in types, by version-free type key (types.ts).
import { clusterDescriptions } from './cluster.ts';
import { coreOtherDescriptions } from './core-other.ts';
import { corePodDescriptions } from './core-pod.ts';
import { coreVolumeDescriptions } from './core-volumes.ts';
import { extensionDescriptions } from './extension.ts';
import { workloadDescriptions } from './workloads.ts';
import type { TypeDescriptions } from './types.ts';
import type { OpenApiSchema } from '../schema.ts';

export type { TypeDescriptions } from './types.ts';

let loaded: Map<string, Record<string, string>> | undefined;

/** Every description, built on first use (when an OpenAPI document is first rendered). */
export function builtinDescriptions(): Map<string, Record<string, string>> {
  if (!loaded) {
    const parts: TypeDescriptions[] = [corePodDescriptions(), coreVolumeDescriptions(), coreOtherDescriptions(), workloadDescriptions(), clusterDescriptions(), extensionDescriptions()];
    loaded = new Map(parts.flatMap((part) => Object.entries(part)));
  }
  return loaded;
}

/**
 * The version-free key of a definition name: the segment before the version, and the type.
 * io.k8s.api.apps.v1beta2.Deployment → apps.Deployment; io.k8s.apimachinery.pkg.api.resource.Quantity → resource.Quantity.
 */
export function descriptionKey(definitionName: string): string {
  const parts = definitionName.split('.');
  const type = parts[parts.length - 1]!;
  const before = parts[parts.length - 2] ?? '';
  return `${/^v\d/.test(before) ? parts[parts.length - 3] : before}.${type}`;
}

/**
 * A built-in definition with the descriptions of its type and fields, for the served documents (the
 * structure-only facts stay as they are: validation, patching and apply never read descriptions).
 */
export function describedSchema(definitionName: string, schema: OpenApiSchema): OpenApiSchema {
  const texts = builtinDescriptions().get(descriptionKey(definitionName));
  if (!texts) return schema;
  const described: OpenApiSchema = texts[''] === undefined ? { ...schema } : { description: texts[''], ...schema };
  if (schema.properties) {
    described.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([field, property]) => {
        const text = texts[field];
        return [field, text === undefined ? property : { description: text, ...property }];
      }),
    );
  }
  return described;
}
