// Conversion between an apiVersion a client speaks and the stored form.
import { groupVersion, type ServedVersion } from './registry.ts';
import type { KubeObject } from './types.ts';

/** The object as the client's version shows it. Never mutates `stored`. */
export function toServedVersion(served: ServedVersion, stored: KubeObject): KubeObject {
  if (served.isStorageVersion) return stored;
  let converted = served.versionDescription.fromStored ? served.versionDescription.fromStored(stored) : stored;
  // A conversion with nothing to change returns its argument: the shared stored object is never relabelled.
  if (converted === stored) converted = { ...stored };
  converted.apiVersion = groupVersion(served.group, served.version);
  converted.kind = served.kind;
  return converted;
}

/** An object written through `served` in the stored form, with that version's own defaults applied first. */
export function fromServedVersion(served: ServedVersion, object: KubeObject): KubeObject {
  served.versionDescription.defaults?.(object);
  const stored = served.versionDescription.toStored ? served.versionDescription.toStored(object) : object;
  const storage = served.description.versions[0]!;
  stored.apiVersion = groupVersion(storage.group ?? served.description.group, storage.version);
  stored.kind = served.description.kind;
  return stored;
}

/** Removes annotation `key` from an object the caller owns and returns its value. */
export function takeAnnotation(object: KubeObject, key: string): string | undefined {
  const annotations = object.metadata?.annotations;
  if (!annotations || !(key in annotations)) return undefined;
  const value = annotations[key];
  setAnnotation(object, key, undefined);
  return value;
}

/** Sets annotation `key` on an object the caller owns; undefined removes it (and an emptied map). */
export function setAnnotation(object: KubeObject, key: string, value: string | undefined): void {
  object.metadata ??= {};
  if (value === undefined) {
    const annotations = object.metadata.annotations;
    if (!annotations || !(key in annotations)) return;
    const { [key]: _removed, ...rest } = annotations;
    if (Object.keys(rest).length) object.metadata.annotations = rest;
    else delete object.metadata.annotations;
    return;
  }
  object.metadata.annotations = { ...object.metadata.annotations, [key]: value };
}
