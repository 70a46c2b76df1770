// Swagger 2.0 JSON → gnostic `openapi.v2.Document` protobuf, the only form kubectl accepts from
// /openapi/v2. Every `x-` extension becomes NamedAny{name, value: Any{yaml: <JSON text>}}, which
// kube-openapi reads back with a YAML parser (JSON is YAML); defaults and enums are Anys too.
import protobuf from 'protobufjs';
import { gnosticOpenApiV2DescriptorJson } from '../protobuf/generated/gnostic-openapi-v2.ts';

type Json = Record<string, unknown>;

interface DescriptorField {
  id: number;
  type: string;
  rule?: 'repeated';
}
interface Descriptor {
  nested: { openapi: { nested: { v2: { nested: Record<string, { fields: Record<string, DescriptorField> }> } } } };
}

let messages: Record<string, { fields: Record<string, DescriptorField> }> | undefined;

function gnosticMessages(): Record<string, { fields: Record<string, DescriptorField> }> {
  messages ??= (JSON.parse(gnosticOpenApiV2DescriptorJson) as Descriptor).nested.openapi.nested.v2.nested;
  return messages;
}

/**
 * Encodes a Swagger 2.0 document as gnostic protobuf. The gnostic object is written straight
 * from the descriptor's field numbers (protobufjs' Writer does the wire format): going through
 * protobufjs message objects (fromObject, encode) took three to four times as long.
 */
export function encodeSwaggerProtobuf(swagger: Json): Buffer {
  const writer = protobuf.Writer.create();
  writeMessage(writer, 'Document', gnosticDocument(swagger));
  return Buffer.from(writer.finish());
}

/**
 * Parameters repeat across thousands of operations as the same JSON objects: their gnostic form
 * and its encoding are made once per object.
 */
const gnosticParameters = new WeakMap<Json, Json>();
const encodedMessages = new WeakMap<Json, Uint8Array>();

function writeMessage(writer: protobuf.Writer, type: string, value: Json): void {
  const { fields } = gnosticMessages()[type] ?? {};
  if (!fields) throw new Error(`unknown gnostic message openapi.v2.${type}`);
  for (const [name, fieldValue] of Object.entries(value)) {
    if (fieldValue === undefined || fieldValue === null) continue;
    const field = fields[name];
    if (!field) throw new Error(`openapi.v2.${type} has no field ${name}`);
    if (field.rule === 'repeated') {
      for (const item of fieldValue as unknown[]) writeField(writer, field, item);
    } else {
      writeField(writer, field, fieldValue);
    }
  }
}

function writeField(writer: protobuf.Writer, field: DescriptorField, value: unknown): void {
  switch (field.type) {
    case 'string':
      if (value !== '') writer.uint32((field.id << 3) | 2).string(value as string);
      return;
    case 'bool':
      if (value) writer.uint32(field.id << 3).bool(true);
      return;
    case 'int64':
      if (value) writer.uint32(field.id << 3).int64(value as number);
      return;
    case 'double':
      if (value) writer.uint32((field.id << 3) | 1).double(value as number);
      return;
    default: {
      if (!field.type.startsWith('openapi.v2.')) throw new Error(`unsupported gnostic field type ${field.type}`);
      const type = field.type.slice('openapi.v2.'.length);
      if (type === 'ParametersItem') {
        let bytes = encodedMessages.get(value as Json);
        if (!bytes) {
          const own = protobuf.Writer.create();
          writeMessage(own, type, value as Json);
          bytes = own.finish();
          encodedMessages.set(value as Json, bytes);
        }
        writer.uint32((field.id << 3) | 2).bytes(bytes);
        return;
      }
      writer.uint32((field.id << 3) | 2).fork();
      writeMessage(writer, type, value as Json);
      writer.ldelim();
    }
  }
}

const anyOf = (value: unknown): Json => ({ yaml: JSON.stringify(value) });

function vendorExtensions(source: Json): Json[] {
  return Object.entries(source)
    .filter(([key]) => key.startsWith('x-'))
    .map(([name, value]) => ({ name, value: anyOf(value) }));
}

function gnosticDocument(swagger: Json): Json {
  const paths = Object.entries((swagger.paths ?? {}) as Record<string, Json>).map(([name, item]) => ({ name, value: pathItem(item) }));
  const definitions = Object.entries((swagger.definitions ?? {}) as Record<string, Json>).map(([name, schema]) => ({ name, value: gnosticSchema(schema) }));
  return {
    swagger: swagger.swagger,
    info: swagger.info,
    paths: { path: paths },
    definitions: { additional_properties: definitions },
  };
}

function pathItem(item: Json): Json {
  const out: Json = {};
  for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']) {
    if (item[method]) out[method] = operation(item[method] as Json);
  }
  if (item.parameters) out.parameters = (item.parameters as Json[]).map(parameter);
  return out;
}

function operation(source: Json): Json {
  const responses = Object.entries((source.responses ?? {}) as Record<string, Json>).map(([name, response]) => ({
    name,
    value: {
      response: {
        description: response.description,
        ...(response.schema ? { schema: { schema: gnosticSchema(response.schema as Json) } } : {}),
      },
    },
  }));
  return {
    tags: source.tags,
    description: source.description,
    operation_id: source.operationId,
    consumes: source.consumes,
    produces: source.produces,
    schemes: source.schemes,
    parameters: ((source.parameters ?? []) as Json[]).map(parameter),
    responses: { response_code: responses },
    vendor_extension: vendorExtensions(source),
  };
}

function parameter(source: Json): Json {
  let converted = gnosticParameters.get(source);
  if (!converted) {
    converted = gnosticParameter(source);
    gnosticParameters.set(source, converted);
  }
  return converted;
}

function gnosticParameter(source: Json): Json {
  if (source.in === 'body') {
    return {
      parameter: {
        body_parameter: { name: source.name, in: source.in, required: source.required, description: source.description, schema: gnosticSchema(source.schema as Json) },
      },
    };
  }
  const subSchema = {
    name: source.name,
    in: source.in,
    type: source.type,
    description: source.description,
    required: source.required,
    unique_items: source.uniqueItems,
  };
  const kind = { query: 'query_parameter_sub_schema', path: 'path_parameter_sub_schema', header: 'header_parameter_sub_schema', formData: 'form_data_parameter_sub_schema' }[
    source.in as string
  ];
  if (!kind) throw new Error(`parameter ${String(source.name)}: unsupported location ${String(source.in)}`);
  return { parameter: { non_body_parameter: { [kind]: subSchema } } };
}

const numberKeywords: Record<string, string> = {
  multipleOf: 'multiple_of',
  maximum: 'maximum',
  minimum: 'minimum',
  maxLength: 'max_length',
  minLength: 'min_length',
  maxItems: 'max_items',
  minItems: 'min_items',
  maxProperties: 'max_properties',
  minProperties: 'min_properties',
};
const copiedKeywords: Record<string, string> = {
  format: 'format',
  title: 'title',
  description: 'description',
  pattern: 'pattern',
  required: 'required',
  exclusiveMaximum: 'exclusive_maximum',
  exclusiveMinimum: 'exclusive_minimum',
  uniqueItems: 'unique_items',
  discriminator: 'discriminator',
  readOnly: 'read_only',
};

function gnosticSchema(source: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === '$ref') out._ref = value;
    else if (key === 'type') out.type = { value: Array.isArray(value) ? value : [value] };
    else if (key === 'items') out.items = { schema: (Array.isArray(value) ? value : [value]).map((s) => gnosticSchema(s as Json)) };
    else if (key === 'properties') {
      out.properties = { additional_properties: Object.entries(value as Record<string, Json>).map(([name, s]) => ({ name, value: gnosticSchema(s) })) };
    } else if (key === 'additionalProperties') out.additional_properties = typeof value === 'boolean' ? { boolean: value } : { schema: gnosticSchema(value as Json) };
    else if (key === 'allOf') out.all_of = (value as Json[]).map(gnosticSchema);
    else if (key === 'default' || key === 'example') out[key] = anyOf(value);
    else if (key === 'enum') out.enum = (value as unknown[]).map(anyOf);
    else if (numberKeywords[key]) out[numberKeywords[key]] = value;
    else if (copiedKeywords[key]) out[copiedKeywords[key]] = value;
    // Keywords Swagger 2.0 has no place for (nullable, oneOf, …) are left out, as kube-apiserver does.
  }
  const extensions = vendorExtensions(source);
  if (extensions.length) out.vendor_extension = extensions;
  return out;
}
