// CEL for admission (webhook matchConditions, admission policies): expressions over `object`,
// `oldObject`, `request` (the AdmissionRequest a webhook would get) and, for policies, `params`,
// `namespaceObject` and `variables`, evaluated with @bufbuild/cel. Kubernetes' CEL extension
// libraries (authorizer, quantity, url, ip…) are not there: an expression using one is an error.
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';

export interface MatchCondition {
  name: string;
  expression: string;
}

type Evaluate = (bindings: Record<string, CelInput>) => unknown;

/** A condition ready to evaluate, or the reason it cannot be. */
export interface CompiledCondition {
  name: string;
  expression: string;
  evaluate?: Evaluate;
  compileError?: string;
}

// Made on the first expression, not when this module loads: the executable loads the CEL library only then.
let environment: ReturnType<typeof celEnv> | undefined;

/** Parses and plans an expression; the message says why it cannot be (for validation and for matching). */
export function compileExpression(expression: string): { evaluate?: Evaluate; error?: string } {
  try {
    environment ??= celEnv();
    return { evaluate: plan(environment, parse(expression)) };
  } catch (error) {
    return { error: `compilation failed: ${(error as Error).message}` };
  }
}

export function compileConditions(conditions: MatchCondition[]): CompiledCondition[] {
  return conditions.map((condition) => {
    const { evaluate, error } = compileExpression(condition.expression);
    return { name: condition.name, expression: condition.expression, evaluate, compileError: error };
  });
}

/** `error` set: some condition failed to evaluate and none was false. */
export interface ConditionsResult {
  matches: boolean;
  error?: string;
}

/**
 * Kubernetes' rule: any condition false → the webhook is skipped; otherwise any error → the error
 * (the caller applies the failurePolicy); otherwise it is called.
 */
export function evaluateConditions(conditions: CompiledCondition[], bindings: Record<string, unknown>): ConditionsResult {
  const problems: string[] = [];
  for (const condition of conditions) {
    if (!condition.evaluate) {
      problems.push(`matchCondition '${condition.name}': ${condition.compileError}`);
      continue;
    }
    const result = condition.evaluate(bindings as Record<string, CelInput>);
    if (isCelError(result)) problems.push(`matchCondition '${condition.name}': expression '${condition.expression}' resulted in error: ${result.message}`);
    else if (typeof result !== 'boolean') problems.push(`matchCondition '${condition.name}': expression '${condition.expression}' must evaluate to bool`);
    else if (!result) return { matches: false };
  }
  return problems.length ? { matches: false, error: problems.join(', ') } : { matches: true };
}
