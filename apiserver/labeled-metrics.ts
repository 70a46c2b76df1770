// Prometheus metrics for the request path. prom-client's own rebuild, check and hash a label object on every
// observation, even through a labelled child (three times per API request: its count, its latency and its
// datastore operation's). Here a series is found once by its label values and kept; counting is an addition, an
// observation a bucket search and three additions. They register in a prom-client Registry, which renders them
// as it renders its own.
import type { Registry } from 'prom-client';

export interface HistogramSeries {
  observe(seconds: number): void;
  /** Starts timing; the function returned observes the time elapsed. */
  startTimer(): () => void;
}

export interface CounterSeries {
  inc(): void;
}

interface MetricValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

interface MetricOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

/** Series by label values, and what the registry reads. */
abstract class LabeledMetric<S> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: string;
  readonly aggregator = 'sum';
  private readonly labelNames: readonly string[];
  protected readonly series = new Map<string, S>();

  constructor(options: MetricOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    // The registry takes any object with a name and get(); its type asks for prom-client's own classes.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of these label values (in labelNames order), made on first use. */
  labels(...values: string[]): S {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes ${this.labelNames.length} label values, not ${values.length}`);
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      series = this.newSeries(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!])));
      this.series.set(key, series);
    }
    return series;
  }

  protected abstract newSeries(labels: Record<string, string>): S;

  protected abstract values(): MetricValue[];

  /** For the registry. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values() };
  }

  reset(): void {
    this.series.clear();
  }
}

interface CounterState extends CounterSeries {
  readonly labels: Record<string, string>;
  value: number;
}

export class LabeledCounter extends LabeledMetric<CounterState> {
  readonly type = 'counter';

  protected newSeries(labels: Record<string, string>): CounterState {
    const series: CounterState = {
      labels,
      value: 0,
      inc() {
        series.value++;
      },
    };
    return series;
  }

  protected values(): MetricValue[] {
    return [...this.series.values()].map((series) => ({ metricName: this.name, labels: series.labels, value: series.value }));
  }
}

interface HistogramState extends HistogramSeries {
  readonly labels: Record<string, string>;
  /** Observations per bucket (not cumulative), the last one for +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export class LabeledHistogram extends LabeledMetric<HistogramState> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(options: MetricOptions & { buckets: readonly number[] }) {
    super(options);
    this.bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected newSeries(labels: Record<string, string>): HistogramState {
    const { bounds } = this;
    const series: HistogramState = {
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

  /** Every series as cumulative buckets, sum and count. */
  protected values(): MetricValue[] {
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
    return values;
  }
}
