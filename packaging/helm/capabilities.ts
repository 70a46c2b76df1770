// `.Capabilities`: the Kubernetes version (k2's), the API versions the cluster serves, Helm's version.
import { gitVersion, kubernetesMajor, kubernetesMinor } from '../../apiserver/version.ts';
import { type GoFunc, goFunc, GoStruct, withMethods } from '../gotemplate/values.ts';

/**
 * Every group/version of Kubernetes 1.33's client-go scheme plus apiextensions (what Helm's default
 * capabilities list). k2 serves every version ever served, so the removed ones are included too.
 */
export const kubernetes133ApiVersions: readonly string[] = [
  'v1',
  'admissionregistration.k8s.io/v1',
  'admissionregistration.k8s.io/v1beta1',
  'admissionregistration.k8s.io/v1alpha1',
  'internal.apiserver.k8s.io/v1alpha1',
  'apps/v1',
  'apps/v1beta2',
  'apps/v1beta1',
  'authentication.k8s.io/v1',
  'authentication.k8s.io/v1beta1',
  'authentication.k8s.io/v1alpha1',
  'authorization.k8s.io/v1',
  'authorization.k8s.io/v1beta1',
  'autoscaling/v2',
  'autoscaling/v1',
  'autoscaling/v2beta1',
  'autoscaling/v2beta2',
  'batch/v1',
  'batch/v1beta1',
  'certificates.k8s.io/v1',
  'certificates.k8s.io/v1beta1',
  'certificates.k8s.io/v1alpha1',
  'coordination.k8s.io/v1',
  'coordination.k8s.io/v1beta1',
  'coordination.k8s.io/v1alpha2',
  'discovery.k8s.io/v1',
  'discovery.k8s.io/v1beta1',
  'events.k8s.io/v1',
  'events.k8s.io/v1beta1',
  'extensions/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1beta3',
  'flowcontrol.apiserver.k8s.io/v1beta2',
  'flowcontrol.apiserver.k8s.io/v1beta1',
  'networking.k8s.io/v1',
  'networking.k8s.io/v1beta1',
  'node.k8s.io/v1',
  'node.k8s.io/v1beta1',
  'node.k8s.io/v1alpha1',
  'policy/v1',
  'policy/v1beta1',
  'rbac.authorization.k8s.io/v1',
  'rbac.authorization.k8s.io/v1beta1',
  'rbac.authorization.k8s.io/v1alpha1',
  'resource.k8s.io/v1beta2',
  'resource.k8s.io/v1beta1',
  'resource.k8s.io/v1alpha3',
  'scheduling.k8s.io/v1',
  'scheduling.k8s.io/v1beta1',
  'scheduling.k8s.io/v1alpha1',
  'storage.k8s.io/v1',
  'storage.k8s.io/v1beta1',
  'storage.k8s.io/v1alpha1',
  'storagemigration.k8s.io/v1alpha1',
  'apiextensions.k8s.io/v1',
  'apiextensions.k8s.io/v1beta1',
];

/** The Helm release whose behaviour the renderer follows. */
export const helmCompatibleVersion = 'v3.21.4';

export class KubeVersion extends GoStruct {
  constructor(
    readonly Version: string,
    readonly Major: string,
    readonly Minor: string,
  ) {
    super();
  }
  override get goTypeName(): string {
    return 'chartutil.KubeVersion';
  }
  override goString(): string {
    return this.Version;
  }
  override goMethods(): Record<string, GoFunc> {
    return { String: goFunc([], () => this.Version), GitVersion: goFunc([], () => this.Version) };
  }
  goJson(): unknown {
    return { version: this.Version, major: this.Major, minor: this.Minor };
  }
}

export class HelmBuildInfo extends GoStruct {
  readonly Version = helmCompatibleVersion;
  readonly GitCommit = '';
  readonly GitTreeState = '';
  readonly GoVersion = `node${process.versions.node}`;
  override get goTypeName(): string {
    return 'version.BuildInfo';
  }
  goJson(): unknown {
    return { version: this.Version, git_commit: this.GitCommit, git_tree_state: this.GitTreeState, go_version: this.GoVersion };
  }
}

export class Capabilities extends GoStruct {
  readonly KubeVersion: KubeVersion;
  readonly APIVersions: string[];
  readonly HelmVersion = new HelmBuildInfo();

  constructor(kubeVersion: KubeVersion, apiVersions: readonly string[]) {
    super();
    this.KubeVersion = kubeVersion;
    const versions = [...apiVersions];
    this.APIVersions = withMethods(versions, { Has: goFunc(['string'], (v: string) => versions.includes(v)) });
  }
  override get goTypeName(): string {
    return '*chartutil.Capabilities';
  }
}

export interface CapabilityOptions {
  /** The API versions the cluster serves (group/version and group/version/Kind entries). */
  apiVersions?: readonly string[];
  /** Extra API versions (Helm's --api-versions). */
  extraApiVersions?: readonly string[];
  /** Kubernetes version to report; k2's own by default. */
  kubeVersion?: string;
}

/** Parses "v1.33.0+k2.0.1.0" or "1.20" into a KubeVersion. */
export function parseKubeVersion(version: string): KubeVersion {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(version.trim());
  if (!m) throw new Error(`could not parse a Kubernetes version from ${JSON.stringify(version)}`);
  const full = `v${m[1]}.${m[2]}.${m[3] ?? '0'}${m[4] ?? ''}`;
  return new KubeVersion(full, m[1]!, m[2]!);
}

export function makeCapabilities(options: CapabilityOptions = {}): Capabilities {
  const kube = options.kubeVersion ? parseKubeVersion(options.kubeVersion) : new KubeVersion(gitVersion, kubernetesMajor, kubernetesMinor);
  const versions = [...(options.apiVersions ?? kubernetes133ApiVersions)];
  for (const v of options.extraApiVersions ?? []) if (!versions.includes(v)) versions.push(v);
  return new Capabilities(kube, versions);
}
