import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const endpoints = defineKind({
  group: '',
  kind: 'Endpoints',
  plural: 'endpoints',
  singular: 'endpoints',
  listKind: 'EndpointsList',
  shortNames: ['ep'],
  namespaced: true,
  versions: ['v1'],
  allowCreateOnUpdate: true,
  defaults(ep) {
    for (const subset of (ep.subsets as Json[] | undefined) ?? []) for (const port of subset.ports ?? []) port.protocol ||= 'TCP';
  },
});
