import { fieldError } from '../../registry/field-errors.ts';
import type { StatusCause } from '../../status.ts';
import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const apiServices = defineKind({
  group: 'apiregistration.k8s.io',
  kind: 'APIService',
  plural: 'apiservices',
  namespaced: false,
  // v1beta1 (1.7–1.21) had v1's shape and default.
  versions: ['v1', 'v1beta1'],
  categories: ['api-extensions'],
  status: true,
  // Named `<version>.<group>`: the core group's is `v1.`, which is no DNS subdomain (kube-aggregator's rule).
  nameValidation: 'path',
  defaults(apiService) {
    const service = (apiService.spec as Json | undefined)?.service as Json | undefined;
    if (service) service.port ??= 443;
  },
  validate(apiService) {
    const spec = (apiService.spec ?? {}) as Json;
    const causes: StatusCause[] = [];
    const requiredName = `${spec.version ?? ''}.${spec.group ?? ''}`;
    if (apiService.metadata.name !== requiredName) causes.push(fieldError.invalid('metadata.name', apiService.metadata.name, `must be \`spec.version+"."+spec.group\`: "${requiredName}"`));
    if (!spec.version) causes.push(fieldError.required('spec.version', ''));
    if (!(spec.groupPriorityMinimum > 0 && spec.groupPriorityMinimum <= 20000)) causes.push(fieldError.invalid('spec.groupPriorityMinimum', spec.groupPriorityMinimum, 'must be positive and less than 20000'));
    if (!(spec.versionPriority > 0 && spec.versionPriority <= 1000)) causes.push(fieldError.invalid('spec.versionPriority', spec.versionPriority, 'must be positive and less than 1000'));
    return causes;
  },
});
