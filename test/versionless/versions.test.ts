// The versionless API, kind by kind and version by version: every apiVersion Kubernetes removed is
// served; each version applies its own defaults to what is written through it; conversion to the
// stored form and back is lossless in both directions; and what a version shows fits that
// version's schema (nothing a client of that version cannot send back).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../../apiserver/kinds/index.ts';
import { builtinDecodeTarget, decodeRequestObject } from '../../apiserver/openapi/request-decoding.ts';
import { fromServedVersion, toServedVersion } from '../../apiserver/registry/conversion.ts';
import { groupVersion, Registry, servedSubresources, servedVerbs, servedVersionOf, storageResource, type ServedVersion } from '../../apiserver/registry/registry.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { samples, sharedFile } from '../tables/fixtures.ts';
import { richStoredObjects, versionCases } from './version-cases.ts';

const registry = new Registry();
for (const kind of builtinKinds) registry.add(kind);

function parseGroupVersion(apiVersion: string): [string, string] {
  return apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
}

function servedAs(apiVersion: string, kind: string): ServedVersion {
  const [group, version] = parseGroupVersion(apiVersion);
  const served = registry.lookupKind(group, version, kind);
  if (!served) throw new Error(`${apiVersion} ${kind} is not served`);
  return served;
}

/** Written through `served`: its defaults, the stored form, then the stored form's defaults (as the store applies them). */
function write(served: ServedVersion, object: unknown): KubeObject {
  const stored = fromServedVersion(served, structuredClone(object) as KubeObject);
  served.description.defaults?.(stored);
  return stored;
}

function read(served: ServedVersion, stored: KubeObject): KubeObject {
  return structuredClone(toServedVersion(served, stored));
}

/** An object without apiVersion/kind (they name the version, which the comparisons below change on purpose). */
function body(object: KubeObject): KubeObject {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest as KubeObject;
}

/** Fails when `object` has fields the version's schema does not describe (a strict decode, as kube-apiserver's). */
function expectFitsSchema(served: ServedVersion, object: KubeObject): void {
  const target = builtinDecodeTarget({ group: served.group, version: served.version, kind: served.kind });
  expect(target, `${served.group}/${served.version} ${served.kind} has a schema`).toBeDefined();
  expect(() => decodeRequestObject(structuredClone(object) as Record<string, unknown>, target!, { fieldValidation: 'Strict' })).not.toThrow();
}

interface RemovedVersion {
  apiVersion: string;
  kind: string;
}

describe('every apiVersion Kubernetes removed is served', () => {
  const removed = JSON.parse(readFileSync(sharedFile('facts/removed-versions.json'), 'utf8')) as RemovedVersion[];
  it('the facts list 105 of them', () => expect(removed).toHaveLength(105));
  /** Kinds that are the bodies of subresources rather than resources of their own. */
  const subresourceKinds: Record<string, string> = { Scale: 'scale', DeploymentRollback: 'rollback', Eviction: 'eviction' };
  for (const { apiVersion, kind } of removed) {
    it(`${apiVersion} ${kind}`, () => {
      const [group, version] = parseGroupVersion(apiVersion);
      const subresource = subresourceKinds[kind];
      if (!subresource) {
        expect(registry.lookupKind(group, version, kind), `${apiVersion} ${kind}`).toBeDefined();
        return;
      }
      // The Scale and DeploymentRollback kinds of a version are what its subresources speak. An
      // Eviction is posted to pods/eviction, which takes policy/v1beta1 bodies as well as policy/v1
      // ones (the same shape), as Kubernetes' did; discovery names the newest.
      const speakers = registry.servedVersions().flatMap((served) =>
        servedSubresources(served).filter((s) => s.subresource === subresource && s.responseKind.kind === kind && s.responseKind.group === group && (s.responseKind.version === version || kind === 'Eviction')),
      );
      expect(speakers.length, `a ${subresource} subresource speaking ${apiVersion} ${kind}`).toBeGreaterThan(0);
    });
  }
});

describe('each version: its defaults, its conversion and the way back', () => {
  for (const testCase of versionCases) {
    describe(`${testCase.apiVersion} ${testCase.kind}: ${testCase.what}`, () => {
      const served = servedAs(testCase.apiVersion, testCase.kind);
      const stored = write(served, { apiVersion: testCase.apiVersion, kind: testCase.kind, ...testCase.written });

      it('is stored in the stored form, with the old version’s defaults', () => {
        const storage = servedVersionOf(served.description);
        expect(stored.apiVersion).toBe(groupVersion(storage.group, storage.version));
        expect(stored.kind).toBe(storage.kind);
        expect(stored).toMatchObject(testCase.stored);
        for (const path of testCase.absentWhenStored ?? []) expect(valueAt(stored, path), `${path} is not stored`).toBeUndefined();
      });

      it('reads back in its own version as written (plus defaults), and fits that version’s schema', () => {
        const again = read(served, stored);
        expect(again.apiVersion).toBe(testCase.apiVersion);
        expect(again.kind).toBe(testCase.kind);
        expect(again).toMatchObject(testCase.readBack ?? testCase.written);
        if (testCase.defaulted) expect(again).toMatchObject(testCase.defaulted);
        expectFitsSchema(served, again);
      });

      it('survives a round trip through every other version of its kind', () => {
        for (const other of versionsOf(served)) {
          const there = read(other, stored);
          expectFitsSchema(other, there);
          // Nothing is lost; the other version's defaults may add what it has and this one had not.
          const back = write(other, there);
          expect(body(back), `through ${other.group}/${other.version}`).toMatchObject(body(stored));
          expect(body(write(other, read(other, back))), `through ${other.group}/${other.version} again`).toEqual(body(back));
        }
      });

      for (const [apiVersion, expected] of Object.entries(testCase.readAs ?? {})) {
        it(`reads in ${apiVersion}`, () => expect(read(servedAs(apiVersion, testCase.readAsKind?.[apiVersion] ?? testCase.kind), stored)).toMatchObject(expected));
      }
    });
  }
});

function valueAt(object: unknown, path: string): unknown {
  let value = object;
  for (const key of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** The versions of the same kind whose objects can be read (not extensions' ReplicationControllerDummy, which only scales). */
function versionsOf(served: ServedVersion): ServedVersion[] {
  return registry.servedVersions().filter((other) => other.description === served.description && servedVerbs(other).includes('get'));
}

describe('every (kind, version) pair: stored objects round-trip through the version unchanged', () => {
  const storedSamples = new Map<string, KubeObject[]>();
  for (const [key, sample] of Object.entries(samples)) {
    const [group, plural] = key.split('/') as [string, string];
    storedSamples.set(storageResource({ group, plural }), [sample as KubeObject]);
  }
  for (const [resource, objects] of Object.entries(richStoredObjects)) storedSamples.set(resource, [...(storedSamples.get(resource) ?? []), ...objects]);

  for (const description of registry.all()) {
    if (description.virtual || description.versions.length < 2) continue;
    const resource = storageResource(description);
    const objects = storedSamples.get(resource);
    it(`${resource} has stored samples`, () => expect(objects?.length, resource).toBeGreaterThan(0));
    for (const other of versionsOf(registry.lookupKind(description.versions[0]!.group ?? description.group, description.versions[0]!.version, description.kind)!).slice(1)) {
      it(`${resource} through ${other.group}/${other.version} ${other.kind}`, () => {
        for (const sample of objects ?? []) {
          // Stored objects always carry the stored form's defaults.
          const stored = body(structuredClone(sample) as KubeObject);
          description.defaults?.(stored);
          const there = read(other, stored);
          expect(there.apiVersion).toBe(other.group ? `${other.group}/${other.version}` : other.version);
          expect(there.kind).toBe(other.kind);
          expectFitsSchema(other, there);
          // Nothing is lost (the version's own defaults may add to what it did not have)…
          const back = write(other, there);
          expect(body(back)).toMatchObject(stored);
          // …and once through, the object is a fixed point of the version.
          expect(body(write(other, read(other, back)))).toEqual(body(back));
          expect(body(read(other, back))).toMatchObject(body(there));
        }
      });
    }
  }
});
