// extensions/v1beta1 served Jobs until batch/v1 took over (1.2–1.5): the same object, except that
// it said spec.autoSelector where batch/v1 says the opposite, spec.manualSelector, and that a
// missing selector was the pod template's labels (a manual selector) unless autoSelector was true.
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

function invert(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? !value : undefined;
}

export const jobVersions: VersionDescription[] = [
  {
    group: 'extensions',
    version: 'v1beta1',
    defaults(job) {
      const spec: Json = ((job.spec as Json | undefined) ??= {});
      const labels = spec.template?.metadata?.labels as Record<string, string> | undefined;
      if (labels && Object.keys(labels).length) {
        if (spec.autoSelector !== true && !spec.selector) {
          spec.selector = { matchLabels: { ...labels } };
          spec.autoSelector = false; // the defaulted selector is the client's own
        }
        if (!job.metadata.labels || !Object.keys(job.metadata.labels).length) job.metadata.labels = { ...labels };
      }
    },
    toStored(job: KubeObject) {
      const spec = job.spec as Json | undefined;
      if (spec && 'autoSelector' in spec) {
        const manual = invert(spec.autoSelector);
        delete spec.autoSelector;
        if (manual !== undefined) spec.manualSelector = manual;
      }
      return job;
    },
    fromStored(stored: KubeObject) {
      const spec = stored.spec as Json | undefined;
      if (!spec || !('manualSelector' in spec)) return stored;
      const job = cloneObject(stored);
      const copy = job.spec as Json;
      const auto = invert(copy.manualSelector);
      delete copy.manualSelector;
      if (auto !== undefined) copy.autoSelector = auto;
      return job;
    },
  },
];
