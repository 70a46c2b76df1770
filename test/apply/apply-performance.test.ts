// Issue 5: a typical Deployment apply must cost well under 1 ms. Measured as CPU time per apply, in
// the quietest of a bounded number of batches after warming up: the machine is shared, and other
// work there should not count against the apply.

import { expect, it } from 'vitest';
import { apply, type FieldManagerOptions } from '../../apiserver/apply/field-manager.ts';
import type { JsonObject } from '../../apiserver/apply/go-format.ts';
import { kubeKind } from './kube-openapi.ts';
import { typicalDeployment } from './typical-deployment.ts';

function cpuMicrosPerRun(run: () => unknown, batches: number, runsPerBatch: number): number {
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const before = process.cpuUsage();
    for (let i = 0; i < runsPerBatch; i++) run();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / runsPerBatch);
  }
  return best;
}

it('a typical Deployment apply costs well under 1 ms', () => {
  const options: FieldManagerOptions = { schema: kubeKind('io.k8s.api.apps.v1.Deployment'), apiVersion: 'apps/v1', kind: 'Deployment' };
  const created = apply(undefined, typicalDeployment(), 'kubectl', undefined, options).object;
  const live: JsonObject = { ...created, metadata: { ...(created.metadata as JsonObject), uid: 'u', resourceVersion: '1' } };
  const changed = typicalDeployment('registry.example/web:1.5.0');
  const run = () => apply(live, changed, 'kubectl', undefined, options);
  for (let i = 0; i < 200; i++) run();
  const cost = cpuMicrosPerRun(run, 20, 20);
  console.log(`server-side apply of a typical Deployment (new image): ${cost.toFixed(0)} µs CPU`);
  expect(cost).toBeLessThan(1000);
});
