// `k2 login HOST -u USER -p PASSWORD` / `k2 logout HOST`: registry credentials, checked against the
// registry and kept in <k2 home>/registry-auth.json (docker's config.json is read too, never written).
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';

interface LoginArgs {
  server: string;
  username?: string;
  password?: string;
  'password-stdin'?: boolean;
}

export const loginCommand: CommandModule<object, LoginArgs> = {
  command: 'login <server>',
  describe: 'Log in to an OCI registry (for push, pull, FROM and INSTALL oci://)',
  builder: (y) =>
    y
      .positional('server', { type: 'string', demandOption: true, describe: 'Registry host[:port]' })
      .option('username', { alias: 'u', type: 'string', demandOption: true, describe: 'User name' })
      .option('password', { alias: 'p', type: 'string', describe: 'Password' })
      .option('password-stdin', { type: 'boolean', describe: 'Read the password from standard input' }) as never,
  handler: async (argv) => {
    const [{ RegistryClient }, { saveCredentials }, { k2Home }] = await Promise.all([
      import('../packaging/k8sfile/registry.ts'),
      import('../packaging/k8sfile/credentials.ts'),
      import('../packaging/k8sfile/home.ts'),
    ]);
    const password = argv['password-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : argv.password;
    if (password === undefined) throw new Error('give a password with -p or --password-stdin');
    const server = argv.server.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
    const credentials = { username: argv.username!, password };
    await new RegistryClient(server, { credentials }).ping();
    saveCredentials(k2Home(), server, credentials);
    process.stdout.write('Login Succeeded\n');
  },
};

export const logoutCommand: CommandModule<object, { server: string }> = {
  command: 'logout <server>',
  describe: 'Forget the k2 login of a registry',
  builder: (y) => y.positional('server', { type: 'string', demandOption: true, describe: 'Registry host[:port]' }) as never,
  handler: async (argv) => {
    const [{ removeCredentials }, { k2Home }] = await Promise.all([import('../packaging/k8sfile/credentials.ts'), import('../packaging/k8sfile/home.ts')]);
    if (!removeCredentials(k2Home(), argv.server)) throw new Error(`not logged in to ${argv.server}`);
    process.stdout.write(`Removing login credentials for ${argv.server}\n`);
  },
};
