// NodeSelector (node affinity, PV node affinity): terms ORed, each term's matchExpressions on labels
// and matchFields on metadata.name ANDed, with the operators In, NotIn, Exists, DoesNotExist, Gt, Lt.
// Compiled once, matched many times (the scheduler matches every node for every pod).

type Json = Record<string, any>;

interface Requirement {
  key: string;
  operator: string;
  values: string[];
  set?: Set<string>;
  number?: number;
}

interface Term {
  expressions: Requirement[];
  fields: Requirement[];
}

export interface NodeLike {
  name: string;
  labels: Record<string, string> | undefined;
}

function compileRequirement(r: Json): Requirement | undefined {
  const values: string[] = Array.isArray(r.values) ? r.values.map(String) : [];
  const requirement: Requirement = { key: String(r.key ?? ''), operator: String(r.operator ?? ''), values };
  switch (requirement.operator) {
    case 'In':
    case 'NotIn':
      if (!values.length) return undefined;
      requirement.set = new Set(values);
      return requirement;
    case 'Exists':
    case 'DoesNotExist':
      return values.length ? undefined : requirement;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || !/^-?\d+$/.test(values[0]!)) return undefined;
      requirement.number = Number(values[0]);
      return requirement;
    default:
      return undefined;
  }
}

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && r.set!.has(value);
    case 'NotIn':
      return value === undefined || !r.set!.has(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      return r.operator === 'Gt' ? n > r.number! : n < r.number!;
    }
    default:
      return false;
  }
}

export class CompiledNodeSelector {
  private constructor(private readonly terms: (Term | undefined)[]) {}

  /** Compiles `nodeSelectorTerms`; a term with an invalid requirement never matches, as in Kubernetes. */
  static compile(selector: Json | undefined | null): CompiledNodeSelector | undefined {
    if (!selector) return undefined;
    const terms = ((selector.nodeSelectorTerms ?? []) as Json[]).map((term): Term | undefined => {
      const expressions: Requirement[] = [];
      const fields: Requirement[] = [];
      for (const r of (term.matchExpressions ?? []) as Json[]) {
        const compiled = compileRequirement(r);
        if (!compiled) return undefined;
        expressions.push(compiled);
      }
      for (const r of (term.matchFields ?? []) as Json[]) {
        const compiled = compileRequirement(r);
        if (!compiled || compiled.key !== 'metadata.name' || (compiled.operator !== 'In' && compiled.operator !== 'NotIn')) return undefined;
        fields.push(compiled);
      }
      if (!expressions.length && !fields.length) return undefined; // an empty term matches nothing
      return { expressions, fields };
    });
    return new CompiledNodeSelector(terms);
  }

  matches(node: NodeLike): boolean {
    for (const term of this.terms) {
      if (!term) continue;
      let ok = true;
      for (const r of term.expressions) {
        if (!requirementMatches(r, node.labels?.[r.key])) {
          ok = false;
          break;
        }
      }
      if (ok) {
        for (const r of term.fields) {
          if (!requirementMatches(r, node.name)) {
            ok = false;
            break;
          }
        }
      }
      if (ok) return true;
    }
    return false;
  }

  /**
   * The node names every matching node must have, when every term pins `metadata.name In [...]`
   * (DaemonSet pods do): lets the scheduler look at those nodes only.
   */
  pinnedNodeNames(): Set<string> | undefined {
    const names = new Set<string>();
    for (const term of this.terms) {
      if (!term) continue;
      const pin = term.fields.find((r) => r.operator === 'In');
      if (!pin) return undefined;
      for (const name of pin.values) names.add(name);
    }
    return names;
  }
}

/** Whether a plain `nodeSelector` map matches a node's labels. */
export function nodeSelectorMapMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  for (const key in selector) if (labels?.[key] !== selector[key]) return false;
  return true;
}

/** A PV's `spec.nodeAffinity.required` against a node (no affinity: every node). */
export function volumeNodeAffinityMatches(pv: Json, node: NodeLike): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return true;
  return CompiledNodeSelector.compile(required)?.matches(node) ?? true;
}
