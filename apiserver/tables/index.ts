// Server-side Tables (`kubectl get` output) for every built-in resource and for custom resources.

export type { CustomResourceColumnDefinition, IncludeObject, Table, TableColumnDefinition, TableConvertor, TableRow, TableRowCondition } from './types.ts';
export { builtinTableConvertor } from './builtin.ts';
export { defaultTableConvertor } from './default.ts';
export { customResourceTableConvertor, customResourceScaleTableConvertor, InvalidPrinterColumnError } from './custom-resource.ts';
export { statusPrinter as statusTableConvertor } from './cluster.ts';
export { parseIncludeObject, renderObjectTable, renderTable, TableRequestError, type RenderTableOptions } from './render.ts';
export { humanDuration } from './duration.ts';
export { canonicalQuantity } from './quantity.ts';
export { parseJsonPathTemplate, jsonPathText, JsonPathError } from './jsonpath.ts';
