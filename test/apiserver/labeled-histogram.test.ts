// The request path's histogram renders exactly as prom-client's own does for the same observations.
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabeledHistogram } from '../../apiserver/labeled-histogram.ts';

describe('LabeledHistogram', () => {
  it("renders what prom-client's Histogram renders", async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const options = { name: 'demo_duration_seconds', help: 'A "demo" \\ latency\nin seconds.', labelNames: ['verb', 'resource'], buckets: [0.005, 0.1, 0.5, 1] };
    const reference = new Histogram({ ...options, registers: [theirs] });
    const histogram = new LabeledHistogram({ ...options, registers: [ours] });
    const observations: [string, string, number][] = [
      ['GET', 'pods', 0.001], ['GET', 'pods', 0.005], ['GET', 'pods', 0.0051], ['GET', 'pods', 0.7], ['GET', 'pods', 3],
      ['POST', 'con"fig\\maps', 0.1], ['POST', 'con"fig\\maps', 0], ['LIST', '', 1],
    ];
    for (const [verb, resource, seconds] of observations) {
      reference.labels(verb, resource).observe(seconds);
      histogram.labels(verb, resource).observe(seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('times with startTimer and refuses the wrong number of label values', async () => {
    const registry = new Registry();
    const histogram = new LabeledHistogram({ name: 'timed_seconds', help: 'h', labelNames: ['op'], buckets: [10], registers: [registry] });
    const end = histogram.labels('create').startTimer();
    end();
    expect(await registry.metrics()).toContain('timed_seconds_bucket{le="10",op="create"} 1');
    expect(() => histogram.labels('a', 'b')).toThrow(/takes 1 label values, not 2/);
  });
});
