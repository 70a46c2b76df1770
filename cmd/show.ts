// `k2 show values|chart|readme|crds|all CHART`: prints parts of a chart, like `helm show`.
import type { CommandModule } from 'yargs';
import { type ChartSourceArgs, chartSourceOptions, withChartSourceOptions } from './chart-source-options.ts';

import type { ShowPart as Part } from '../packaging/helm/show.ts';

interface ShowArgs extends ChartSourceArgs {
  part: Part;
  chart: string;
}

export const showCommand: CommandModule<object, ShowArgs> = {
  command: 'show <part> <chart>',
  describe: "Show a chart's values, Chart.yaml, README or CRDs (like helm show)",
  builder: (y) =>
    withChartSourceOptions(
      y
        .positional('part', { choices: ['values', 'chart', 'readme', 'crds', 'all'] as const, demandOption: true, describe: 'What to show' })
        .positional('chart', { type: 'string', demandOption: true, describe: 'Chart: a directory, a .tgz, an http(s) URL, oci://registry/path, or a name with --repo' }),
    ) as never,
  handler: async (argv) => {
    // The chart machinery loads only for this command.
    const [{ loadChart }, { showPart }] = await Promise.all([import('../packaging/helm/index.ts'), import('../packaging/helm/show.ts')]);
    const chart = await loadChart(argv.chart, chartSourceOptions(argv));
    const text = showPart(chart, argv.part);
    process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  },
};
