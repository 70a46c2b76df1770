// `k2 server --artifact REF`: a fresh cluster straight from a K8sfile artifact. Its CONFIG settings become
// server flags (a flag given on the command line, in the config file or as K2_* still wins), and once the
// server is ready its contents are deployed, as `k2 deploy` would, recorded in an `Artifact` resource.
import yargs from 'yargs';
import type { Logger } from 'pino';
import type { ArtifactToDeploy } from '../packaging/deploy/index.ts';
import { loadConfigFile, serverOptionsBuilder } from './server-options.ts';
import { artifactToDeploy } from './deploy.ts';

/** The artifact's objects and settings, loaded before the server starts (pulled if it is a registry reference). */
export function loadBootArtifact(ref: string, home: string | undefined): Promise<ArtifactToDeploy> {
  return artifactToDeploy({ ref, namespace: 'default' }, home);
}

/** Was `flag` given by the user (command line, config file or environment), rather than defaulted? */
function givenByUser(flag: string, configFileKeys: Record<string, unknown>): boolean {
  const onCommandLine = process.argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`) || arg === `--no-${flag}`);
  const inEnvironment = process.env[`K2_${flag.toUpperCase().replace(/-/g, '_')}`] !== undefined;
  return onCommandLine || inEnvironment || Object.hasOwn(configFileKeys, flag);
}

/** The server's argv with the artifact's settings applied where the user set nothing. */
export function withArtifactSettings(argv: Record<string, unknown>, settings: Record<string, string>): Record<string, unknown> {
  const flags = Object.entries(settings).map(([name, value]) => `--${name}=${value}`);
  // The server's own parser coerces and checks the values, as for flags typed by hand.
  const parsed = serverOptionsBuilder(yargs([])).env(false).exitProcess(false).fail((message, error) => {
    throw new Error(`the artifact's settings are not valid k2 server flags: ${error?.message ?? message}`);
  }).parseSync(['--config', '/dev/null', ...flags]) as Record<string, unknown>;
  const configFileKeys = typeof argv.config === 'string' ? loadConfigFile(argv.config) : {};
  const merged = { ...argv };
  for (const name of Object.keys(settings)) if (!givenByUser(name, configFileKeys)) merged[name] = parsed[name];
  return merged;
}

/** Deploys the artifact onto the server that just became ready; failures are logged with what was and was not applied. */
export async function deployBootArtifact(artifact: ArtifactToDeploy, kubeconfig: string, log: Logger): Promise<void> {
  const { DeployFailedError, KubeClient, deployArtifact, describeRef } = await import('../packaging/deploy/index.ts');
  const client = await KubeClient.fromKubeconfig(kubeconfig);
  try {
    const report = await deployArtifact(artifact, { client, progress: (line) => log.info({ artifact: artifact.name }, line) });
    log.info({ artifact: artifact.name, reference: artifact.reference, digest: artifact.digest, objects: report.applied.length }, `deployed artifact ${artifact.reference}`);
  } catch (error) {
    const report = error instanceof DeployFailedError ? error.report : undefined;
    log.error(
      { err: error, artifact: artifact.name, applied: report?.applied.map((a) => describeRef(a.object)), notApplied: report?.notApplied.map(describeRef) },
      `the artifact ${artifact.reference} was not fully deployed: ${(error as Error).message}`,
    );
  } finally {
    client.close();
  }
}
