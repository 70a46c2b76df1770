// Helm behaviours charts depend on, checked on small charts built in memory: Go number types, toYaml's
// exact text, --set typing, globals and conditions, hooks and install order, .Files, .Capabilities,
// NOTES.txt, CRDs, schema validation, kubeVersion, lookup and error messages.
import { describe, expect, it } from 'vitest';
import { type Chart, loadChartFiles } from '../../packaging/helm/chart.ts';
import { hooksFor } from '../../packaging/helm/manifests.ts';
import { renderChart, type RenderOptions } from '../../packaging/helm/render.ts';
import { encodeYaml } from '../../packaging/helm/goyaml.ts';
import { newMap } from '../../packaging/gotemplate/values.ts';

function chart(files: Record<string, string>): Chart {
  const all = { 'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: "2.0"\n', ...files };
  return loadChartFiles(Object.entries(all).map(([name, data]) => ({ name, data: Buffer.from(data) })));
}

function render(files: Record<string, string>, options: Partial<RenderOptions> = {}) {
  return renderChart(chart(files), { releaseName: 'rel', namespace: 'ns', ...options });
}

function output(files: Record<string, string>, options: Partial<RenderOptions> = {}): string {
  const result = render(files, options);
  return result.manifests.map((m) => m.content).join('\n---\n');
}

describe('Go number types', () => {
  it('prints YAML numbers as float64 and template literals as int, as Helm does', () => {
    const out = output({
      'values.yaml': 'big: 1000000\nsmall: 3\nratio: 0.5\n',
      'templates/cm.yaml': 'a: {{ .Values.big }}\nb: {{ .Values.small }}\nc: {{ .Values.ratio }}\nd: {{ add .Values.small 1 }}\ne: {{ int .Values.big }}\n',
    });
    expect(out).toBe('a: 1e+06\nb: 3\nc: 0.5\nd: 4\ne: 1000000');
  });

  it('refuses to compare a float64 value with an int literal, like Go', () => {
    expect(() => output({ 'values.yaml': 'count: 1\n', 'templates/cm.yaml': '{{ if eq .Values.count 1 }}one{{ end }}\n' })).toThrow(/incompatible types for comparison/);
    expect(output({ 'values.yaml': 'count: 1\n', 'templates/cm.yaml': 'x: {{ if eq (int .Values.count) 1 }}one{{ end }}\n' })).toBe('x: one');
    // YAML 1.1 as yaml.v2 reads it: y/n/yes/no/on/off are booleans, even as keys.
    expect(output({ 'values.yaml': 'n: 1\nflag: on\n', 'templates/cm.yaml': 'keys: {{ keys .Values | sortAlpha | join "," }}\nflag: {{ kindOf .Values.flag }}\n' })).toBe('keys: false,flag\nflag: bool');
  });

  it('types --set values: integers are int64, true/false/null, --set-string keeps text', () => {
    const out = output(
      { 'templates/cm.yaml': 'a: {{ kindOf .Values.a }}\nb: {{ kindOf .Values.b }}\nc: {{ kindOf .Values.c }}\nd: {{ .Values.d | toJson }}\n' },
      { set: ['a=5,b=true', 'd={x,y}'], setString: ['c=7'] },
    );
    expect(out).toBe('a: int\nb: bool\nc: string\nd: ["x","y"]');
  });
});

describe('toYaml', () => {
  it('writes what yaml.v2 writes: key order, quoting, indentless lists, literal blocks, folding', () => {
    const values = newMap();
    Object.assign(values, {
      key10: 1,
      key2: 2,
      version: '1.0',
      enabled: 'yes',
      empty: '',
      nothing: null,
      list: ['a', 'b'],
      script: 'line one\nline two',
      long: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore',
      map: Object.assign(newMap(), { 'x.y': true }),
    });
    expect(encodeYaml(values)).toBe(
      [
        'empty: ""',
        'enabled: "yes"',
        'key2: 2',
        'key10: 1',
        'list:',
        '- a',
        '- b',
        'long: Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor',
        '  incididunt ut labore',
        'map:',
        '  x.y: true',
        'nothing: null',
        'script: |-',
        '  line one',
        '  line two',
        'version: "1.0"',
        '',
      ].join('\n'),
    );
  });

  it('is what `toYaml | nindent` puts in a manifest', () => {
    const out = output({
      'values.yaml': 'resources:\n  limits:\n    cpu: 100m\nports: [80, 443]\n',
      'templates/d.yaml': 'spec:{{ toYaml .Values.resources | nindent 2 }}\nports:{{ toYaml .Values.ports | nindent 2 }}\n',
    });
    expect(out).toBe('spec:\n  limits:\n    cpu: 100m\nports:\n  - 80\n  - 443');
  });
});

describe('values and dependencies', () => {
  const parent = {
    'Chart.yaml': 'apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.x\n  condition: sub.enabled\n- name: sub\n  version: 1.x\n  alias: other\n  tags: [extra]\n',
    'values.yaml': 'global:\n  region: eu\nsub:\n  enabled: true\n  color: red\n',
    'templates/p.yaml': 'parent: {{ .Values.sub.color }}\n',
    'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 1.2.0\n',
    'charts/sub/values.yaml': 'color: blue\nsize: 3\n',
    'charts/sub/templates/s.yaml': '{{ .Chart.Name }}: {{ .Values.color }}/{{ .Values.size }}/{{ .Values.global.region }}\n',
  };

  it('scopes sub-chart values, copies globals down, applies aliases, conditions and tags', () => {
    expect(output(parent).split('\n---\n').sort()).toEqual(['other: blue/3/eu', 'parent: red', 'sub: red/3/eu']);
    expect(output(parent, { set: ['sub.enabled=false', 'tags.extra=false'] })).toBe('parent: red');
  });
});

describe('manifests, hooks, notes and CRDs', () => {
  const files = {
    'templates/all.yaml': [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: s',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n',
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: late\n  annotations:\n    helm.sh/hook: post-install\n    helm.sh/hook-weight: "5"',
      'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: early\n  annotations:\n    helm.sh/hook: post-install,post-upgrade\n    helm.sh/hook-weight: "-1"',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test',
    ].join('\n---\n'),
    'templates/NOTES.txt': 'Installed {{ .Release.Name }} in {{ .Release.Namespace }}.',
    'crds/crd.yaml': 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.example.com\n',
  };

  it('orders manifests by kind, sets hooks apart by event and weight, keeps NOTES and CRDs', () => {
    const result = render(files);
    expect(result.manifests.map((m) => m.kind)).toEqual(['Namespace', 'Service', 'Deployment']);
    expect(hooksFor(result.hooks, 'post-install').map((h) => h.name)).toEqual(['early', 'late']);
    expect(hooksFor(result.hooks, 'test').map((h) => h.name)).toEqual(['t']);
    expect(result.notes).toBe('Installed rel in ns.');
    expect(result.crds).toEqual([{ path: 'demo/crds/crd.yaml', content: files['crds/crd.yaml'] }]);
  });
});

describe('Files, Capabilities, lookup', () => {
  it('reads files, globs and lines', () => {
    const out = output({
      'conf/a.ini': 'x=1\ny=2\n',
      'conf/b.ini': 'z=3',
      'templates/cm.yaml': 'a: {{ .Files.Get "conf/a.ini" | quote }}\nlines: {{ .Files.Lines "conf/a.ini" | len }}\n{{ range $path, $_ := .Files.Glob "conf/*.ini" }}f: {{ $path }}\n{{ end }}secrets:\n{{ (.Files.Glob "conf/b.ini").AsSecrets | indent 2 }}\n',
    });
    expect(out).toBe('a: "x=1\\ny=2\\n"\nlines: 2\nf: conf/a.ini\nf: conf/b.ini\nsecrets:\n  b.ini: ej0z');
  });

  it("reports k2's Kubernetes version and API versions, plus --api-versions", () => {
    const out = output(
      { 'templates/c.yaml': 'v: {{ .Capabilities.KubeVersion }}\nminor: {{ .Capabilities.KubeVersion.Minor }}\nhpa: {{ .Capabilities.APIVersions.Has "autoscaling/v2" }}\nold: {{ .Capabilities.APIVersions.Has "extensions/v1beta1" }}\ncustom: {{ .Capabilities.APIVersions.Has "example.com/v1" }}\n' },
      { extraApiVersions: ['example.com/v1'] },
    );
    expect(out).toMatch(/^v: v1\.33\.0\+k2\.[\d.]+\nminor: 33\nhpa: true\nold: true\ncustom: true$/);
  });

  it('calls the lookup function given, and returns empty maps without one', () => {
    const files = { 'templates/l.yaml': '{{ $s := lookup "v1" "Secret" "ns" "s" }}found: {{ if $s }}{{ $s.metadata.name }}{{ else }}none{{ end }}\n' };
    expect(output(files)).toBe('found: none');
    const calls: string[] = [];
    const out = output(files, {
      lookup: (apiVersion, kind, namespace, name) => {
        calls.push(`${apiVersion}/${kind}/${namespace}/${name}`);
        return Object.assign(newMap(), { metadata: Object.assign(newMap(), { name }) });
      },
    });
    expect(out).toBe('found: s');
    expect(calls).toEqual(['v1/Secret/ns/s']);
  });
});

describe('checks and errors', () => {
  it('validates values against values.schema.json', () => {
    const files = {
      'values.schema.json': JSON.stringify({ type: 'object', required: ['port'], properties: { port: { type: 'integer' } } }),
      'templates/cm.yaml': 'port: {{ .Values.port }}\n',
    };
    expect(() => output(files)).toThrow(/values don't meet the specifications of the schema\(s\)[\s\S]*demo:[\s\S]*port/);
    expect(() => output(files, { set: ['port=x'] })).toThrow(/must be integer/);
    expect(output(files, { set: ['port=8080'] })).toBe('port: 8080');
  });

  it("checks Chart.yaml kubeVersion against k2's version", () => {
    const files = { 'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\nkubeVersion: ">=1.34.0-0"\n', 'templates/cm.yaml': 'a: b\n' };
    expect(() => output(files)).toThrow(/chart requires kubeVersion: >=1.34.0-0 which is incompatible with Kubernetes v1\.33\.0/);
    expect(output({ ...files, 'Chart.yaml': files['Chart.yaml'].replace('1.34', '1.21') })).toBe('a: b');
  });

  it('names the template, line and column of an error, as Helm does', () => {
    expect(() => output({ 'templates/cm.yaml': 'a: b\nc: {{ .Values.x.y }}\n' })).toThrow(
      'template: demo/templates/cm.yaml:2:13: executing "demo/templates/cm.yaml" at <.Values.x.y>: nil pointer evaluating interface {}.y',
    );
    expect(() => output({ 'templates/cm.yaml': '{{ required "x is required" .Values.x }}' })).toThrow('execution error at (demo/templates/cm.yaml:1:3): x is required');
    expect(() => output({ 'templates/cm.yaml': '{{ nope }}' })).toThrow('parse error at (demo/templates/cm.yaml:1): function "nope" not defined');
  });
});
