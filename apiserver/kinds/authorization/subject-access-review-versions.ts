// authorization.k8s.io/v1beta1 (1.2–1.21) named the reviewed user's groups spec.group; v1 says spec.groups.
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

function renameInSpec(object: KubeObject, from: string, to: string): KubeObject {
  const spec = object.spec as Json | undefined;
  if (spec && from in spec) {
    spec[to] = spec[from];
    delete spec[from];
  }
  return object;
}

export const subjectAccessReviewVersions: VersionDescription[] = [
  {
    version: 'v1beta1',
    toStored: (review) => renameInSpec(review, 'group', 'groups'),
    fromStored: (stored) => ((stored.spec as Json | undefined) && 'groups' in (stored.spec as Json) ? renameInSpec(cloneObject(stored), 'groups', 'group') : stored),
  },
];
