// What k2 reports as its own version and as the Kubernetes version it serves.
// The Kubernetes minor matters: the gcloud `kubectl` dispatcher picks `kubectl.1.<minor>` from it.
import pkg from '../package.json' with { type: 'json' };

// Set by the executable build (esbuild `define`); absent when run from source.
declare const __K2_GIT_COMMIT__: string | undefined;
declare const __K2_BUILD_DATE__: string | undefined;

export const k2Version: string = pkg.version;
export const kubernetesMajor = '1';
export const kubernetesMinor = '33';
// Build metadata (`+k2…`), not a pre-release tag: Helm and semver range checks such as
// `kubeVersion: ">=1.21.0"` reject pre-release versions, which would make charts refuse k2.
export const gitVersion = `v${kubernetesMajor}.${kubernetesMinor}.0+k2.${k2Version}`;

/** The `version.Info` object served at /version. */
export function versionInfo(): Record<string, string> {
  return {
    major: kubernetesMajor,
    minor: kubernetesMinor,
    gitVersion,
    gitCommit: typeof __K2_GIT_COMMIT__ === 'string' ? __K2_GIT_COMMIT__ : 'dev',
    gitTreeState: 'clean',
    buildDate: typeof __K2_BUILD_DATE__ === 'string' ? __K2_BUILD_DATE__ : '1970-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'esbuild',
    platform: `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
