// Flags shared by the commands that fetch a chart (`template`, `show`): where the chart comes from.
import type { Argv } from 'yargs';
import type { ChartSourceOptions } from '../packaging/helm/index.ts';

export interface ChartSourceArgs {
  repo?: string;
  version?: string;
  'plain-http'?: boolean;
  username?: string;
  password?: string;
}

export function withChartSourceOptions<T>(y: Argv<T>): Argv<T & ChartSourceArgs> {
  return y
    .option('repo', { type: 'string', describe: 'Chart repository URL; CHART is then the chart name in it' })
    .option('version', { type: 'string', describe: 'Chart version or range (repositories and OCI); the newest stable by default' })
    .option('plain-http', { type: 'boolean', describe: 'Use plain HTTP for an OCI registry (always used for loopback addresses)' })
    .option('username', { type: 'string', describe: 'Chart repository or registry user name' })
    .option('password', { type: 'string', describe: 'Chart repository or registry password' }) as Argv<T & ChartSourceArgs>;
}

export function chartSourceOptions(argv: ChartSourceArgs): ChartSourceOptions {
  return { repo: argv.repo, version: argv.version, plainHttp: argv['plain-http'], username: argv.username, password: argv.password };
}
