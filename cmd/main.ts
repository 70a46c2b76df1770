#!/usr/bin/env node
// The `k2` command line. Each command lives in its own file and registers itself here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { serverCommand } from './server.ts';
import { versionCommand } from './version.ts';
import { kubectlCommand } from './kubectl.ts';
import { imageCommand } from './image.ts';
import { snapshotCommand } from './snapshot.ts';
import { datastoreCommand } from './datastore.ts';
import { showCommand } from './show.ts';
import { templateCommand } from './template.ts';
import { agentCommand } from './agent.ts';
import { tokenCommand } from './token.ts';
import { convertCommand } from './convert.ts';
import { secretsEncryptCommand } from './secrets-encrypt.ts';
import { buildCommand } from './build.ts';
import { pullCommand, pushCommand } from './push.ts';
import { imagesCommand, inspectCommand } from './images.ts';
import { loadCommand, saveCommand } from './save.ts';
import { loginCommand, logoutCommand } from './login.ts';
import { repoCommand } from './repo.ts';
import { deployCommand, diffCommand } from './deploy.ts';

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('k2')
    .usage('k2: Kubernetes in one process.\n\nUsage: $0 <command> [options]')
    .command(serverCommand)
    .command(agentCommand)
    .command(tokenCommand)
    .command(kubectlCommand)
    .command(imageCommand)
    .command(snapshotCommand)
    .command(datastoreCommand)
    .command(templateCommand)
    .command(showCommand)
    .command(convertCommand)
    .command(secretsEncryptCommand)
    .command(buildCommand)
    .command(pushCommand)
    .command(pullCommand)
    .command(imagesCommand)
    .command(inspectCommand)
    .command(saveCommand)
    .command(loadCommand)
    .command(loginCommand)
    .command(logoutCommand)
    .command(repoCommand)
    .command(deployCommand)
    .command(diffCommand)
    .command(versionCommand)
    .demandCommand(1, 'Name a command; `k2 --help` lists them.')
    .strict()
    .recommendCommands()
    .version(false)
    .help()
    .alias('h', 'help')
    // Wrapping renders the whole help text, which yargs does even to run a command: only when help is asked for.
    .wrap(argv.includes('--help') || argv.includes('-h') ? Math.min(120, process.stdout.columns || 100) : null)
    .parserConfiguration({ 'boolean-negation': false })
    .fail((message, error) => {
      process.stderr.write(error ? `k2: ${error.message}\n` : `k2: ${readableFailure(message)}\nRun with --help for usage.\n`);
      process.exit(1);
    })
    .parseAsync();
}

/** yargs reports each unknown flag twice (as typed and camel-cased); name each once, as typed. */
function readableFailure(message: string): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (!unknown) return message;
  const names = unknown[1]!.split(', ');
  const typed = names.filter((name) => !(/[A-Z]/.test(name) && names.includes(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
  return `unknown flag${typed.length > 1 ? 's' : ''}: ${typed.map((name) => (name.length === 1 ? `-${name}` : `--${name}`)).join(', ')}`;
}

main(hideBin(process.argv)).catch((error: Error) => {
  process.stderr.write(`k2: ${error.message}\n`);
  process.exit(1);
});
