// Conversion between an apiVersion a client speaks and the stored form.
import { groupVersion, type ServedVersion } from './registry.ts';
import type { KubeObject } from './types.ts';

/** The object as the client's version shows it. Never mutates `stored`. */
export function toServedVersion(served: ServedVersion, stored: KubeObject): KubeObject {
  if (served.isStorageVersion) return stored;
  const converted = served.versionDescription.fromStored ? served.versionDescription.fromStored(stored) : { ...stored };
  converted.apiVersion = groupVersion(served.group, served.version);
  converted.kind = served.description.kind;
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
