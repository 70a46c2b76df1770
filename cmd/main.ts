#!/usr/bin/env node
// The `k2` command line. Each command lives in its own file and registers itself here.
import yargs, { type Argv } from 'yargs';
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
  const parser = yargs(argv);
  skipHelpRendering(parser);
  reuseInternalMethods(parser);
  await parser
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
    .wrap(Math.min(120, process.stdout.columns || 100))
    .parserConfiguration({ 'boolean-negation': false })
    .fail((message, error) => {
      process.stderr.write(error ? `k2: ${error.message}\n` : `k2: ${readableFailure(message)}\nRun with --help for usage.\n`);
      process.exit(1);
    })
    .parseAsync();
}

/**
 * yargs renders the chosen command's whole help text before it runs the handler, to have it ready for a later
 * showHelp(). k2's handlers never show help (failures print one line, see .fail() above), and for `k2 server`,
 * whose help is long, the rendering costs ~50 ms of every start. yargs has no option for this, so its usage
 * instance's cache step is made a no-op; should a yargs upgrade move it, help is rendered as before.
 */
function skipHelpRendering(parser: Argv): void {
  type Usage = { cacheHelpMessage?: () => void };
  const internals = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => Usage } }).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/**
 * yargs' strict mode looks for unknown flags by calling getInternalMethods() once per parsed key, and each call
 * binds some twenty methods afresh: for `k2 server`, whose ~80 flags come with camel-case aliases, ~8 ms of every
 * start. The methods are bound to the parser itself, so one set serves every call.
 */
function reuseInternalMethods(parser: Argv): void {
  const instance = parser as unknown as { getInternalMethods?: () => unknown };
  if (typeof instance.getInternalMethods !== 'function') return;
  const internals = instance.getInternalMethods();
  instance.getInternalMethods = () => internals;
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
