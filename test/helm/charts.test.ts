// The real charts of shared/charts rendered by k2: every chart with its default values and with each
// values file it ships, the output parsed as Kubernetes objects; and the helm-unittest suites of the
// helm-unittest charts, whose __snapshot__ files hold the expected renders, compared object for object.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatTemplateOutput, loadChart, renderChart, type RenderResult } from '../../packaging/helm/index.ts';
import { sharedDir } from './shared.ts';
import { chartsWithSuites, runChartSuites } from './unittest-harness.ts';
import { VectorReport } from './vector-report.ts';

const chartsDir = join(sharedDir, 'charts');
const unittestDir = join(chartsDir, 'helm-unittest-v3');

/**
 * Parses `helm template`-style output: every document must be a YAML mapping; with `strict` each must be a
 * Kubernetes object (apiVersion, kind, metadata.name), otherwise each that has an apiVersion must be.
 */
function kubernetesObjects(output: string, strict = true): Record<string, any>[] {
  const objects: Record<string, any>[] = [];
  for (const doc of parseAllDocuments(output)) {
    expect(doc.errors, String(doc.errors[0])).toEqual([]);
    const value = doc.toJS() as Record<string, any> | null;
    if (value === null) continue;
    expect(typeof value === 'object' && !Array.isArray(value), JSON.stringify(value).slice(0, 200)).toBe(true);
    if (strict || value.apiVersion !== undefined) {
      expect(typeof value.apiVersion, JSON.stringify(value).slice(0, 200)).toBe('string');
      expect(typeof value.kind).toBe('string');
      expect(typeof value.metadata?.name === 'string' || typeof value.metadata?.generateName === 'string').toBe(true);
    }
    objects.push(value);
  }
  return objects;
}

function render(dir: string, valueFiles: string[] = []): Promise<RenderResult> {
  return loadChart(dir).then((chart) =>
    renderChart(chart, {
      releaseName: 'release',
      namespace: 'apps',
      valueFiles: valueFiles.map((f) => ({ name: f, content: readFileSync(f, 'utf8') })),
    }),
  );
}

describe('metrics-server', () => {
  const dir = join(chartsDir, 'metrics-server');
  const ciValues = readdirSync(join(dir, 'ci')).map((f) => join(dir, 'ci', f));

  it('renders with default values into valid objects', async () => {
    const result = await render(dir);
    const objects = kubernetesObjects(formatTemplateOutput(result));
    const kinds = objects.map((o) => o.kind);
    expect(kinds).toContain('Deployment');
    expect(kinds).toContain('APIService');
    // Install order: ServiceAccount first, APIService after the Deployment.
    expect(kinds[0]).toBe('ServiceAccount');
    expect(kinds.indexOf('APIService')).toBeGreaterThan(kinds.indexOf('Deployment'));
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.metadata.name).toBe('release-metrics-server');
    expect(deployment.metadata.namespace).toBe('apps');
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.k8s.io/metrics-server/metrics-server:v0.8.1');
  });

  for (const file of ciValues) {
    it(`renders with ci/${file.split('/').pop()}`, async () => {
      const result = await render(dir, [file]);
      const objects = kubernetesObjects(formatTemplateOutput(result));
      expect(objects.length).toBeGreaterThan(5);
      if (file.endsWith('tls-helm-values.yaml')) {
        // genSelfSignedCert/genCA output: a real certificate and key in the Secret.
        const secret = objects.find((o) => o.kind === 'Secret')!;
        const cert = Buffer.from(secret.data['tls.crt'], 'base64').toString();
        expect(cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
        const { X509Certificate } = await import('node:crypto');
        const parsed = new X509Certificate(cert);
        expect(parsed.subject).toContain('release-metrics-server');
      }
    });
  }
});

describe('podinfo', () => {
  const dir = join(chartsDir, 'podinfo');

  it('renders values.yaml and values-prod.yaml into valid objects, hooks separate', async () => {
    for (const files of [[], [join(dir, 'values-prod.yaml')]]) {
      const result = await render(dir, files);
      const objects = kubernetesObjects(formatTemplateOutput(result));
      expect(objects.some((o) => o.kind === 'Deployment')).toBe(true);
      // Helm test pods are hooks, not manifests.
      expect(result.hooks.every((h) => h.events.includes('test'))).toBe(true);
      expect(result.manifests.some((m) => m.content.includes('helm.sh/hook'))).toBe(false);
      expect(result.notes).toContain('podinfo');
    }
    const prod = await render(dir, [join(dir, 'values-prod.yaml')]);
    const deployment = kubernetesObjects(formatTemplateOutput(prod)).find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.containers[0].resources).toBeTruthy();
  });
});

/** Charts the real Helm cannot `helm template` with their default values, and why. */
const expectedFailures: Record<string, RegExp> = {
  'failing-template': /must be <= 3 characters/, // calls fail on purpose
  'global-double-setting': /global.app is mandatory/, // `required` with no default; the suites set it
  'library-chart': /library charts are not installable/,
  'with-schema': /values don't meet the specifications of the schema/, // required values; the suites set them
  // A sub-chart template named NOTES-with-separator.txt is not a NOTES.txt, so Helm parses it as YAML and fails.
  'with-subchart': /YAML parse error on with-subchart\/charts\/child-chart\/templates\/NOTES-with-separator.txt/,
};

describe('helm-unittest charts', () => {
  const charts = readdirSync(unittestDir).sort();

  it('render with default values, or fail exactly where Helm fails', async () => {
    for (const name of charts) {
      const chart = await loadChart(join(unittestDir, name));
      let result: RenderResult | undefined;
      let error: Error | undefined;
      try {
        result = renderChart(chart, { releaseName: 'RELEASE-NAME', namespace: 'NAMESPACE' });
      } catch (e) {
        error = e as Error;
      }
      if (expectedFailures[name]) {
        expect(error?.message, name).toMatch(expectedFailures[name]);
        continue;
      }
      expect(error, `${name}: ${error?.message}`).toBeUndefined();
      // helm-unittest's fixtures include documents that are deliberately not Kubernetes objects
      // (plugin_version.yaml, 1files-template.yaml, lookup.yaml, basic.yaml): only those with an apiVersion are checked.
      kubernetesObjects(formatTemplateOutput(result!, { includeCrds: true }), false);
    }
  });

  it('pass their helm-unittest suites, snapshots matching object for object', async () => {
    const report = new VectorReport('helm-unittest assertions');
    const snapshots = new VectorReport('helm-unittest snapshots (matchSnapshot, matchSnapshotRaw)');
    // invalidbasic's suites are written to fail (it is helm-unittest's negative example).
    for (const name of charts.filter((n) => !n.endsWith('.tgz') && n !== 'invalidbasic')) {
      for (const dir of chartsWithSuites(join(unittestDir, name))) {
        const chart = await loadChart(dir);
        for (const outcome of runChartSuites(chart, dir)) {
          const add = (r: VectorReport) => r.add(outcome.name, () => outcome.detail);
          add(report);
          if (outcome.type.startsWith('matchSnapshot')) add(snapshots);
        }
      }
    }
    report.print();
    snapshots.print();
    expect(snapshots.rate).toBeGreaterThanOrEqual(0.95);
    expect(report.rate).toBeGreaterThanOrEqual(0.95);
  });
});
