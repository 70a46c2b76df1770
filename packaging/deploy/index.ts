// The K8sfile deploy engine: applies a built artifact's objects to any cluster that speaks the Kubernetes API.
//
//   const client = await KubeClient.fromKubeconfig('~/.kube/config');
//   try {
//     const report = await deployArtifact(
//       { name: 'team-env', reference: 'registry:5000/team-env:1', digest: 'sha256:…', parents: [], settings: {}, objects },
//       { client, namespace: 'default', wait: true, progress: (line) => console.log(line) },
//     );
//     // report.applied (each with created/configured/unchanged), report.pruned
//   } catch (error) {
//     if (error instanceof DeployFailedError) { /* error.report.applied / .notApplied / .failure */ }
//     throw error;
//   } finally {
//     client.close();
//   }
//
//   const diff = await diffArtifact({ name: 'team-env', objects }, { client }); // diff.text, diff.changed
//
// What a deploy does, in order:
//  1. installs k2's `Artifact` CRD (artifacts.k2.io, cluster-scoped, an ApplySet parent type) if missing;
//  2. records the set in the `Artifact` named after the artifact: applyset id label, tooling `k2/<version>`,
//     the superset of old and new group-kinds and namespaces, spec {reference, digest, parents, settings},
//     status phase Deploying;
//  3. server-side applies (fieldManager k2, force) every object, each labelled applyset.kubernetes.io/part-of:
//     CRDs first (then waits until they are Established), Namespaces, then the artifact's own order; namespaced
//     objects without a namespace go to options.namespace; the first failure stops the deploy, sets status
//     Failed and throws DeployFailedError with the applied and not-applied objects;
//  4. prunes (propagationPolicy Background) members the artifact no longer has, listed per recorded group-kind
//     and namespace by the part-of label, then records the new group-kinds and namespaces;
//  5. with `wait`, waits for Deployments, StatefulSets, DaemonSets, Jobs and CRDs to be ready (bounded);
//  6. sets status Deployed with the object and pruned counts.
// `dryRun` sends every write with dryRun=All and reports what would happen.
export { KubeClient, KubeApiError, type KubeObject } from './kube-client.ts';
export { deployArtifact, DeployFailedError, fieldManager, type ArtifactToDeploy, type ApplyAction, type DeployOptions, type DeployReport } from './deploy.ts';
export { diffArtifact, type DiffEntry, type DiffOptions, type DiffReport, type ObjectChange } from './diff.ts';
export { describeRef, type ObjectRef } from './object-set.ts';
export {
  applySetGroupKindsAnnotation,
  applySetIdLabel,
  applySetNamespacesAnnotation,
  applySetPartOfLabel,
  applySetTooling,
  applySetToolingAnnotation,
  artifactApplySetId,
  artifactCrd,
  artifactCrdName,
  artifactGroup,
  artifactPlural,
} from './applyset.ts';
