// The versions DaemonSets were served in before apps/v1: extensions/v1beta1 (1.2–1.15, OnDelete by
// default, spec.templateGeneration) and apps/v1beta2 (1.8–1.15, the apps/v1 shape and defaults).
import { setAnnotation } from '../../registry/conversion.ts';
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';
import { defaultSelectorAndLabelsFromTemplate } from './template-label-defaults.ts';

type Json = Record<string, any>;

/** apps/v1 keeps extensions' spec.templateGeneration here (Kubernetes writes it on every DaemonSet). */
export const templateGenerationAnnotation = 'deprecated.daemonset.template.generation';

const integer = /^-?\d+$/;

function templateGenerationToAnnotation(ds: KubeObject): KubeObject {
  const spec = ds.spec as Json | undefined;
  if (spec && spec.templateGeneration !== undefined && spec.templateGeneration !== null) {
    setAnnotation(ds, templateGenerationAnnotation, String(spec.templateGeneration));
    delete spec.templateGeneration;
  } else if (integer.test(ds.metadata.annotations?.[templateGenerationAnnotation] ?? '')) {
    setAnnotation(ds, templateGenerationAnnotation, undefined);
  }
  return ds;
}

function templateGenerationFromAnnotation(stored: KubeObject): KubeObject {
  const text = stored.metadata.annotations?.[templateGenerationAnnotation];
  if (text === undefined || !integer.test(text)) return stored;
  const ds = cloneObject(stored);
  setAnnotation(ds, templateGenerationAnnotation, undefined);
  ((ds.spec as Json | undefined) ??= {}).templateGeneration = Number(text);
  return ds;
}

export const daemonSetVersions: VersionDescription[] = [
  { version: 'v1beta2' },
  {
    group: 'extensions',
    version: 'v1beta1',
    defaults(ds) {
      defaultSelectorAndLabelsFromTemplate(ds);
      const spec = ds.spec as Json;
      spec.updateStrategy ??= {};
      spec.updateStrategy.type ||= 'OnDelete';
      if (spec.updateStrategy.type === 'RollingUpdate') {
        spec.updateStrategy.rollingUpdate ??= {};
        spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      }
      spec.revisionHistoryLimit ??= 10;
    },
    toStored: templateGenerationToAnnotation,
    fromStored: templateGenerationFromAnnotation,
  },
];
