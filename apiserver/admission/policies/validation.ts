// Validation of ValidatingAdmissionPolicies and their bindings with kube-apiserver's field errors,
// for what k2 enforces: expressions that parse, known failure policies, reasons and actions.
// (A policy without matchConstraints is accepted and matches nothing; kube-apiserver requires them.)
import { fieldError } from '../../registry/field-errors.ts';
import type { KubeObject } from '../../registry/types.ts';
import type { StatusCause } from '../../status.ts';
import { compileExpression } from '../cel-expressions.ts';

type Json = Record<string, any>;

function expressionErrors(field: string, expression: unknown, required = true): StatusCause[] {
  if (expression === undefined || expression === null || expression === '') return required ? [fieldError.required(field)] : [];
  const { error } = compileExpression(String(expression));
  return error ? [fieldError.invalid(field, expression, error)] : [];
}

function supported(field: string, value: unknown, values: string[]): StatusCause[] {
  return value !== undefined && value !== null && !values.includes(value as string) ? [fieldError.notSupported(field, value, values)] : [];
}

/** Field errors of a ValidatingAdmissionPolicy (stored form). */
export function validateAdmissionPolicy(policy: KubeObject): StatusCause[] {
  const spec = (policy.spec ?? {}) as Json;
  const causes = supported('spec.failurePolicy', spec.failurePolicy, ['Fail', 'Ignore']);
  const validations = (spec.validations ?? []) as Json[];
  if (!validations.length && !(spec.auditAnnotations ?? []).length) causes.push(fieldError.required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  validations.forEach((validation, i) => {
    causes.push(...expressionErrors(`spec.validations[${i}].expression`, validation.expression));
    causes.push(...expressionErrors(`spec.validations[${i}].messageExpression`, validation.messageExpression, false));
    causes.push(...supported(`spec.validations[${i}].reason`, validation.reason, ['Forbidden', 'Invalid', 'RequestEntityTooLarge']));
  });
  ((spec.variables ?? []) as Json[]).forEach((variable, i) => {
    if (!variable.name) causes.push(fieldError.required(`spec.variables[${i}].name`));
    causes.push(...expressionErrors(`spec.variables[${i}].expression`, variable.expression));
  });
  ((spec.matchConditions ?? []) as Json[]).forEach((condition, i) => causes.push(...expressionErrors(`spec.matchConditions[${i}].expression`, condition.expression)));
  ((spec.auditAnnotations ?? []) as Json[]).forEach((annotation, i) => causes.push(...expressionErrors(`spec.auditAnnotations[${i}].valueExpression`, annotation.valueExpression)));
  if (spec.paramKind) {
    if (!spec.paramKind.apiVersion) causes.push(fieldError.required('spec.paramKind.apiVersion'));
    if (!spec.paramKind.kind) causes.push(fieldError.required('spec.paramKind.kind'));
  }
  return causes;
}

/** Field errors of a ValidatingAdmissionPolicyBinding (stored form). */
export function validateAdmissionPolicyBinding(binding: KubeObject): StatusCause[] {
  const spec = (binding.spec ?? {}) as Json;
  const causes: StatusCause[] = [];
  if (!spec.policyName) causes.push(fieldError.required('spec.policyName'));
  const actions = (spec.validationActions ?? []) as string[];
  if (!actions.length) causes.push(fieldError.required('spec.validationActions', 'at least one validation action is required'));
  const seen = new Set<string>();
  actions.forEach((action, i) => {
    causes.push(...supported(`spec.validationActions[${i}]`, action, ['Audit', 'Deny', 'Warn']));
    if (seen.has(action)) causes.push(fieldError.duplicate(`spec.validationActions[${i}]`, action));
    seen.add(action);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    causes.push(
      fieldError.invalid('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'),
    );
  }
  const ref = spec.paramRef as Json | undefined;
  if (ref) {
    if (Boolean(ref.name) === Boolean(ref.selector)) causes.push(fieldError.required('spec.paramRef', 'one of name or selector must be specified'));
    if (!ref.parameterNotFoundAction) causes.push(fieldError.required('spec.paramRef.parameterNotFoundAction'));
    else causes.push(...supported('spec.paramRef.parameterNotFoundAction', ref.parameterNotFoundAction, ['Allow', 'Deny']));
  }
  return causes;
}
