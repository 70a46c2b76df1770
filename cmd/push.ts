// `k2 push REF` and `k2 pull REF`: move artifacts between the local store and an OCI registry.
import type { CommandModule } from 'yargs';

interface RefArgs {
  reference: string;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

export const pushCommand: CommandModule<object, RefArgs> = {
  command: 'push <reference>',
  describe: 'Push an artifact of the local store to its registry (host[:port]/repository:tag)',
  builder: (y) => y.positional('reference', { type: 'string', demandOption: true, describe: 'host[:port]/repository:tag, as tagged by k2 build -t' }) as never,
  handler: async (argv) => {
    const { pushArtifact } = await import('../packaging/k8sfile/transfer.ts');
    log(`The push refers to repository [${argv.reference.replace(/:[^/:]*$/, '')}]`);
    await pushArtifact(argv.reference, { log });
  },
};

export const pullCommand: CommandModule<object, RefArgs> = {
  command: 'pull <reference>',
  describe: 'Pull an artifact from a registry into the local store',
  builder: (y) => y.positional('reference', { type: 'string', demandOption: true, describe: 'host[:port]/repository:tag or …@sha256:digest' }) as never,
  handler: async (argv) => {
    const { pullArtifact } = await import('../packaging/k8sfile/transfer.ts');
    await pullArtifact(argv.reference, { log });
    log(`Status: Downloaded ${argv.reference}`);
  },
};
