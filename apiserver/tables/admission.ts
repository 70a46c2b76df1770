// Tables of webhook configurations, admission policies and their bindings.

import { goLabelSelectorString } from './labels.ts';
import { ageColumn, column, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

function webhookConfigurationPrinter() {
  return printer(
    [nameColumn, column('Webhooks', 'integer', 'Number of webhooks in the configuration.'), ageColumn],
    (configuration: any, now) => [objectName(configuration), configuration?.webhooks?.length ?? 0, objectAge(configuration, now)],
  );
}

export const mutatingWebhookConfigurationPrinter = webhookConfigurationPrinter();
export const validatingWebhookConfigurationPrinter = webhookConfigurationPrinter();

/** `apiVersion/kind` of the policy's parameter kind, `<unset>` without one. */
function paramKind(policy: any): string {
  const kind = policy?.spec?.paramKind;
  return kind ? `${text(kind.apiVersion)}/${text(kind.kind)}` : '<unset>';
}

function admissionPolicyPrinter(countColumn: string, description: string, countedField: 'validations' | 'mutations') {
  return printer(
    [nameColumn, column(countColumn, 'integer', description), column('ParamKind', 'string', 'Kind of the resources that parameterise the policy.'), ageColumn],
    (policy: any, now) => [objectName(policy), policy?.spec?.[countedField]?.length ?? 0, paramKind(policy), objectAge(policy, now)],
  );
}

export const validatingAdmissionPolicyPrinter = admissionPolicyPrinter('Validations', 'Number of validation rules.', 'validations');
export const mutatingAdmissionPolicyPrinter = admissionPolicyPrinter('Mutations', 'Number of mutations.', 'mutations');

/** `namespace/name`, `*\/name` when the namespace is not given, or the selector; `<unset>` without a reference. */
function paramReference(binding: any): string {
  const reference = binding?.spec?.paramRef;
  if (!reference) return '<unset>';
  if (reference.name) return reference.namespace ? `${reference.namespace}/${reference.name}` : `*/${reference.name}`;
  if (reference.selector) return goLabelSelectorString(reference.selector);
  return '<unset>';
}

function admissionPolicyBindingPrinter() {
  return printer(
    [
      nameColumn,
      column('PolicyName', 'string', 'The policy this binding applies.'),
      column('ParamRef', 'string', 'The resource that supplies the policy parameters.'),
      ageColumn,
    ],
    (binding: any, now) => [objectName(binding), text(binding?.spec?.policyName), paramReference(binding), objectAge(binding, now)],
  );
}

export const validatingAdmissionPolicyBindingPrinter = admissionPolicyBindingPrinter();
export const mutatingAdmissionPolicyBindingPrinter = admissionPolicyBindingPrinter();
