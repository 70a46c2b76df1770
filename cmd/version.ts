import type { CommandModule } from 'yargs';
import { gitVersion, k2Version, versionInfo } from '../apiserver/version.ts';

export const versionCommand: CommandModule<object, { output?: string }> = {
  command: 'version',
  describe: 'Print the k2 version and the Kubernetes version it serves',
  builder: (y) => y.option('output', { alias: 'o', choices: ['json', 'yaml'] as const, describe: 'Print as JSON or YAML' }),
  handler: async (argv) => {
    const info = { k2Version, kubernetes: versionInfo() };
    if (argv.output === 'json') process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    else if (argv.output === 'yaml') process.stdout.write((await import('yaml')).stringify(info));
    else process.stdout.write(`k2 version v${k2Version}\nKubernetes version ${gitVersion}\nnode ${process.versions.node}\n`);
  },
};
