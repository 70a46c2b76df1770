// PriorityLevelConfigurations before flowcontrol.apiserver.k8s.io/v1: v1beta3 (1.26–1.31) had v1's
// shape; v1beta2, v1beta1 and v1alpha1 (1.18–1.28) called nominalConcurrencyShares
// assuredConcurrencyShares. In all of them 0 meant "the default, 30" unless the object carries
// Kubernetes' preserve-zero annotation, which k2 adds on the way out so that a stored 0 survives a
// round trip, and drops on the way in.
import { setAnnotation, takeAnnotation } from '../../registry/conversion.ts';
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

export const preserveZeroAnnotation = 'flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares';

function limitedOf(object: KubeObject): Json | undefined {
  return (object.spec as Json | undefined)?.limited as Json | undefined;
}

function defaultQueuing(limited: Json): void {
  const queuing = limited.limitResponse?.queuing as Json | undefined;
  if (!queuing) return;
  queuing.handSize ||= 8;
  queuing.queues ||= 64;
  queuing.queueLengthLimit ||= 50;
}

/** flowcontrol v1's defaults (a missing share count is 30; an explicit 0 stays). */
export function defaultPriorityLevel(plc: KubeObject): void {
  const spec = plc.spec as Json | undefined;
  const limited = spec?.limited as Json | undefined;
  if (limited) {
    limited.nominalConcurrencyShares ??= 30;
    limited.lendablePercent ??= 0;
    defaultQueuing(limited);
  }
  if (spec?.exempt) {
    spec.exempt.nominalConcurrencyShares ??= 0;
    spec.exempt.lendablePercent ??= 0;
  }
}

function olderVersion(field: 'nominalConcurrencyShares' | 'assuredConcurrencyShares'): Omit<VersionDescription, 'version'> {
  return {
    defaults(plc) {
      const limited = limitedOf(plc);
      if (!limited) return;
      if (!limited[field] && !(preserveZeroAnnotation in (plc.metadata.annotations ?? {}))) limited[field] = 30;
      defaultQueuing(limited);
    },
    toStored(plc) {
      takeAnnotation(plc, preserveZeroAnnotation);
      const limited = limitedOf(plc);
      if (limited && field !== 'nominalConcurrencyShares' && field in limited) {
        limited.nominalConcurrencyShares = limited[field];
        delete limited[field];
      }
      return plc;
    },
    fromStored(stored) {
      const shares = limitedOf(stored)?.nominalConcurrencyShares;
      if (shares === undefined && field === 'nominalConcurrencyShares') return stored;
      const plc = cloneObject(stored);
      const limited = limitedOf(plc);
      if (limited && shares !== undefined) {
        if (field !== 'nominalConcurrencyShares') {
          limited[field] = shares;
          delete limited.nominalConcurrencyShares;
        }
        if (shares === 0) setAnnotation(plc, preserveZeroAnnotation, '');
      }
      return plc;
    },
  };
}

export const priorityLevelConfigurationVersions: VersionDescription[] = [
  { version: 'v1beta3', ...olderVersion('nominalConcurrencyShares') },
  { version: 'v1beta2', ...olderVersion('assuredConcurrencyShares') },
  { version: 'v1beta1', ...olderVersion('assuredConcurrencyShares') },
  { version: 'v1alpha1', ...olderVersion('assuredConcurrencyShares') },
];
