// Cost of each patch type and of server-side apply on a typical Deployment (issue 5).
import { apply, update, type FieldManagerOptions } from '../../apiserver/apply/field-manager.ts';
import type { JsonObject } from '../../apiserver/apply/go-format.ts';
import { applyPatch, PatchTypes } from '../../apiserver/patch/apply-patch.ts';
import { kubeKind } from '../apply/kube-openapi.ts';
import { typicalDeployment } from '../apply/typical-deployment.ts';
import { percentile, printTable } from './table.ts';

function measure(run: () => unknown): { p50: number; p99: number } {
  for (let i = 0; i < 300; i++) run();
  const samples: number[] = [];
  const deadline = performance.now() + 2000;
  while (samples.length < 2000 && performance.now() < deadline) {
    const t = performance.now();
    run();
    samples.push((performance.now() - t) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

export async function patchBenchmark(): Promise<void> {
  const kind = kubeKind('io.k8s.api.apps.v1.Deployment');
  const options: FieldManagerOptions = { schema: kind, apiVersion: 'apps/v1', kind: 'Deployment' };
  const config = typicalDeployment();
  const created = apply(undefined, config, 'kubectl', undefined, options).object;
  const live: JsonObject = { ...created, metadata: { ...(created.metadata as JsonObject), uid: 'u', resourceVersion: '1' } };
  const newImage = typicalDeployment('registry.example/web:1.5.0');
  const scaled = { ...live, spec: { ...(live.spec as JsonObject), replicas: 5 } };
  const setImage = JSON.stringify({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'proxy' }], containers: [{ name: 'web', image: 'registry.example/web:1.5.0' }] } } } });
  const rows: [string, () => unknown][] = [
    ['server-side apply: create', () => apply(undefined, config, 'kubectl', undefined, options)],
    ['server-side apply: unchanged re-apply', () => apply(live, config, 'kubectl', undefined, options)],
    ['server-side apply: new image', () => apply(live, newImage, 'kubectl', undefined, options)],
    ['update (scale) with managedFields', () => update(live, scaled, 'kubectl-scale', undefined, options)],
    ['strategic merge patch (set image)', () => applyPatch(PatchTypes.strategic, live, setImage, kind)],
    ['merge patch (label)', () => applyPatch(PatchTypes.merge, live, '{"metadata":{"labels":{"x":"y"}}}', undefined)],
    ['JSON patch (replace replicas)', () => applyPatch(PatchTypes.json, live, '[{"op":"replace","path":"/spec/replicas","value":4}]', undefined)],
  ];
  printTable(
    ['operation', 'p50', 'p99'],
    rows.map(([name, run]) => {
      const { p50, p99 } = measure(run);
      return [name, `${p50.toFixed(0)} µs`, `${p99.toFixed(0)} µs`];
    }),
  );
}
