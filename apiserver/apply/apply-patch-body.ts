// The body of an `application/apply-patch+yaml` request: YAML (kubectl sends JSON, which is YAML
// too). kube-apiserver reads it with go-yaml v2, so YAML 1.1 scalars apply (yes/no/on/off are
// booleans, 0777 is octal) except sexagesimal numbers and timestamps, which stay strings.

import { parse as parseYaml } from 'yaml';
import { StatusError } from '../status.ts';
import { isJsonObject, type JsonObject } from './go-format.ts';

function goYamlV2(text: string): unknown {
  return parseYaml(text, {
    version: '1.1',
    uniqueKeys: false,
    customTags: (tags) => tags.filter((t) => typeof t === 'string' || (t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp' && t.tag !== 'tag:yaml.org,2002:binary')),
  });
}

function goJsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'string';
}

/** The applied object of an apply patch; a 400 StatusError as kube-apiserver words it when it is not one. */
export function decodeApplyPatch(body: string | Uint8Array): JsonObject {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  let value: unknown;
  const trimmed = text.trimStart();
  try {
    value = trimmed.startsWith('{') ? JSON.parse(text) : goYamlV2(text);
  } catch (e) {
    if (trimmed.startsWith('{')) {
      try {
        value = goYamlV2(text);
      } catch (yamlError) {
        throw new StatusError(400, 'BadRequest', `error encoding patch: ${(yamlError as Error).message}`);
      }
    } else {
      throw new StatusError(400, 'BadRequest', `error encoding patch: ${(e as Error).message}`);
    }
  }
  if (value === null || value === undefined) return {};
  if (!isJsonObject(value)) throw new StatusError(400, 'BadRequest', `error decoding patch: json: cannot unmarshal ${goJsonTypeName(value)} into Go value of type map[string]interface {}`);
  return value as JsonObject;
}
