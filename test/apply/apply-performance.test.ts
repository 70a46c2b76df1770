// Issue 5: a typical Deployment apply must cost well under 1 ms. Measured as the median CPU time of
// a bounded number of applies after warming up (CPU time, so that other work on the machine does not
// count against it).

import { expect, it } from 'vitest';
import { apply, type FieldManagerOptions } from '../../apiserver/apply/field-manager.ts';
import type { JsonObject } from '../../apiserver/apply/go-format.ts';
import { kubeKind } from './kube-openapi.ts';
import { typicalDeployment } from './typical-deployment.ts';

function medianCpuMicros(run: () => unknown, iterations: number): number {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    samples.push(used.user + used.system);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

it('a typical Deployment apply costs well under 1 ms', () => {
  const options: FieldManagerOptions = { schema: kubeKind('io.k8s.api.apps.v1.Deployment'), apiVersion: 'apps/v1', kind: 'Deployment' };
  const created = apply(undefined, typicalDeployment(), 'kubectl', undefined, options).object;
  const live: JsonObject = { ...created, metadata: { ...(created.metadata as JsonObject), uid: 'u', resourceVersion: '1' } };
  const changed = typicalDeployment('registry.example/web:1.5.0');
  const run = () => apply(live, changed, 'kubectl', undefined, options);
  for (let i = 0; i < 200; i++) run();
  const median = medianCpuMicros(run, 400);
  console.log(`server-side apply of a typical Deployment (new image): median ${median} µs CPU`);
  expect(median).toBeLessThan(1000);
});
