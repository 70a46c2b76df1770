// `k2 repo add|list|remove`: chart repository aliases for `INSTALL helm/<repo>/<chart>` in K8sfiles.
import type { CommandModule } from 'yargs';
import { formatColumns } from './columns.ts';

interface RepoArgs {
  action: 'add' | 'list' | 'remove';
  name?: string;
  url?: string;
  username?: string;
  password?: string;
}

export const repoCommand: CommandModule<object, RepoArgs> = {
  command: 'repo <action> [name] [url]',
  describe: 'Add, list or remove chart repositories (for INSTALL helm/<repo>/<chart>)',
  builder: (y) =>
    y
      .positional('action', { choices: ['add', 'list', 'remove'] as const, demandOption: true, describe: 'add NAME URL | list | remove NAME' })
      .positional('name', { type: 'string', describe: 'Repository name' })
      .positional('url', { type: 'string', describe: 'Repository URL (where index.yaml is)' })
      .option('username', { type: 'string', describe: 'Repository user name' })
      .option('password', { type: 'string', describe: 'Repository password' }) as never,
  handler: async (argv) => {
    const [{ addRepository, checkRepository, readRepositories, removeRepository }, { k2Home }] = await Promise.all([
      import('../packaging/k8sfile/repositories.ts'),
      import('../packaging/k8sfile/home.ts'),
    ]);
    const home = k2Home();
    if (argv.action === 'list') {
      const repositories = readRepositories(home);
      if (!repositories.length) throw new Error('no repositories to show (k2 repo add NAME URL)');
      process.stdout.write(formatColumns([['NAME', 'URL'], ...repositories.map((r) => [r.name, r.url])]));
      return;
    }
    if (!argv.name) throw new Error(`k2 repo ${argv.action} needs a repository name`);
    if (argv.action === 'remove') {
      removeRepository(home, argv.name);
      process.stdout.write(`"${argv.name}" has been removed from your repositories\n`);
      return;
    }
    if (!argv.url) throw new Error('k2 repo add needs NAME and URL');
    await checkRepository({ name: argv.name, url: argv.url, username: argv.username, password: argv.password });
    addRepository(home, { name: argv.name, url: argv.url, ...(argv.username ? { username: argv.username, password: argv.password ?? '' } : {}) });
    process.stdout.write(`"${argv.name}" has been added to your repositories\n`);
  },
};
