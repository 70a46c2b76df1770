// Label and field selectors: the query-string syntax (`a=b,c in (x,y),!d`) and the LabelSelector
// object (matchLabels/matchExpressions) that workloads carry, with Kubernetes' semantics.
import { errors } from '../status.ts';

export type LabelOperator = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | '>' | '<';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export type Labels = Record<string, string> | undefined;

export function requirementMatches(requirement: LabelRequirement, labels: Labels): boolean {
  const value = labels?.[requirement.key];
  switch (requirement.operator) {
    case 'exists':
      return value !== undefined;
    case '!':
      return value === undefined;
    case '=':
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case '!=':
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case '>':
    case '<': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const have = Number(value);
      const want = Number(requirement.values[0]);
      return requirement.operator === '>' ? have > want : have < want;
    }
  }
}

export class LabelSelector {
  constructor(readonly requirements: LabelRequirement[]) {}

  static readonly everything = new LabelSelector([]);

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    for (const requirement of this.requirements) if (!requirementMatches(requirement, labels)) return false;
    return true;
  }

  /** Equality requirements (`a=b`), which an index can answer. */
  exactValue(key: string): string | undefined {
    const found = this.requirements.find((r) => r.key === key && (r.operator === '=' || (r.operator === 'in' && r.values.length === 1)));
    return found?.values[0];
  }

  toString(): string {
    return this.requirements
      .map(({ key, operator, values }) => {
        switch (operator) {
          case 'exists':
            return key;
          case '!':
            return `!${key}`;
          case 'in':
          case 'notin':
            return `${key} ${operator} (${[...values].sort().join(',')})`;
          default:
            return `${key}${operator}${values[0]}`;
        }
      })
      .join(',');
  }
}

const qualifiedName = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function badSelector(message: string): Error {
  return errors.badRequest(`unable to parse requirement: ${message}`);
}

/** Parses the `labelSelector` query syntax. */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  if (!text || !text.trim()) return LabelSelector.everything;
  const requirements: LabelRequirement[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const readToken = () => {
    skipSpace();
    const start = i;
    while (i < text.length && !/[\s,=!()<>]/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  const checkKey = (key: string) => {
    if (!key) throw badSelector(`found '${text[i] ?? ''}', expected: identifier`);
    if (!qualifiedName.test(key) || key.length > 316) throw badSelector(`invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`);
  };
  const checkValue = (value: string) => {
    if (value.length > 63 || !labelValue.test(value)) throw badSelector(`invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`);
  };
  while (true) {
    skipSpace();
    if (text[i] === '!') {
      i++;
      const key = readToken();
      checkKey(key);
      requirements.push({ key, operator: '!', values: [] });
    } else {
      const key = readToken();
      checkKey(key);
      skipSpace();
      const rest = text.slice(i);
      let operator: LabelOperator;
      if (rest.startsWith('==')) {
        operator = '=';
        i += 2;
      } else if (rest.startsWith('!=')) {
        operator = '!=';
        i += 2;
      } else if (rest.startsWith('=')) {
        operator = '=';
        i += 1;
      } else if (rest.startsWith('>') || rest.startsWith('<')) {
        operator = rest[0] as '>' | '<';
        i += 1;
      } else if (/^in\s*\(/.test(rest)) {
        operator = 'in';
        i += 2;
      } else if (/^notin\s*\(/.test(rest)) {
        operator = 'notin';
        i += 5;
      } else if (rest === '' || rest.startsWith(',')) {
        operator = 'exists';
      } else {
        throw badSelector(`found '${rest.split(/[\s,]/)[0]}', expected: in, notin, =, ==, !=, gt, lt`);
      }
      const values: string[] = [];
      if (operator === 'in' || operator === 'notin') {
        skipSpace();
        if (text[i] !== '(') throw badSelector(`found '${text[i] ?? ''}', expected: '('`);
        i++;
        while (true) {
          const value = readToken();
          checkValue(value);
          values.push(value);
          skipSpace();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ')') {
            i++;
            break;
          }
          throw badSelector(`found '${text[i] ?? ''}', expected: ',' or ')'`);
        }
      } else if (operator !== 'exists') {
        const value = readToken();
        if (operator === '>' || operator === '<') {
          if (!/^-?\d+$/.test(value)) throw badSelector(`for 'Gt', 'Lt' operators, the value must be an integer`);
        } else {
          checkValue(value);
        }
        values.push(value);
      }
      requirements.push({ key, operator, values });
    }
    skipSpace();
    if (i >= text.length) break;
    if (text[i] !== ',') throw badSelector(`found '${text[i]}', expected: ',' or 'end of string'`);
    i++;
  }
  return new LabelSelector(requirements);
}

/** The LabelSelector object of workloads (`matchLabels`, `matchExpressions`). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

const expressionOperators: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** A LabelSelector object as a selector; `undefined` selects nothing and `{}` everything, as in Kubernetes. */
export function labelSelectorFromObject(selector: LabelSelectorObject | undefined | null): LabelSelector | undefined {
  if (!selector) return undefined;
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) requirements.push({ key, operator: '=', values: [value] });
  for (const expression of selector.matchExpressions ?? []) {
    const operator = expressionOperators[expression.operator];
    if (!operator) throw errors.badRequest(`"${expression.operator}" is not a valid label selector operator`);
    requirements.push({ key: expression.key, operator, values: expression.values ?? [] });
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return new LabelSelector(requirements);
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Parses the `fieldSelector` query syntax (`a=b,c!=d`; `\` escapes `,`, `=` and `!`). */
export function parseFieldSelector(text: string | undefined): FieldRequirement[] {
  if (!text || !text.trim()) return [];
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
  return parts.map((part) => {
    const match = /^(.*?)(!=|==|=)(.*)$/s.exec(part.replace(/\\./g, (m) => (m === '\\=' || m === '\\!' ? '\u0000' + m[1] : m)));
    if (!match) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const restore = (s: string) => unescape(s.replace(/\u0000(.)/g, '\\$1'));
    return { field: restore(match[1]!).trim(), operator: match[2] === '!=' ? '!=' : '=', value: restore(match[3]!) };
  });
}
