// `k2 save REF -o file.tar` and `k2 load -i file.tar`: artifacts as OCI image layout tars, for air-gapped moves.
import type { CommandModule } from 'yargs';

export const saveCommand: CommandModule<object, { reference: string; output: string }> = {
  command: 'save <reference>',
  describe: 'Write an artifact to an OCI image layout tar',
  builder: (y) =>
    y
      .positional('reference', { type: 'string', demandOption: true, describe: 'The artifact (name:tag, a digest, or a registry reference)' })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'The tar file to write (.tar, or .tar.gz / .tgz to gzip it)' }) as never,
  handler: async (argv) => {
    const { openStore, resolveArtifact, saveArtifact } = await import('../packaging/k8sfile/transfer.ts');
    const artifact = await resolveArtifact(argv.reference);
    saveArtifact(openStore(), artifact.reference, artifact.digest, argv.output);
    process.stdout.write(`Saved ${artifact.reference} (${artifact.digest}) to ${argv.output}\n`);
  },
};

export const loadCommand: CommandModule<object, { input: string }> = {
  command: 'load',
  describe: 'Load artifacts from an OCI image layout tar (k2 save) into the local store',
  builder: (y) => y.option('input', { alias: 'i', type: 'string', demandOption: true, describe: 'The tar file (or an OCI layout folder)' }) as never,
  handler: async (argv) => {
    const { existsSync } = await import('node:fs');
    const { importLayout, openStore } = await import('../packaging/k8sfile/transfer.ts');
    if (!existsSync(argv.input)) throw new Error(`${argv.input}: no such file`);
    const loaded = importLayout(openStore(), argv.input, { tag: true });
    if (!loaded.length) throw new Error(`${argv.input} holds no artifact`);
    for (const a of loaded) process.stdout.write(`Loaded artifact: ${a.reference ?? a.digest}\n`);
  },
};
