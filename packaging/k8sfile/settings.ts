// CONFIG settings are `k2 server` flags: a name must be one of its flags and the value must pass that
// flag's own checks (ports, durations, CIDRs, cron, choices…), read by the server's own option parser.
import yargs from 'yargs';
import { serverOptionsBuilder } from '../../cmd/server-options.ts';

const notSettings = new Set(['help', 'version', 'config', '$0', '_']);

let flags: Set<string> | undefined;
let booleans: Set<string> | undefined;

/** The names of `k2 server`'s flags. */
export function serverFlagNames(): Set<string> {
  if (!flags) {
    const options = (serverOptionsBuilder(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]>; boolean: string[] } }).getOptions();
    const aliases = new Set(Object.values(options.alias).flat());
    flags = new Set(Object.keys(options.key).filter((k) => !notSettings.has(k) && !aliases.has(k)));
    booleans = new Set(options.boolean);
  }
  return flags;
}

/** Throws an Error naming the problem when `key=value` is not a valid `k2 server` setting. */
export function validateSetting(key: string, value: string): void {
  if (!serverFlagNames().has(key)) {
    const stem = key.split(/[-._]/)[0]!;
    const near = [...serverFlagNames()].filter((f) => stem.length > 2 && f.startsWith(stem)).slice(0, 4);
    throw new Error(`unknown setting "${key}": CONFIG takes k2 server flag names${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
  }
  if (booleans!.has(key)) {
    if (value !== 'true' && value !== 'false') throw new Error(`invalid value for ${key}: "${value}" (want true or false)`);
    return;
  }
  let failure: string | undefined;
  serverOptionsBuilder(yargs([]))
    .env(false)
    .exitProcess(false)
    .fail((message, error) => {
      failure = error?.message ?? message;
    })
    .parse(['--config', '/dev/null', `--${key}=${value}`]);
  if (failure) throw new Error(`invalid value for ${key}: ${failure.replace(/\s*\n\s*/g, ' ')}`);
}
