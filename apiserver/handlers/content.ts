// Content negotiation: request bodies in JSON, YAML or Kubernetes protobuf; responses in JSON
// (or YAML when asked), as objects, server-side Tables or PartialObjectMetadata.
import YAML from 'yaml';
import { maxNestingDepth, maxYamlNestingDepth, valueNestingDepth, yamlNestingDepth } from '../body-limits.ts';
import { errors, StatusError } from '../status.ts';

export interface MediaType {
  type: string;
  params: Record<string, string>;
}

export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const parsed: Record<string, string> = {};
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq > 0) parsed[param.slice(0, eq).trim().toLowerCase()] = param.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    return { type: (type ?? '').toLowerCase(), params: parsed };
  });
}

export type OutputShape =
  | { shape: 'object'; yaml: boolean }
  | { shape: 'table'; version: 'v1' | 'v1beta1' }
  | { shape: 'partial'; version: 'v1' | 'v1beta1'; list: boolean };

const jsonTypes = new Set(['application/json', '*/*', 'application/*']);

/** What the client accepts, in its order of preference. 406 when it accepts nothing k2 speaks. */
export function negotiateOutput(accept: string | undefined): OutputShape {
  const types = parseMediaTypes(accept);
  if (!types.length) return { shape: 'object', yaml: false };
  let sawProtobufOnly = false;
  for (const media of types) {
    const as = media.params.as;
    const isJsonLike = jsonTypes.has(media.type) || media.type === 'application/vnd.kubernetes.protobuf' || media.type === 'application/yaml';
    if (as && (media.params.g === 'meta.k8s.io' || !media.params.g) && isJsonLike) {
      const version = media.params.v === 'v1beta1' ? 'v1beta1' : 'v1';
      if (media.params.v && media.params.v !== 'v1' && media.params.v !== 'v1beta1') continue;
      if (as === 'Table') return { shape: 'table', version };
      if (as === 'PartialObjectMetadata') return { shape: 'partial', version, list: false };
      if (as === 'PartialObjectMetadataList') return { shape: 'partial', version, list: true };
      continue;
    }
    if (as) continue;
    if (jsonTypes.has(media.type)) return { shape: 'object', yaml: false };
    if (media.type === 'application/yaml') return { shape: 'object', yaml: true };
    if (media.type === 'application/vnd.kubernetes.protobuf') sawProtobufOnly = true;
  }
  if (sawProtobufOnly) return { shape: 'object', yaml: false }; // JSON replies are accepted by every kubectl (KUBECTL-WIRE §9)
  throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}

export type ProtobufDecoder = (body: Buffer) => unknown;
let protobufDecoder: ProtobufDecoder | undefined;

/** The protobuf body decoder is provided by the protobuf module when it is loaded. */
export function setProtobufDecoder(decoder: ProtobufDecoder): void {
  protobufDecoder = decoder;
}

/**
 * Limits that keep hostile YAML (alias bombs, deep nesting) from exhausting the server; YAML 1.1
 * tags (!!binary, !!set, !!omap…) stay unresolved, so bodies decode to JSON values only.
 */
const yamlOptions = { maxAliasCount: 100, uniqueKeys: true, resolveKnownTags: false } as const;

export function decodeJson(body: Buffer | string): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

export function decodeYaml(body: Buffer | string): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const tooDeep = () => errors.badRequest(`the request body nests deeper than ${maxYamlNestingDepth} levels`);
  try {
    if (yamlNestingDepth(text) > maxYamlNestingDepth) throw tooDeep();
    const document = YAML.parseDocument(text, yamlOptions);
    if (document.errors.length) throw document.errors[0];
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    // Aliases can nest what the text does not.
    if (valueNestingDepth(value) > maxNestingDepth) throw errors.badRequest(`the request body nests deeper than ${maxNestingDepth} levels`);
    // YAML becomes JSON first, as Kubernetes' YAMLToJSON does: aliases stop being shared objects, and
    // no string keeps the whole body alive (the parser's substrings do) once the object is cached.
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (error) {
    if (error instanceof StatusError) throw error;
    if (error instanceof RangeError) throw tooDeep();
    throw errors.badRequest(`error converting YAML to JSON: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Decodes a create/update body by its Content-Type. */
export function decodeObjectBody(contentType: string | undefined, body: Buffer | undefined): unknown {
  if (!body || body.length === 0) throw errors.badRequest('the body of the request was empty');
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  switch (type) {
    case 'application/json':
    case '':
      return decodeJson(body);
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return decodeYaml(body);
    case 'application/vnd.kubernetes.protobuf':
      if (!protobufDecoder) throw errors.unsupportedMediaType(type);
      return protobufDecoder(body);
    default:
      throw errors.unsupportedMediaType(type);
  }
}
