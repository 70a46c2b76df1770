// `k2 template [NAME] CHART`: renders a Helm chart locally and prints the manifests, like `helm template`.
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import type { RenderResult } from '../packaging/helm/index.ts';
import { type ChartSourceArgs, chartSourceOptions, withChartSourceOptions } from './chart-source-options.ts';

interface TemplateArgs extends ChartSourceArgs {
  name: string;
  chart?: string;
  values?: string[];
  set?: string[];
  'set-string'?: string[];
  'set-json'?: string[];
  namespace: string;
  'show-only'?: string[];
  'include-crds'?: boolean;
  'no-hooks'?: boolean;
  'skip-tests'?: boolean;
  'api-versions'?: string[];
  'kube-version'?: string;
  'is-upgrade'?: boolean;
  'skip-schema-validation'?: boolean;
}


export const templateCommand: CommandModule<object, TemplateArgs> = {
  command: 'template <name> [chart]',
  describe: 'Render a Helm chart (directory, .tgz, URL, oci://, or --repo) and print its manifests',
  builder: (y) =>
    withChartSourceOptions(
      y
        .positional('name', { type: 'string', demandOption: true, describe: 'Release name (or the chart, when only one argument is given)' })
        .positional('chart', { type: 'string', describe: 'Chart: a directory, a .tgz, an http(s) URL, oci://registry/path, or a name with --repo' })
        .option('values', { alias: 'f', type: 'string', array: true, describe: 'Values file (repeatable; later files win)' })
        .option('set', { type: 'string', array: true, describe: 'Set values (a.b=v,c[0]=w); repeatable' })
        .option('set-string', { type: 'string', array: true, describe: 'Set string values; repeatable' })
        .option('set-json', { type: 'string', array: true, describe: 'Set JSON values (a.b={"x":1}); repeatable' })
        .option('namespace', { alias: 'n', type: 'string', default: 'default', describe: 'Release namespace' })
        .option('show-only', { alias: 's', type: 'string', array: true, describe: 'Only show manifests rendered from these templates (path in the chart, globs allowed)' })
        .option('include-crds', { type: 'boolean', describe: "Include the chart's crds/ in the output" })
        .option('no-hooks', { type: 'boolean', describe: 'Leave hooks out' })
        .option('skip-tests', { type: 'boolean', describe: 'Leave test hooks out' })
        .option('api-versions', { alias: 'a', type: 'string', array: true, describe: 'Extra API version for .Capabilities.APIVersions (repeatable)' })
        .option('kube-version', { type: 'string', describe: "Kubernetes version for .Capabilities.KubeVersion (k2's by default)" })
        .option('is-upgrade', { type: 'boolean', describe: 'Set .Release.IsUpgrade instead of .Release.IsInstall' })
        .option('skip-schema-validation', { type: 'boolean', describe: 'Do not validate values against values.schema.json' }),
    ) as never,
  handler: async (argv) => {
    // The template engine and chart machinery load only for this command.
    const { formatTemplateOutput, loadChart, renderChart, selectShown } = await import('../packaging/helm/index.ts');
    const [releaseName, chartRef] = argv.chart === undefined ? ['release-name', argv.name] : [argv.name, argv.chart];
    const chart = await loadChart(chartRef, chartSourceOptions(argv));
    const result: RenderResult = renderChart(chart, {
      releaseName,
      namespace: argv.namespace,
      valueFiles: (argv.values ?? []).map((file) => ({ name: file, content: file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8') })),
      set: argv.set,
      setString: argv['set-string'],
      setJson: argv['set-json'],
      extraApiVersions: argv['api-versions'],
      kubeVersion: argv['kube-version'],
      isUpgrade: argv['is-upgrade'],
      skipSchemaValidation: argv['skip-schema-validation'],
      warn: (message) => process.stderr.write(`${message}\n`),
    });
    let output = formatTemplateOutput(result, { includeCrds: argv['include-crds'], hooks: !argv['no-hooks'], skipTests: argv['skip-tests'] });
    if (argv['show-only']?.length) output = selectShown(output, argv['show-only']);
    process.stdout.write(output);
  },
};
