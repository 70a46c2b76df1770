// `k2 deploy REF` and `k2 diff REF`: apply a K8sfile artifact to any cluster (k2 or another), or show what
// applying it would change. Rendering is packaging/k8sfile's, applying is packaging/deploy's.
// The libraries load only when one of these commands runs.
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { GoMap } from '../packaging/gotemplate/values.ts';
import type { ArtifactToDeploy, KubeClient } from '../packaging/deploy/index.ts';
import { repeated } from './build.ts';
import { localKubeconfig } from './paths.ts';
import { duration } from './server-options.ts';

interface TargetArgs {
  ref: string;
  kubeconfig?: string;
  values?: string | string[];
  set?: string | string[];
  namespace: string;
  name?: string;
}

function withTargetOptions<T>(y: Argv<T>): Argv<T & TargetArgs> {
  return y
    .positional('ref', { type: 'string', demandOption: true, describe: 'The artifact: name:tag in the local store, sha256:…, a saved .tar or OCI layout, or a registry reference' })
    .option('kubeconfig', { type: 'string', describe: "The cluster's kubeconfig [default: $KUBECONFIG, else this machine's k2]" })
    .option('values', { alias: 'f', type: 'string', describe: 'YAML file of values keyed by release name (repeatable; later files win)' })
    .option('set', { type: 'string', describe: 'RELEASE.path=value, as Helm --set after the release name (repeatable)' })
    .option('namespace', { alias: 'n', type: 'string', default: 'default', describe: 'Namespace for namespaced objects that name none' })
    .option('name', { type: 'string', describe: 'Name of the Artifact resource that records the deploy [default: the repository name]' }) as Argv<T & TargetArgs>;
}

/** The one kubeconfig file to use: --kubeconfig, else the first of $KUBECONFIG, else this machine's k2. */
export function kubeconfigPath(flag: string | undefined): string {
  if (flag) return flag;
  return process.env.KUBECONFIG?.split(':').find(Boolean) ?? localKubeconfig();
}

/** Values files keyed by release name, merged as Helm merges -f files (later files win, maps merge); renderArtifact checks the releases. */
async function valuesByRelease(files: string[]): Promise<Record<string, object>> {
  const { mergeMaps, readValues } = await import('../packaging/helm/values.ts');
  let merged: GoMap = {};
  for (const file of files) merged = mergeMaps(merged, readValues(readFileSync(file, 'utf8'), file));
  return merged as Record<string, object>;
}

/** The Artifact resource's name: --name, else the repository's last path segment (`registry:5000/team/web:1` → `web`). */
function artifactName(flag: string | undefined, reference: string): string {
  if (flag) return flag;
  const repository = reference.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:]+$/, '');
  const last = repository.split('/').pop() ?? '';
  const name = last.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (!name || reference.startsWith('sha256:')) throw new Error(`cannot name the deploy after "${reference}": give --name`);
  return name;
}

/** Opens and renders the artifact for this target. */
export async function artifactToDeploy(argv: TargetArgs, home?: string): Promise<ArtifactToDeploy> {
  const { openArtifact, renderArtifact } = await import('../packaging/k8sfile/index.ts');
  const artifact = await openArtifact(argv.ref, { home });
  const rendered = await renderArtifact(artifact, { values: await valuesByRelease(repeated(argv.values)), set: repeated(argv.set) });
  return { name: artifactName(argv.name, argv.ref), reference: rendered.reference, digest: rendered.digest, parents: rendered.parents, settings: rendered.settings, objects: rendered.objects };
}

async function connect(argv: TargetArgs): Promise<KubeClient> {
  const { KubeClient } = await import('../packaging/deploy/index.ts');
  return KubeClient.fromKubeconfig(kubeconfigPath(argv.kubeconfig));
}

interface DeployArgs extends TargetArgs {
  'dry-run': boolean;
  wait: boolean;
  timeout: number;
  prune: boolean;
}

export const deployCommand: CommandModule<object, DeployArgs> = {
  command: 'deploy <ref>',
  describe: 'Apply an artifact to a cluster (server-side apply; prunes what a previous version had and this one lacks)',
  builder: (y) =>
    withTargetOptions(y)
      .option('dry-run', { type: 'boolean', default: false, describe: 'Server-side dry run: show what would be applied and pruned, change nothing' })
      .option('wait', { type: 'boolean', default: false, describe: 'Wait for rollouts, Jobs and CRDs to be ready' })
      .option('timeout', { type: 'string', default: '5m', coerce: duration, describe: 'Bound of --wait (e.g. 90s, 5m)' })
      .option('prune', { type: 'boolean', default: true, describe: 'Delete objects of a previous deploy this artifact no longer has (--no-prune keeps them)' }) as Argv<DeployArgs>,
  handler: async (argv) => {
    const out = (line: string) => process.stdout.write(`${line}\n`);
    const { DeployFailedError, deployArtifact, describeRef } = await import('../packaging/deploy/index.ts');
    const artifact = await artifactToDeploy(argv);
    const client = await connect(argv);
    try {
      // The engine's progress names every object and ends with the summary line.
      await deployArtifact(artifact, { client, namespace: argv.namespace, dryRun: argv['dry-run'], wait: argv.wait, timeoutMs: argv.timeout, prune: argv.prune, progress: out });
    } catch (error) {
      if (!(error instanceof DeployFailedError)) throw error;
      for (const object of error.report.notApplied) out(`${describeRef(object)} not applied`);
      const at = error.report.failure?.object ? ` at ${describeRef(error.report.failure.object)}` : '';
      throw new Error(`deploy of ${artifact.name} failed${at}: ${error.message} (${error.report.applied.length} applied, ${error.report.notApplied.length} not applied)`);
    } finally {
      client.close();
    }
  },
};

export const diffCommand: CommandModule<object, TargetArgs> = {
  command: 'diff <ref>',
  describe: 'Show what deploying an artifact would change (exit code 1 when it would change something, like kubectl diff)',
  builder: (y) => withTargetOptions(y) as Argv<TargetArgs>,
  handler: async (argv) => {
    const { diffArtifact } = await import('../packaging/deploy/index.ts');
    const artifact = await artifactToDeploy(argv);
    const client = await connect(argv);
    try {
      const diff = await diffArtifact({ name: artifact.name, objects: artifact.objects }, { client, namespace: argv.namespace });
      process.stdout.write(diff.text);
      if (diff.changed) process.exitCode = 1;
    } finally {
      client.close();
    }
  },
};
