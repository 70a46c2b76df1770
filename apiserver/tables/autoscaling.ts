// HorizontalPodAutoscalers (stored as autoscaling/v2) and the Scale subresource.

import { canonicalQuantity, quantityOrNil } from './quantity.ts';
import { ageColumn, column, integer, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

const UNKNOWN = '<unknown>';

function percent(value: unknown): string | undefined {
  return typeof value === 'number' ? `${Math.trunc(value)}%` : undefined;
}

/** `<resource>: <current>/<target>` of a Resource or ContainerResource metric. */
function resourceMetric(source: any, current: any): string {
  const target = source?.target;
  const name = text(source?.name);
  if (target?.averageValue !== undefined && target?.averageValue !== null) {
    const now = current ? quantityOrNil(current.current?.averageValue) : UNKNOWN;
    return `${name}: ${now}/${canonicalQuantity(target.averageValue)}`;
  }
  const now = percent(current?.current?.averageUtilization) ?? UNKNOWN;
  return `${name}: ${now}/${percent(target?.averageUtilization) ?? '<auto>'}`;
}

/** `<current>/<target>` of an Object or External metric; `(avg)` when the target is an average value. */
function valueMetric(source: any, current: any): string {
  const target = source?.target;
  if (target?.averageValue !== undefined && target?.averageValue !== null) {
    const averaged = current?.current?.averageValue;
    const now = averaged !== undefined && averaged !== null ? canonicalQuantity(averaged) : UNKNOWN;
    return `${now}/${canonicalQuantity(target.averageValue)} (avg)`;
  }
  const now = current ? quantityOrNil(current.current?.value) : UNKNOWN;
  return `${now}/${quantityOrNil(target?.value)}`;
}

/** The TARGETS cell: each spec metric against the status metric at the same position. */
function formatMetrics(specs: any[] | undefined, statuses: any[] | undefined): string {
  if (!specs?.length) return '<none>';
  const shown = 2;
  const entries = specs.slice(0, shown).map((spec, i) => {
    const status = statuses?.[i];
    switch (spec?.type) {
      case 'External':
        return valueMetric(spec.external, status?.external);
      case 'Object':
        return valueMetric(spec.object, status?.object);
      case 'Pods': {
        const now = status?.pods ? quantityOrNil(status.pods.current?.averageValue) : UNKNOWN;
        return `${now}/${quantityOrNil(spec.pods?.target?.averageValue)}`;
      }
      case 'Resource':
        return resourceMetric(spec.resource, status?.resource);
      case 'ContainerResource':
        return resourceMetric(spec.containerResource, status?.containerResource);
      default:
        return '<unknown type>';
    }
  });
  const more = specs.length > shown ? ` + ${specs.length - shown} more...` : '';
  return entries.join(', ') + more;
}

export const horizontalPodAutoscalerPrinter = printer(
  [
    nameColumn,
    column('Reference', 'string', 'The workload being scaled.'),
    column('Targets', 'string', 'Current metric values against their targets.'),
    column('MinPods', 'string', 'Lower bound of replicas.'),
    column('MaxPods', 'string', 'Upper bound of replicas.'),
    column('Replicas', 'string', 'Replicas the workload has now.'),
    ageColumn,
  ],
  (hpa: any, now) => {
    const spec = hpa?.spec;
    const minReplicas = spec?.minReplicas;
    return [
      objectName(hpa),
      `${text(spec?.scaleTargetRef?.kind)}/${text(spec?.scaleTargetRef?.name)}`,
      formatMetrics(spec?.metrics, hpa?.status?.currentMetrics),
      typeof minReplicas === 'number' ? String(Math.trunc(minReplicas)) : '<unset>',
      integer(spec?.maxReplicas),
      integer(hpa?.status?.currentReplicas),
      objectAge(hpa, now),
    ];
  },
);

/** Table of a built-in kind's `/scale` subresource (an autoscaling/v1 Scale). */
export const scalePrinter = printer(
  [
    column('Name', 'string', 'Name of the scaled object.'),
    column('Desired', 'integer', 'Replicas wanted.'),
    column('Available', 'integer', 'Replicas observed.'),
    ageColumn,
  ],
  (scale: any, now) => [objectName(scale), integer(scale?.spec?.replicas), integer(scale?.status?.replicas), objectAge(scale, now)],
);
