#!/usr/bin/env node
// The `k2` command line. Each command lives in its own file and registers itself here.
import yargs, { type ArgumentsCamelCase, type BuilderCallback, type CommandModule } from 'yargs';
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

const commands: CommandModule<any, any>[] = [
  serverCommand,
  agentCommand,
  tokenCommand,
  kubectlCommand,
  imageCommand,
  snapshotCommand,
  datastoreCommand,
  templateCommand,
  showCommand,
  convertCommand,
  secretsEncryptCommand,
  buildCommand,
  pushCommand,
  pullCommand,
  imagesCommand,
  inspectCommand,
  saveCommand,
  loadCommand,
  loginCommand,
  logoutCommand,
  repoCommand,
  deployCommand,
  diffCommand,
  versionCommand,
];

type Handler = (argv: ArgumentsCamelCase) => void | Promise<void>;

export async function main(argv: string[]): Promise<void> {
  const parser = yargs(argv)
    .scriptName('k2')
    .usage('k2: Kubernetes in one process.\n\nUsage: $0 <command> [options]');
  // yargs renders a command's whole help text the moment its handler starts (in case it fails later), which costs
  // `k2 server` ~50 ms of text measuring on every start. So the commands are registered without their handlers:
  // the builder, which yargs runs for the chosen command only, notes it, and main() runs it once yargs has parsed
  // and validated the arguments.
  let chosen: Handler | undefined;
  for (const { command, describe, builder, handler } of commands) {
    parser.command(command!, describe as string, (y) => {
      chosen = handler;
      return (builder as BuilderCallback<object, object>)(y);
    });
  }
  const parsed = await parser
    .demandCommand(1, 'Name a command; `k2 --help` lists them.')
    .strict()
    .recommendCommands()
    .version(false)
    .help()
    .alias('h', 'help')
    // Wrapping renders the whole help text, which yargs still does to run a subcommand: only when help is asked for.
    .wrap(argv.includes('--help') || argv.includes('-h') ? Math.min(120, process.stdout.columns || 100) : null)
    .parserConfiguration({ 'boolean-negation': false })
    .fail((message, error) => {
      process.stderr.write(error ? `k2: ${error.message}\n` : `k2: ${readableFailure(message)}\nRun with --help for usage.\n`);
      process.exit(1);
    })
    .parseAsync();
  await chosen?.(parsed);
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
