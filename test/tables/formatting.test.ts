// The formatting rules every printer shares: ages, quantities, label maps and selectors.

import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../apiserver/tables/duration.ts';
import { formatDeploymentSelector, formatLabels, formatLabelSelector, goLabelSelectorString } from '../../apiserver/tables/labels.ts';
import { canonicalQuantity } from '../../apiserver/tables/quantity.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (Kubernetes HumanDuration)', () => {
  it.each([
    [-5 * s, '<invalid>'],
    [-2 * s, '<invalid>'],
    [-1999, '0s'],
    [-1 * s, '0s'],
    [-500, '0s'],
    [0, '0s'],
    [999, '0s'],
    [59 * s, '59s'],
    [119 * s + 999, '119s'],
    [120 * s, '2m'],
    [5 * m + 30 * s, '5m30s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 59 * s, '10m'],
    [179 * m + 59 * s, '179m'],
    [3 * h, '3h'],
    [3 * h + 5 * m, '3h5m'],
    [7 * h + 59 * m + 59 * s, '7h59m'],
    [8 * h, '8h'],
    [47 * h + 59 * m, '47h'],
    [2 * d, '2d'],
    [2 * d + 3 * h, '2d3h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [3 * 365 * d + 45 * d, '3y45d'],
    [8 * 365 * d - 1, '7y364d'],
    [8 * 365 * d, '8y'],
    [12 * 365 * d + 100 * d, '12y'],
  ])('%d ms is %s', (milliseconds, expected) => {
    expect(humanDuration(milliseconds)).toBe(expected);
  });
});

describe('canonicalQuantity (what the API writes back for a quantity)', () => {
  it.each([
    ['10Gi', '10Gi'],
    ['1.5Gi', '1536Mi'],
    ['2048Ki', '2Mi'],
    ['1025Ki', '1025Ki'],
    ['1Ki', '1Ki'],
    ['0.5Ki', '512'],
    ['512', '512'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['0.5', '500m'],
    ['1000m', '1'],
    ['100m', '100m'],
    ['0.1', '100m'],
    ['1.5', '1500m'],
    ['250M', '250M'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['12e6', '12e6'],
    ['1E', '1E'],
    ['0', '0'],
    ['0Gi', '0'],
    ['000.000', '0'],
    ['0.000000001', '1n'],
    ['0.0000000001', '1n'],
    ['1.0000000001', '1000000001n'],
    ['-1Ki', '-1Ki'],
    ['-0.5', '-500m'],
    // Kubernetes reprints text it takes for canonical, and its test lets these two through.
    ['+2', '+2'],
    ['01', '01'],
    ['00100m', '00100m'],
    ['1000k', '1M'],
    ['100k', '100k'],
    [3, '3'],
    [0.25, '250m'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalQuantity(input)).toBe(expected);
  });

  it('leaves text that is not a quantity as it is', () => {
    expect(canonicalQuantity('ten gigs')).toBe('ten gigs');
    expect(canonicalQuantity('1Qi')).toBe('1Qi');
  });
});

describe('label formatting', () => {
  it('sorts key=value pairs as whole strings and prints <none> for none', () => {
    expect(formatLabels({ tier: 'web', app: 'shop', 'app.kubernetes.io/name': 'shop' })).toBe('app.kubernetes.io/name=shop,app=shop,tier=web');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels(undefined)).toBe('<none>');
  });

  it('prints selectors with requirements sorted by key and set values sorted', () => {
    expect(
      formatLabelSelector({
        matchLabels: { tier: 'web', app: 'shop' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'zone', operator: 'NotIn', values: ['b', 'a'] },
          { key: 'gpu', operator: 'Exists' },
          { key: 'spot', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=shop,env in (dev,prod),gpu,!spot,tier=web,zone notin (a,b)');
  });

  it('prints <none> for an empty or missing selector and <error> for one that does not convert', () => {
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(undefined)).toBe('<none>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near', values: ['b'] }] })).toBe('<error>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toBe('<error>');
    expect(formatLabelSelector({ matchLabels: { 'bad key!': 'x' } })).toBe('<error>');
  });

  it('prints the Deployment variant without <none> and with <invalid>', () => {
    expect(formatDeploymentSelector({ matchLabels: { app: 'web' } })).toBe('app=web');
    expect(formatDeploymentSelector({})).toBe('');
    expect(formatDeploymentSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toBe('<invalid>');
  });

  it('prints a selector the way Go prints the LabelSelector struct', () => {
    expect(goLabelSelectorString({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] })).toBe(
      '&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,Operator:In,Values:[prod dev],},},}',
    );
  });
});
