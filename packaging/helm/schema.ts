// values.schema.json validation (Helm's ValidateAgainstSchema), each chart against its own values.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type GoMap, isGoMap } from '../gotemplate/values.ts';
import type { Chart } from './chart.ts';
import { jsonRoundTrip } from './gojson.ts';

const compiled = new WeakMap<Buffer, ValidateFunction>();

function validatorFor(schemaText: Buffer, chartName: string): ValidateFunction {
  const cached = compiled.get(schemaText);
  if (cached) return cached;
  let schema: Record<string, unknown>;
  try {
    schema = JSON.parse(schemaText.toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${chartName}: values.schema.json is not valid JSON: ${(e as Error).message}`);
  }
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  const options = { allErrors: true, strict: false, validateFormats: false, validateSchema: false };
  const ajv = dialect.includes('2020-12') ? new Ajv2020(options) : dialect.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  const { $schema: _ignored, ...rest } = schema;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(dialect.includes('draft-04') || dialect.includes('draft-06') ? rest : schema);
  } catch (e) {
    throw new Error(`${chartName}: values.schema.json is not a valid schema: ${(e as Error).message}`);
  }
  compiled.set(schemaText, validate);
  return validate;
}

function describe(error: ErrorObject): string {
  const at = error.instancePath || '';
  return `- at '${at}': ${error.message ?? 'invalid'}${error.params && 'additionalProperty' in error.params ? ` '${String(error.params.additionalProperty)}'` : ''}`;
}

/** Validates values against the chart's schema and its sub-charts' schemas; returns the problems found. */
export function validateValues(chart: Chart, values: GoMap): string {
  let report = '';
  if (chart.schema) {
    const validate = validatorFor(chart.schema, chart.metadata.Name);
    if (!validate(jsonRoundTrip(values))) report += `${chart.metadata.Name}:\n${(validate.errors ?? []).map(describe).join('\n')}\n`;
  }
  for (const sub of chart.subcharts) {
    const subValues = values[sub.metadata.Name];
    report += validateValues(sub, isGoMap(subValues) ? subValues : ({} as GoMap));
  }
  return report;
}
