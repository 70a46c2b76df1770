// What `helm show <part>` prints for a chart: values, Chart.yaml, README, CRDs, or all of them.
import { chartCrds } from './chart.ts';
import { encodeYaml } from './goyaml.ts';
import type { Chart } from './index.ts';

export type ShowPart = 'values' | 'chart' | 'readme' | 'crds' | 'all';

function readme(chart: Chart): string {
  const file = chart.files.find((f) => /^readme(\.md|\.txt)?$/i.test(f.name));
  return file ? file.data.toString('utf8') : '';
}

function chartYaml(chart: Chart): string {
  return encodeYaml(chart.metadata.goJson());
}

/** The text `helm show <part>` prints. */
export function showPart(chart: Chart, part: ShowPart): string {
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

