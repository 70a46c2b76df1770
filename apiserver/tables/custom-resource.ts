// Tables of custom resources from their CRD's additionalPrinterColumns, as apiextensions-apiserver
// builds them: Name, then each column's JSONPath evaluated on the object and typed by the column.

import { humanDuration } from './duration.ts';
import { JsonPathError, jsonPathText, jsonValue, parseJsonPathTemplate, type JsonPath } from './jsonpath.ts';
import { column, nameColumn, objectName } from './printer.ts';
import type { CustomResourceColumnDefinition, TableColumnDefinition, TableConvertor } from './types.ts';

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** Go's zero time (year 1): a date column shows it as `<unknown>`, like a missing timestamp. */
const goZeroTime = utcMillis(1, 1, 1, 0, 0, 0);

/** Milliseconds of an RFC 3339 timestamp (Go's time.Parse); null for Go's zero time; undefined if it does not parse. */
function parseRfc3339(text: string): number | null | undefined {
  if (text === '' || text === 'null') return null;
  const match = rfc3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let millis = utcMillis(year, month, day, hour, minute, second) + Math.floor(Number(`0${match[7] ?? ''}`) * 1000);
  if (match[8] !== 'Z') {
    const offset = (Number(match[10]) * 60 + Number(match[11])) * 60_000;
    millis += match[9] === '+' ? -offset : offset;
  }
  return millis === goZeroTime ? null : millis;
}

/** A cell of a non-string column: the JSON value when it has the declared type, else null. */
function typedCell(type: string, raw: unknown, now: number): unknown {
  const value = jsonValue(raw);
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const millis = parseRfc3339(value);
      if (millis === undefined) return '<invalid>';
      if (millis === null) return '<unknown>';
      return humanDuration(now - millis);
    }
    default:
      return null;
  }
}

interface CompiledColumn {
  definition: TableColumnDefinition;
  path: JsonPath;
}

function cellOf(compiled: CompiledColumn, object: any, now: number): unknown {
  let results: unknown[][];
  try {
    results = compiled.path.findResults(object);
  } catch (error) {
    // A path that fails on this object (index out of range, wrong type, …) leaves the cell empty.
    if (error instanceof JsonPathError) return null;
    throw error;
  }
  const first = results[0];
  if (!first || first.length === 0) return null;
  return compiled.definition.type === 'string' ? jsonPathText(first[0]) : typedCell(compiled.definition.type, first[0], now);
}

function convertorOf(columns: CompiledColumn[]): TableConvertor {
  return {
    columnDefinitions: [nameColumn, ...columns.map((c) => c.definition)],
    cells: (object: any, now: number) => [objectName(object), ...columns.map((c) => cellOf(c, object, now))],
  };
}

/** A printer column whose JSONPath does not parse; Kubernetes keeps the columns before it. */
export class InvalidPrinterColumnError extends Error {
  constructor(
    readonly jsonPath: string,
    /** Name plus the columns that came before the invalid one. */
    readonly partialConvertor: TableConvertor,
  ) {
    super(`unrecognized column definition "${jsonPath}"`);
  }
}

const ageDefinition: CustomResourceColumnDefinition = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created.',
};

/**
 * The convertor of a served CRD version from its `additionalPrinterColumns`; a version without
 * columns gets a single Age column. Throws InvalidPrinterColumnError for a JSONPath that does not parse.
 */
export function customResourceTableConvertor(columns: readonly CustomResourceColumnDefinition[]): TableConvertor {
  const compiled: CompiledColumn[] = [];
  for (const definition of columns.length ? columns : [ageDefinition]) {
    let path: JsonPath;
    try {
      path = parseJsonPathTemplate(`{${definition.jsonPath}}`);
    } catch (error) {
      if (error instanceof JsonPathError) throw new InvalidPrinterColumnError(definition.jsonPath, convertorOf(compiled));
      throw error;
    }
    compiled.push({
      path,
      definition: column(definition.name, definition.type, definition.description || `Custom resource column at JSONPath ${definition.jsonPath}`, {
        format: definition.format ?? '',
        priority: definition.priority ?? 0,
      }),
    });
  }
  return convertorOf(compiled);
}

/** Table of a custom resource's `/scale` subresource: Desired and Available when the CRD maps them, then Age. */
export function customResourceScaleTableConvertor(scale: { specReplicasPath?: string; statusReplicasPath?: string }): TableConvertor {
  const columns: CustomResourceColumnDefinition[] = [];
  if (scale.specReplicasPath) columns.push({ name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'Replicas wanted.' });
  if (scale.statusReplicasPath) columns.push({ name: 'Available', type: 'integer', jsonPath: '.status.replicas', description: 'Replicas observed.' });
  columns.push(ageDefinition);
  return customResourceTableConvertor(columns);
}
