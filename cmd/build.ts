// `k2 build [-f K8sfile] [-t name:tag]… [--build-arg k=v]… [CONTEXT]`: builds a K8sfile into an artifact
// in the local store, printing docker-build-style progress; the last line is the artifact digest.
import type { CommandModule } from 'yargs';

interface BuildArgs {
  context: string;
  file?: string;
  tag?: string | string[];
  'build-arg'?: string | string[];
  'no-cache'?: boolean;
  pull?: boolean;
  quiet?: boolean;
}

/** A repeatable flag's values (not `array: true`, which would swallow the CONTEXT positional). */
export function repeated(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : ([] as string[]).concat(value);
}

function keyValues(pairs: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} wants name=value, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export const buildCommand: CommandModule<object, BuildArgs> = {
  command: 'build [context]',
  describe: 'Build a K8sfile into an artifact in the local store (prints its digest last)',
  builder: (y) =>
    y
      .positional('context', { type: 'string', default: '.', describe: 'Build context: ADD paths and values files are relative to it' })
      .option('file', { alias: 'f', type: 'string', describe: 'The K8sfile [default: CONTEXT/K8sfile]' })
      .option('tag', { alias: 't', type: 'string', describe: 'Name the result name:tag or host[:port]/repository:tag (repeatable)' })
      .option('build-arg', { type: 'string', describe: 'Set an ARG: name=value (repeatable)' })
      .option('no-cache', { type: 'boolean', describe: 'Build every step again' })
      .option('pull', { type: 'boolean', describe: 'Pull a registry FROM even when the local store has it' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print only the digest' }) as never,
  handler: async (argv) => {
    const { buildArtifact } = await import('../packaging/k8sfile/build.ts');
    await buildArtifact({
      context: argv.context,
      file: argv.file,
      tags: repeated(argv.tag),
      buildArgs: keyValues(repeated(argv['build-arg']), '--build-arg'),
      noCache: argv['no-cache'],
      pull: argv.pull,
      log: (line) => {
        if (!argv.quiet || line.startsWith('sha256:')) process.stdout.write(`${line}\n`);
      },
    });
  },
};
