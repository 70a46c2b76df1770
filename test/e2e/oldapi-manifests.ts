// The manifests of ../shared/oldapi that are Kubernetes objects, and what applying each must do.
// Files that are not objects on their own (Helm templates, kustomize placeholders, git conflict
// markers, tool configuration) are set aside, as the folder's README says. A few files are objects
// that no Kubernetes ever accepted (test fixtures of other tools); they must fail here exactly as
// they fail in Kubernetes, and each says why.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import { sharedFile } from '../tables/fixtures.ts';

export const oldapiDir = sharedFile('oldapi');

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface OldApiManifest {
  /** Path under ../shared/oldapi. */
  file: string;
  text: string;
  json: boolean;
  objects: ManifestObject[];
  /** Namespaces the file names (they must exist before it applies). */
  namespaces: string[];
  /** Set when Kubernetes rejects the file too: the error kubectl prints, and why. */
  rejected?: { error: RegExp; why: string };
  /** Review kinds are created, not applied (they have no GET, in Kubernetes either). */
  create: boolean;
  /**
   * Exports of live objects (they carry metadata.resourceVersion): applying one again is a 409
   * Conflict, as in Kubernetes (which also refuses to create one: 'resourceVersion should not be set
   * on objects to be created'; k2's store creates it).
   */
  export: boolean;
}

/** Objects no Kubernetes accepted, with the error Kubernetes (and k2) gives. */
const rejectedFiles: Record<string, { error: RegExp; why: string }> = {
  'kube-no-trouble/fixtures/certificatesigningrequest-v1beta1.yaml': {
    error: /spec\.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/,
    why: 'a deprecation-scanner fixture: its request is base64 of "helloXX", not a PEM certificate request',
  },
  'a0x8o+kubernetes/HEAD/staging/src/k8s.io/apiextensions-apiserver/artifacts/customresource-01/noxu-apiservice.yaml': {
    error: /strict decoding error: unknown field "spec.priority"/,
    why: 'spec.priority was apiregistration v1alpha1 (1.6); v1beta1 never had it',
  },
  'a0x8o+kubernetes/HEAD/staging/src/k8s.io/apiextensions-apiserver/artifacts/example/apiservice.yaml': {
    error: /strict decoding error: unknown field "spec.priority"/,
    why: 'spec.priority was apiregistration v1alpha1 (1.6); v1beta1 never had it',
  },
  'a0x8o+kubernetes/HEAD/staging/src/k8s.io/kube-apiextensions-server/artifacts/customresource-01/noxu-apiservice.yaml': {
    error: /strict decoding error: unknown field "spec.priority"/,
    why: 'spec.priority was apiregistration v1alpha1 (1.6); v1beta1 never had it',
  },
  'a0x8o+kubernetes/HEAD/staging/src/k8s.io/kube-aggregator/hack/apiservice-template.yaml': {
    error: /illegal base64 data/,
    why: 'a template: RESOURCE_NAME, CA_BUNDLE… are placeholders a script replaces',
  },
  'a0x8o+kubernetes/HEAD/test/fixtures/pkg/kubectl/cmd/convert/appsdeployment.yaml': {
    error: /spec\.selector: Required value/,
    why: 'a kubectl convert fixture: apps/v1beta2 requires a selector (no defaulting from the template)',
  },
  'a0x8o+kubernetes/HEAD/test/fixtures/pkg/kubectl/cmd/expose/appsv1beta2deployment-no-selectors.yaml': {
    error: /spec\.selector: Required value/,
    why: 'a kubectl expose fixture without a selector, which apps/v1beta2 requires',
  },
  'helm+helm/e9b85e4de16a/internal/chart/v3/util/testdata/subpop/charts/subchart1/crds/crdA.yaml': {
    error: /metadata\.name: Invalid value: "testCRDs"/,
    why: 'a Helm test fixture with names no CRD may have (upper case, no domain)',
  },
  'kube-no-trouble/fixtures/autoscaler-v2beta1.yaml': {
    error: /cannot unmarshal number into Go value of type string/,
    why: 'a kube-no-trouble fixture: status.lastScaleTime is a number, not a time',
  },
  'kube-no-trouble/fixtures/autoscaler-v2beta2.yaml': {
    error: /cannot unmarshal number into Go value of type string/,
    why: 'a kube-no-trouble fixture: status.lastScaleTime is a number, not a time',
  },
  'kube-no-trouble/fixtures/fake-ingress-v1beta1-with-annotation.yaml': {
    error: /unknown field "spec\.rules\[0\]\.http\.paths\[0\]\.backend\.serviceName"/,
    why: 'a kube-no-trouble fixture: v1beta1 backend fields under apiVersion networking.k8s.io/v1',
  },
  'kube-no-trouble/fixtures/subjectaccessreview-v1beta1.yaml': {
    error: /unknown field "groups" in io\.k8s\.api\.authorization\.v1beta1\.SubjectAccessReviewSpec/,
    why: 'a kube-no-trouble fixture: v1beta1 named the field group; groups is v1',
  },
  'kube-no-trouble/fixtures/localsubjectaccessreview-v1beta1.yaml': {
    error: /unknown field "groups" in io\.k8s\.api\.authorization\.v1beta1\.SubjectAccessReviewSpec/,
    why: 'a kube-no-trouble fixture: v1beta1 named the field group; groups is v1',
  },
  'kube-no-trouble/fixtures/prioritylevelconfiguration-v1beta3.yaml': {
    error: /unknown field "spec\.limited\.assuredConcurrencyShares"/,
    why: 'a kube-no-trouble fixture: v1beta3 renamed assuredConcurrencyShares to nominalConcurrencyShares',
  },
};

/** Files set aside entirely (not applied): what they are. */
const setAside: Record<string, string> = {
  'kube-no-trouble/fixtures/tokenreview-v1beta1.yaml': 'TokenReviews are answered by the token authenticator, which k2 does not serve yet in any version',
  'kube-no-trouble/fixtures/fake-tokenReview-deprecated.yaml': 'TokenReviews are answered by the token authenticator, which k2 does not serve yet in any version',
  'kube-no-trouble/fixtures/issuer-v1alpha2.yaml': "a cert-manager custom resource: its CRD is not in the material",
  'kube-no-trouble/fixtures/volumesnapshot-v1beta1.yaml': 'a CSI snapshotter custom resource: its CRD is not in the material',
  'kube-no-trouble/fixtures/volumesnapshotclass-v1beta1.yaml': 'a CSI snapshotter custom resource: its CRD is not in the material',
  'kube-no-trouble/fixtures/volumesnapshotcontent-v1beta1.yaml': 'a CSI snapshotter custom resource: its CRD is not in the material',
};

const reviewKinds = new Set(['TokenReview', 'SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SelfSubjectReview']);

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : /\.(ya?ml|json)$/.test(name) ? [path] : [];
    });
}

/** Why a file is not a set of Kubernetes objects on its own, or undefined when it is. */
function notObjects(text: string, documents: unknown[]): string | undefined {
  if (/^(<<<<<<<|=======|>>>>>>>)/m.test(text)) return 'git conflict markers';
  if (text.includes('{{')) return 'a Helm template';
  if (!documents.length) return 'no documents';
  for (const document of documents) {
    if (!document || typeof document !== 'object' || Array.isArray(document)) return 'not an object';
    const { apiVersion, kind } = document as Record<string, unknown>;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') return 'no apiVersion and kind';
    if (kind === 'Config') return 'a kubeconfig';
  }
  return undefined;
}

export interface OldApiMaterial {
  manifests: OldApiManifest[];
  /** Files that are not applied, and why. */
  others: { file: string; why: string }[];
}

export function oldApiMaterial(): OldApiMaterial {
  const material: OldApiMaterial = { manifests: [], others: [] };
  for (const path of files(oldapiDir)) {
    const file = relative(oldapiDir, path);
    const text = readFileSync(path, 'utf8');
    const json = path.endsWith('.json');
    let documents: unknown[];
    try {
      documents = json ? [JSON.parse(text)] : YAML.parseAllDocuments(text).map((document) => document.toJS()).filter((document) => document !== null && document !== undefined);
    } catch {
      documents = [];
    }
    const reason = notObjects(text, documents) ?? setAside[file];
    if (reason) {
      material.others.push({ file, why: reason });
      continue;
    }
    const objects: ManifestObject[] = [];
    let exported = false;
    for (const document of documents as Record<string, any>[]) {
      for (const object of document.kind === 'List' ? (document.items as Record<string, any>[]) : [document]) {
        objects.push({ apiVersion: object.apiVersion, kind: object.kind, name: object.metadata?.name ?? '', namespace: object.metadata?.namespace });
        if (object.metadata?.resourceVersion) exported = true;
      }
    }
    material.manifests.push({
      file,
      text,
      json,
      objects,
      namespaces: [...new Set(objects.map((object) => object.namespace).filter((namespace): namespace is string => Boolean(namespace)))],
      rejected: rejectedFiles[file],
      create: objects.every((object) => reviewKinds.has(object.kind)),
      export: exported,
    });
  }
  return material;
}
