import { fieldError } from '../../registry/field-errors.ts';
import { defineKind } from '../define.ts';
import { defaultBehavior, dropRoundTripAnnotations, horizontalPodAutoscalerVersions } from './horizontal-pod-autoscaler-versions.ts';

type Json = Record<string, any>;

export const horizontalPodAutoscalers = defineKind({
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  shortNames: ['hpa'],
  categories: ['all'],
  namespaced: true,
  versions: ['v2', ...horizontalPodAutoscalerVersions],
  status: true,
  defaults(hpa) {
    const spec: Json = ((hpa.spec as Json | undefined) ??= {});
    spec.minReplicas ??= 1;
    if (!spec.metrics || spec.metrics.length === 0) {
      spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
    }
    defaultBehavior(spec);
    dropRoundTripAnnotations(hpa);
  },
  prepareForCreate(hpa) {
    hpa.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  validate(hpa) {
    const spec: Json = (hpa.spec as Json) ?? {};
    const causes = [];
    if (!spec.scaleTargetRef?.kind) causes.push(fieldError.required('spec.scaleTargetRef.kind', ''));
    if (!spec.scaleTargetRef?.name) causes.push(fieldError.required('spec.scaleTargetRef.name', ''));
    if (typeof spec.minReplicas === 'number' && spec.minReplicas < 1) causes.push(fieldError.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
    if (typeof spec.maxReplicas !== 'number' || spec.maxReplicas < 1) causes.push(fieldError.invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
    else if (typeof spec.minReplicas === 'number' && spec.maxReplicas < spec.minReplicas) causes.push(fieldError.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
    return causes;
  },
});
