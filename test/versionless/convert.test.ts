// `k2 convert`: manifests rewritten offline into the newest (or a named) version, with the old
// version's defaults first, comments kept on what did not change, several documents and Lists,
// and kinds k2 does not know left as they are.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { convertManifest } from '../../cmd/convert.ts';

const newest = { outputVersion: 'newest' };

describe('k2 convert', () => {
  it('writes an extensions/v1beta1 Deployment as apps/v1 with the old defaults that keep its meaning', () => {
    const manifest = `# the web tier
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: web # keep this name
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.15 # pinned
`;
    const result = convertManifest(manifest, newest);
    const object = YAML.parse(result.text);
    expect(object.apiVersion).toBe('apps/v1');
    expect(object.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    // extensions/v1beta1 meant "keep every revision, no deadline": apps/v1 would default 10 and 600.
    expect(object.spec.revisionHistoryLimit).toBe(2147483647);
    expect(object.spec.progressDeadlineSeconds).toBe(2147483647);
    expect(object.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 1, maxSurge: 1 });
    // No pod-template defaults are added: only what the version change needs.
    expect(object.spec.template.spec.containers[0]).toEqual({ name: 'web', image: 'nginx:1.15' });
    expect(result.text).toContain('# the web tier');
    expect(result.text).toContain('name: web # keep this name');
    expect(result.text).toContain('image: nginx:1.15 # pinned');
    expect(result.text.indexOf('apiVersion')).toBeLessThan(result.text.indexOf('kind'));
    expect(result.converted).toEqual(['extensions/v1beta1 Deployment web → apps/v1']);
  });

  it('converts every document of a stream, Lists too, and leaves unknown kinds as they are', () => {
    const manifest = [
      'apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: a}\nspec:\n  backend: {serviceName: web, servicePort: 80}\n',
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1}\n',
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1beta1\n  kind: Role\n  metadata: {name: r}\n  rules: []\n',
    ].join('---\n');
    const result = convertManifest(manifest, newest);
    const [ingress, widget, list] = YAML.parseAllDocuments(result.text).map((document) => document.toJS());
    expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
    expect(ingress.spec).toEqual({ defaultBackend: { service: { name: 'web', port: { number: 80 } } } });
    expect(widget).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } });
    expect(list.items[0].apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(result.skipped).toEqual(['example.com/v1 Widget w: not a kind k2 serves']);
  });

  it('goes to the newest version of the same group, or to the stored form when the group is gone', () => {
    const convert = (apiVersion: string, kind: string) => YAML.parse(convertManifest(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x}\n`, newest).text);
    expect(convert('events.k8s.io/v1beta1', 'Event').apiVersion).toBe('events.k8s.io/v1');
    expect(convert('batch/v2alpha1', 'ScheduledJob')).toMatchObject({ apiVersion: 'batch/v1', kind: 'CronJob' });
    expect(convert('apps/v1alpha1', 'PetSet')).toMatchObject({ apiVersion: 'apps/v1', kind: 'StatefulSet' });
    expect(convert('extensions/v1beta1', 'PodSecurityPolicy').apiVersion).toBe('policy/v1beta1');
    expect(convert('flowcontrol.apiserver.k8s.io/v1beta2', 'FlowSchema').apiVersion).toBe('flowcontrol.apiserver.k8s.io/v1');
    expect(convert('apps/v1', 'Deployment').apiVersion).toBe('apps/v1');
  });

  it('writes a named version, and says which kinds it does not serve', () => {
    const manifest = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 5\n  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n';
    const result = convertManifest(manifest, { outputVersion: 'autoscaling/v1' });
    const [hpa, configMap] = YAML.parseAllDocuments(result.text).map((document) => document.toJS());
    expect(hpa).toMatchObject({ apiVersion: 'autoscaling/v1', spec: { targetCPUUtilizationPercentage: 60 } });
    expect(hpa.spec.metrics).toBeUndefined();
    expect(configMap.apiVersion).toBe('v1');
    expect(result.skipped).toEqual(['v1 ConfigMap c: ConfigMap is not served in autoscaling/v1']);
  });

  it('keeps JSON as JSON', () => {
    const result = convertManifest(JSON.stringify({ apiVersion: 'apps/v1beta2', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } } } } }), newest, true);
    expect(JSON.parse(result.text).apiVersion).toBe('apps/v1');
  });

  it('runs as `k2 convert -f DIR`, and rewrites files with --in-place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-convert-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), 'apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: "* * * * *"\n  jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: x}], restartPolicy: Never}}}}\n');
      writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
      const run = (args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile(process.execPath, ['--import', 'tsx', 'cmd/main.ts', 'convert', ...args], { cwd: join(import.meta.dirname, '../..') }, (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          ),
        );
      const printed = await run(['-f', dir]);
      expect(printed.code, printed.stderr).toBe(0);
      expect(YAML.parse(printed.stdout)).toMatchObject({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { successfulJobsHistoryLimit: 3 } });
      expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toContain('batch/v1beta1');
      const inPlace = await run(['-f', dir, '--in-place']);
      expect(inPlace.code, inPlace.stderr).toBe(0);
      expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toContain('apiVersion: batch/v1\n');
      const bad = await run(['-f', dir, '--output-version', 'not a version']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('--output-version: "not a version" is neither newest nor GROUP/VERSION');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
