// `k2 show values|chart|readme|crds|all CHART`: prints parts of a chart, like `helm show`.
import type { CommandModule } from 'yargs';
import { chartCrds } from '../packaging/helm/chart.ts';
import { encodeYaml } from '../packaging/helm/goyaml.ts';
import { type Chart, loadChart } from '../packaging/helm/index.ts';
import { type ChartSourceArgs, chartSourceOptions, withChartSourceOptions } from './chart-source-options.ts';

type Part = 'values' | 'chart' | 'readme' | 'crds' | 'all';

interface ShowArgs extends ChartSourceArgs {
  part: Part;
  chart: string;
}

function readme(chart: Chart): string {
  const file = chart.files.find((f) => /^readme(\.md|\.txt)?$/i.test(f.name));
  return file ? file.data.toString('utf8') : '';
}

function chartYaml(chart: Chart): string {
  return encodeYaml(chart.metadata.goJson());
}

/** The text `helm show <part>` prints. */
export function showPart(chart: Chart, part: Part): string {
  switch (part) {
    case 'values':
      return chart.valuesText;
    case 'chart':
      return chartYaml(chart);
    case 'readme':
      return readme(chart);
    case 'crds':
      return chartCrds(chart)
        .map((f) => `---\n${f.data.toString('utf8')}`)
        .join('\n');
    case 'all': {
      const parts = [chartYaml(chart), chart.valuesText, readme(chart), showPart(chart, 'crds')].filter((p) => p.trim() !== '');
      return parts.join('\n---\n');
    }
  }
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
    const chart = await loadChart(argv.chart, chartSourceOptions(argv));
    const text = showPart(chart, argv.part);
    process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  },
};
