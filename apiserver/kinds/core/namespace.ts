import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const namespaces = defineKind({
  group: '',
  kind: 'Namespace',
  plural: 'namespaces',
  shortNames: ['ns'],
  namespaced: false,
  versions: ['v1'],
  status: true,
  nameValidation: 'label',
  subresources: { finalize: { kind: 'Namespace', verbs: ['update'] } },
  defaults(ns) {
    // Every namespace carries its own name as a label, so selectors can pick namespaces by name.
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name ?? '' };
    const spec = ((ns.spec as Json | undefined) ??= {});
    spec.finalizers ??= ['kubernetes'];
  },
  prepareForCreate(ns) {
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name! };
    ns.status = { phase: 'Active' };
  },
  keepOnDelete(ns) {
    // A namespace stays Terminating until the namespace controller has emptied it and removed its spec finalizers.
    ns.status = { ...(ns.status as Json | undefined), phase: 'Terminating' };
    return ((ns.spec as Json | undefined)?.finalizers?.length ?? 0) > 0;
  },
  fieldSelectors: { 'status.phase': (ns) => (ns.status as Json | undefined)?.phase },
});
