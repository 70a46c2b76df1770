// K8sfile artifacts: build a cluster's configuration into an OCI artifact, move it between stores and
// registries, and get the objects it deploys.
//
// The deploy side uses two functions:
//
//   const artifact = await openArtifact('registry.example:5000/team/app:1', { home, pull });
//   const rendered = await renderArtifact(artifact, { values: { web: { replicaCount: 3 } }, set: ['web.image.tag=2.0'] });
//   // rendered.objects: plain Kubernetes objects in apply order (CRDs, Namespaces, then Helm's install order);
//   // rendered.settings: k2 server flags the artifact carries; rendered.parents: its FROM chain (nearest first).
//
// openArtifact(ref) takes `k2:1` (the empty base), a local store name (`name:tag`), a digest (`sha256:…`),
// a path to a saved artifact (an OCI layout folder or `k2 save` tar), or a registry reference
// (`host[:port]/repository:tag`), pulled into the local store unless `pull: false` (then only the store is
// read); `pull: true` re-fetches a registry reference even when stored.
//
// renderArtifact without values/set returns the objects recorded at build time. With them, the releases
// they name are rendered again from the chart .tgz stored in the artifact, with the artifact's values of
// that release merged under the given ones, so one artifact gives several environments. A values file for
// `k2 deploy --values env.yaml` is therefore keyed by release name:
//
//   web:                 # release "web"
//     replicaCount: 3
//   monitoring:          # release "monitoring"
//     retention: 7d
//
// and `--set web.replicaCount=3` names the release first. Naming a release the artifact lacks is an error.
import { k2Home } from './home.ts';
import type { Artifact } from './render.ts';
import { openStore, resolveArtifact } from './transfer.ts';

export { buildArtifact, type BuildOptions, type BuildResult, type BuildStep } from './build.ts';
export { type ArtifactConfig, type KubeObject, type ReleaseRecord, artifactConfigMediaType, k2ArtifactType } from './artifact.ts';
export { K8sfileError, parseK8sfile, type Instruction, type ParsedK8sfile } from './parser.ts';
export { renderArtifact, releaseArchive, type Artifact, type RenderedArtifact, type RenderOptions } from './render.ts';
export { baseReference, importLayout, pullArtifact, pushArtifact, saveArtifact } from './transfer.ts';
export { RegistryClient, RegistryError } from './registry.ts';

export interface OpenOptions {
  /** The k2 home holding the local store (default $K2_HOME or ~/.k2). */
  home?: string;
  /** true: always fetch a registry reference; false: never touch the network; default: fetch when not stored. */
  pull?: boolean;
}

/** Finds an artifact (built-in base, local store, digest, saved path, or registry) and opens it from the local store. */
export async function openArtifact(ref: string, options: OpenOptions = {}): Promise<Artifact> {
  const home = k2Home(options.home);
  const resolved = await resolveArtifact(ref, { home, pull: options.pull });
  return { ...resolved, store: openStore(home) };
}
