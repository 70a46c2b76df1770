// Label maps and label selectors as Kubernetes prints them in Table cells
// (k8s.io/apimachinery labels.FormatLabels, metav1.FormatLabelSelector, labels.Selector.String).

type LabelMap = Record<string, string> | undefined | null;

interface LabelSelectorRequirement {
  key?: string;
  operator?: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Byte-wise order of Go's sort.Strings for the ASCII text of labels. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `key=value` pairs sorted as whole strings and joined with `,`; `<none>` for no labels. */
export function formatLabels(labels: LabelMap): string {
  if (!labels) return '<none>';
  const pairs = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  return pairs.length ? pairs.sort(byText).join(',') : '<none>';
}

const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !dnsSubdomain.test(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && labelName.test(name);
}

function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && labelName.test(value));
}

class InvalidSelectorError extends Error {}

function requirement(key: string, operator: string, values: string[]): { key: string; text: string } {
  if (!isQualifiedName(key)) throw new InvalidSelectorError(`invalid label key "${key}"`);
  for (const value of values) if (!isLabelValue(value)) throw new InvalidSelectorError(`invalid label value "${value}"`);
  const sorted = () => [...values].sort(byText).join(',');
  switch (operator) {
    case 'Equals':
      if (values.length !== 1) throw new InvalidSelectorError('exact-match compatibility requires one single value');
      return { key, text: `${key}=${values[0]}` };
    case 'In':
    case 'NotIn':
      if (values.length === 0) throw new InvalidSelectorError('for In and NotIn operators, values set can not be empty');
      return { key, text: `${key} ${operator === 'In' ? 'in' : 'notin'} (${sorted()})` };
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) throw new InvalidSelectorError('values set must be empty for exists and does not exist');
      return { key, text: operator === 'Exists' ? key : `!${key}` };
    default:
      throw new InvalidSelectorError(`"${operator}" is not a valid label selector operator`);
  }
}

/**
 * The selector's string form: requirements sorted by key and joined with `,`; "" for a nil or empty selector.
 * Throws for a selector Kubernetes could not convert (bad operator, key or values).
 */
function selectorString(selector: LabelSelector | undefined | null): string {
  if (!selector) return '';
  const requirements = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => requirement(key, 'Equals', [value]));
  for (const expression of selector.matchExpressions ?? []) {
    requirements.push(requirement(expression.key ?? '', expression.operator ?? '', expression.values ?? []));
  }
  // Array.prototype.sort is stable, so requirements on the same key keep their order.
  return requirements
    .sort((a, b) => byText(a.key, b.key))
    .map((r) => r.text)
    .join(',');
}

/** metav1.FormatLabelSelector: `<none>` for nothing to select on, `<error>` for a selector that does not convert. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  try {
    return selectorString(selector) || '<none>';
  } catch (error) {
    if (error instanceof InvalidSelectorError) return '<error>';
    throw error;
  }
}

/** The Deployment printer's variant: empty for nothing to select on, `<invalid>` when it does not convert. */
export function formatDeploymentSelector(selector: LabelSelector | undefined | null): string {
  try {
    return selectorString(selector);
  } catch (error) {
    if (error instanceof InvalidSelectorError) return '<invalid>';
    throw error;
  }
}

/**
 * Go's generated `String()` of a *metav1.LabelSelector, which the admission policy binding printers
 * show for a parameter selector, e.g.
 * `&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}`.
 */
export function goLabelSelectorString(selector: LabelSelector): string {
  const labels = Object.keys(selector.matchLabels ?? {})
    .sort(byText)
    .map((key) => `${key}: ${selector.matchLabels![key]},`)
    .join('');
  const expressions = (selector.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key ?? ''},Operator:${e.operator ?? ''},Values:[${(e.values ?? []).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${expressions}},}`;
}
