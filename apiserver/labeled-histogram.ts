// A Prometheus histogram for the request path. prom-client's own rebuilds, checks and hashes a label object on
// every observation, even through a labelled child (twice per API request: its latency and its datastore
// operation's). Here a series is found once by its label values and kept; an observation is a bucket search
// and three additions. It registers in a prom-client Registry, which renders it as it renders its own.
import type { Registry } from 'prom-client';

export interface HistogramSeries {
  observe(seconds: number): void;
  /** Starts timing; the function returned observes the time elapsed. */
  startTimer(): () => void;
}

interface Series extends HistogramSeries {
  readonly labels: Record<string, string>;
  /** Observations per bucket (not cumulative), the last one for +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

interface MetricValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export class LabeledHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly string[];
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor(options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[]; registers: Registry[] }) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.bounds = [...options.buckets].sort((a, b) => a - b);
    // The registry takes any object with a name and get(); its type asks for prom-client's own classes.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of these label values (in labelNames order), made on first use. */
  labels(...values: string[]): HistogramSeries {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes ${this.labelNames.length} label values, not ${values.length}`);
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      series = this.newSeries(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!])));
      this.series.set(key, series);
    }
    return series;
  }

  private newSeries(labels: Record<string, string>): Series {
    const { bounds } = this;
    const series: Series = {
      labels,
      counts: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
      observe(seconds: number) {
        // Prometheus' buckets hold what is at most their bound.
        let low = 0;
        let high = bounds.length;
        while (low < high) {
          const middle = (low + high) >> 1;
          if (seconds <= bounds[middle]!) high = middle;
          else low = middle + 1;
        }
        series.counts[low]!++;
        series.sum += seconds;
        series.count++;
      },
      startTimer() {
        const started = performance.now();
        return () => series.observe((performance.now() - started) / 1000);
      },
    };
    return series;
  }

  /** For the registry: every series as cumulative buckets, sum and count. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> {
    const values: MetricValue[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: i < this.bounds.length ? this.bounds[i]! : '+Inf', ...series.labels }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: series.labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}
