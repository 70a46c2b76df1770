// The versionless API against a real k2 with real kubectl: every manifest of ../shared/oldapi
// applies with kubectl 1.33 and 1.27, reads back with `kubectl get <resource>.<version>.<group>`
// in every version of its kind, and an object written through its version A, read through B and
// written back through B reads unchanged through A; `k2 convert` output of each applies too. Also
// scenario 13 (old manifests) with 1.27 and 1.33, and Debian's kubectl 1.20 through scenarios 01–12.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { convertManifest } from '../../cmd/convert.ts';
import { compareVersions } from '../../apiserver/handlers/discovery.ts';
import { builtinKinds } from '../../apiserver/kinds/index.ts';
import { groupVersion, Registry, servedVerbs, type ServedVersion } from '../../apiserver/registry/registry.ts';
import { sharedFile } from '../tables/fixtures.ts';
import { kubectlBinary, startServer, type TestServer } from './harness.ts';
import { oldApiMaterial, oldapiDir, type ManifestObject } from './oldapi-manifests.ts';

const registry = new Registry();
for (const kind of builtinKinds) registry.add(kind);

function servedOf(object: Pick<ManifestObject, 'apiVersion' | 'kind'>): ServedVersion | undefined {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return registry.lookupKind(group!, version!, object.kind);
}

/** Every readable version of the object's kind. */
function versionsOf(served: ServedVersion): ServedVersion[] {
  return registry.servedVersions().filter((other) => other.description === served.description && servedVerbs(other).includes('get'));
}

function objectPath(served: ServedVersion, object: ManifestObject, namespace: string | undefined): string {
  const root = served.group ? `/apis/${served.group}/${served.version}` : `/api/${served.version}`;
  return `${root}${served.description.namespaced ? `/namespaces/${namespace}` : ''}/${served.plural}/${object.name}`;
}

/** An object without what every write changes. */
function comparable(object: Record<string, any>, withStatus: boolean): Record<string, any> {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = object.metadata ?? {};
  const { status, ...rest } = object;
  return { ...rest, metadata, ...(withStatus && status !== undefined ? { status } : {}) };
}

const material = oldApiMaterial();
const kubectlVersions = ['1.33', '1.27'] as const;

describe('versionless API with real kubectl', () => {
  let server: TestServer;
  let scratch: string;
  const kubectl = (version: string, args: string[], input?: string) => server.kubectl(args, { version, input, cacheDir: join(server.dataDir, `.kube-cache-${version}`), timeoutMs: 90_000 });

  beforeAll(async () => {
    server = await startServer();
    scratch = mkdtempSync(join(tmpdir(), 'k2-versionless-'));
  });
  afterAll(async () => {
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('the material holds the manifests this test applies', () => {
    expect(material.manifests.length).toBeGreaterThan(90);
    expect(material.others.map((other) => other.why)).toEqual(expect.arrayContaining(['a Helm template', 'git conflict markers']));
  });

  material.manifests.forEach((manifest, index) => {
    it(`${manifest.file}`, async () => {
      const namespace = `oldapi-${index}`;
      const path = join(oldapiDir, manifest.file);
      for (const name of [namespace, ...manifest.namespaces]) await kubectl('1.33', ['create', 'namespace', name]);
      // A file that names namespaces goes there; otherwise into its own.
      const namespaceArgs = manifest.namespaces.length ? [] : ['-n', namespace];
      const namespaceOf = (object: ManifestObject) => object.namespace ?? namespace;

      if (manifest.rejected) {
        for (const version of kubectlVersions) {
          const result = await kubectl(version, [manifest.create ? 'create' : 'apply', ...namespaceArgs, '-f', path]);
          expect(result.code, `${version} ${manifest.rejected.why}`).not.toBe(0);
          expect(result.stderr).toMatch(manifest.rejected.error);
        }
        return;
      }
      if (manifest.create) {
        for (const version of kubectlVersions) {
          const result = await kubectl(version, ['create', ...namespaceArgs, '-f', path, '-o', 'json']);
          expect(result.code, result.stderr).toBe(0);
          expect(JSON.parse(result.stdout).status).toBeDefined();
        }
        return;
      }

      const remove = async (file: string) => {
        const result = await kubectl('1.33', ['delete', ...namespaceArgs, '-f', file, '--ignore-not-found', '--wait=true', '--timeout=60s']);
        expect(result.code, result.stderr).toBe(0);
      };
      for (const version of kubectlVersions) {
        // An export carries its old resourceVersion: it can only be created, so each kubectl creates it afresh.
        if (manifest.export && version !== kubectlVersions[0]) await remove(path);
        const result = await kubectl(version, ['apply', ...namespaceArgs, '-f', path]);
        expect(result.code, `kubectl ${version} apply: ${result.stderr}`).toBe(0);
        // k2 keeps every version: nothing is deprecated.
        expect(result.stderr).not.toMatch(/deprecated|Warning: .* is not/);
      }

      for (const object of manifest.objects) {
        const served = servedOf(object);
        if (!served) continue;
        const versions = versionsOf(served);
        const ns = served.description.namespaced ? namespaceOf(object) : undefined;
        // Readable with kubectl in every version of its kind.
        for (const other of versions.length > 1 ? versions : []) {
          const result = await kubectl('1.33', ['get', `${other.plural}.${other.version}.${other.group}`, object.name, ...(ns ? ['-n', ns] : []), '-o', 'yaml']);
          expect(result.code, `get in ${other.group}/${other.version}: ${result.stderr}`).toBe(0);
          const read = YAML.parse(result.stdout);
          expect(read.apiVersion).toBe(groupVersion(other.group, other.version));
          expect(read.kind).toBe(other.kind);
        }
        // Written through A (the manifest's version), read through B, written back through B: A reads
        // everything it had (B's own defaults may add what the object lacked, as in Kubernetes: apps/v1beta1
        // labels an unlabelled StatefulSet with its template's labels), and a second pass changes nothing.
        const withStatus = served.kind !== 'CustomResourceDefinition'; // the CRD controller writes its status meanwhile
        for (const other of versions.filter((v) => v !== served)) {
          for (let attempt = 0; ; attempt++) {
            const before = await server.request('GET', objectPath(served, object, ns));
            expect(before.status, before.text).toBe(200);
            const through = await server.request('GET', objectPath(other, object, ns));
            expect(through.status, through.text).toBe(200);
            const written = await server.request('PUT', objectPath(other, object, ns), { body: through.json });
            if (written.status === 409 && attempt < 3) continue; // a controller wrote meanwhile
            expect(written.status, `PUT through ${other.group}/${other.version}: ${written.text}`).toBe(200);
            const after = await server.request('GET', objectPath(served, object, ns));
            const trip = `${object.apiVersion} → ${groupVersion(other.group, other.version)} → ${object.apiVersion}`;
            expect(comparable(after.json, withStatus), trip).toMatchObject(comparable(before.json, withStatus));
            const again = await server.request('GET', objectPath(other, object, ns));
            const rewritten = await server.request('PUT', objectPath(other, object, ns), { body: again.json });
            if (rewritten.status === 409 && attempt < 3) continue;
            const last = await server.request('GET', objectPath(served, object, ns));
            expect(comparable(last.json, withStatus), `${trip}, twice`).toEqual(comparable(after.json, withStatus));
            break;
          }
        }
      }
      // Written again through A, as it was: the objects stay as they are. (kubectl may still send a
      // patch and say "configured" where the manifest sets what the server defaults or sets itself,
      // e.g. a creationTimestamp, or an atomic list the server adds defaults to, as with Kubernetes.)
      if (!manifest.export) {
        const objects = manifest.objects.map((object) => ({ object, served: servedOf(object) })).filter((entry) => entry.served);
        const pathOf = ({ object, served }: (typeof objects)[number]) => objectPath(served!, object, served!.description.namespaced ? namespaceOf(object) : undefined);
        const before = await Promise.all(objects.map((entry) => server.request('GET', pathOf(entry))));
        const reapplied = await kubectl('1.27', ['apply', ...namespaceArgs, '-f', path]);
        expect(reapplied.code, reapplied.stderr).toBe(0);
        const after = await Promise.all(objects.map((entry) => server.request('GET', pathOf(entry))));
        objects.forEach((entry, i) => {
          const withStatus = entry.served!.kind !== 'CustomResourceDefinition';
          expect(comparable(after[i]!.json, withStatus), `${entry.object.kind} ${entry.object.name} after re-applying`).toEqual(comparable(before[i]!.json, withStatus));
        });
      }
      await remove(path);

      // `k2 convert` output applies with strict validation against the newest schema, in the newest versions.
      const converted = convertManifest(manifest.text, { outputVersion: 'newest' }, manifest.json);
      const convertedPath = join(scratch, `${index}${manifest.json ? '.json' : '.yaml'}`);
      writeFileSync(convertedPath, converted.text);
      const applied = await kubectl('1.33', ['apply', '--validate=strict', ...namespaceArgs, '-f', convertedPath]);
      expect(applied.code, `converted:\n${converted.text}\n${applied.stderr}`).toBe(0);
      const documents: Record<string, any>[] = manifest.json ? [JSON.parse(converted.text)] : YAML.parseAllDocuments(converted.text).map((d) => d.toJS()).filter(Boolean);
      for (const document of documents.flatMap((d) => (d.kind === 'List' ? d.items : [d]))) {
        const served = servedOf(document as ManifestObject);
        if (!served) continue;
        // The newest version of its kind: no other readable version of its group ranks above it.
        const best = versionsOf(served)
          .filter((v) => v.group === served.group && v.kind === served.kind)
          .sort((a, b) => compareVersions(a.version, b.version))[0];
        expect(served, `${document.apiVersion} ${document.kind}`).toBe(best);
      }
      await remove(convertedPath);
    }, 240_000);
  });

  for (const version of ['1.20', '1.27', '1.33']) {
    it(`kubectl ${version} api-versions and api-resources list every removed apiVersion`, async () => {
      const removed = JSON.parse(readFileSync(sharedFile('facts/removed-versions.json'), 'utf8')) as { apiVersion: string; kind: string }[];
      const versions = await kubectl(version, ['api-versions']);
      expect(versions.code, versions.stderr).toBe(0);
      const listed = new Set(versions.stdout.trim().split('\n'));
      for (const { apiVersion } of removed) expect(listed.has(apiVersion), apiVersion).toBe(true);
      const resources = await kubectl(version, ['api-resources', '--no-headers']);
      expect(resources.code, resources.stderr).toBe(0);
      // NAME SHORTNAMES APIVERSION NAMESPACED KIND; kubectl lists each resource in its group's preferred version.
      const kinds = new Set(resources.stdout.trim().split('\n').map((line) => { const cells = line.trim().split(/\s+/); return `${cells[cells.length - 3]} ${cells[cells.length - 1]}`; }));
      for (const expected of ['extensions/v1beta1 Deployment', 'extensions/v1beta1 Ingress', 'extensions/v1beta1 PodSecurityPolicy', 'policy/v1beta1 PodSecurityPolicy', 'apps/v1 Deployment', 'autoscaling/v2 HorizontalPodAutoscaler', 'settings.k8s.io/v1alpha1 PodPreset']) expect(kinds.has(expected), expected).toBe(true);
      // No deprecation warnings for versions k2 keeps.
      expect(versions.stderr + resources.stderr).not.toMatch(/deprecat/i);
    }, 60_000);
  }

  for (const version of ['1.27', '1.33']) {
    it(`scenario 13 (old manifests) with kubectl ${version}`, async () => {
      const result = await runScenario(server, kubectlBinary(version), '13_old_api', version);
      expect(result.output, result.output).toMatch(/1 passed, 0 failed/);
    }, 200_000);
  }

  describe("Debian's kubectl 1.20 through scenarios 01–12", () => {
    let shim: string;
    beforeAll(() => {
      // kubectl 1.20 has no --show-managed-fields (added in 1.21): it always shows managed fields,
      // which is what the flag asks for, so the shim drops it.
      shim = join(scratch, 'kubectl-1.20');
      writeFileSync(shim, `#!/usr/bin/env bash\nargs=(); for a in "$@"; do [[ $a == --show-managed-fields ]] || args+=("$a"); done\nexec ${kubectlBinary('1.20')} "\${args[@]}"\n`, { mode: 0o755 });
    });
    const passing = ['01_discovery', '02_configmap_crud', '03_apply_client_side', '04_server_side_apply', '05_patch_types', '06_output_formats', '07_watch', '09_namespace_lifecycle', '12_auth_scale_tables'];
    for (const scenario of passing) {
      it(`${scenario} passes`, async () => {
        const result = await runScenario(server, shim, scenario, '1.20');
        expect(result.output, result.output).toMatch(/1 passed, 0 failed/);
      }, 200_000);
    }
    // Where kubectl 1.20 itself differs from 1.33, the scenario stops at that line, with any
    // Kubernetes server too; everything before it passed.
    const clientLimits: [string, RegExp, string][] = [
      ['08_crd', /command failed \(1\): k explain widgets\.s\d+\.example\.com\.spec :: error: field "s\d+" does not exist/, '1.20 explain reads RESOURCE.FIELD… and takes the group for a field'],
      ['10_dryrun_validation', /validation off: expected \[configmap\/ok created\], got \[Warning: unknown field "bogus"/, 'kubectl 1.20 sends no fieldValidation; kube-apiserver then warns (handlers/rest.go fieldValidation() defaults to Warn), and 1.20 prints warnings'],
      ['11_diff_wait', /command failed \(1\): kn wait --for=delete cm\/d --timeout=20s :: error: no matching resources found/, 'kubectl before 1.21 fails wait --for=delete on an object already gone (kubernetes/kubernetes#96676)'],
    ];
    for (const [scenario, failure, why] of clientLimits) {
      it(`${scenario} passes up to kubectl 1.20's own limit: ${why}`, async () => {
        const result = await runScenario(server, shim, scenario, '1.20');
        expect(result.output).toMatch(/0 passed, 1 failed/);
        expect(result.output).toMatch(failure);
      }, 200_000);
    }
  });
});

function runScenario(server: TestServer, kubectl: string, scenario: string, version: string): Promise<{ code: number; output: string }> {
  const path = [dirname(kubectlBinary('1.33')), process.env.PATH].join(':');
  return new Promise((resolve) => {
    execFile(
      join(sharedFile('kubectl'), 'run.sh'),
      [kubectl, server.kubeconfig, scenario],
      { env: { ...process.env, PATH: path, KUBECACHEDIR: join(server.dataDir, `.kube-cache-scenarios-${version}`) }, timeout: 180_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr }),
    );
  });
}
