// Writing responses: objects and lists in the client's version, as JSON (or YAML), Tables or
// PartialObjectMetadata.
import type { FastifyReply } from 'fastify';
import YAML from 'yaml';
import { toServedVersion } from '../registry/conversion.ts';
import { objectJson } from '../registry/object-json.ts';
import { groupVersion, type ServedVersion } from '../registry/registry.ts';
import type { ListResult } from '../registry/store.ts';
import type { KubeObject } from '../registry/types.ts';
import { builtinTableConvertor, defaultTableConvertor, parseIncludeObject, renderTable, type TableConvertor } from '../tables/index.ts';
import type { OutputShape } from './content.ts';

type Query = Record<string, string | string[] | undefined>;

/** Sends text with exactly this Content-Type (a string body would make fastify rewrite it). */
export function sendText(reply: FastifyReply, code: number, contentType: string, text: string): FastifyReply {
  return reply.code(code).header('content-type', contentType).send(Buffer.from(text));
}

export function sendJson(reply: FastifyReply, code: number, body: unknown): FastifyReply {
  return sendText(reply, code, 'application/json', JSON.stringify(body));
}


function includeObjectOf(query: Query) {
  const value = query.includeObject;
  return parseIncludeObject(Array.isArray(value) ? value[0] : value);
}

/** The columns `kubectl get` shows for a kind: its own, Kubernetes' printer for it, or Name and Created At. */
export function tableConvertorFor(served: ServedVersion): TableConvertor {
  const description = served.description;
  return description.table ?? builtinTableConvertor(description.group, description.plural) ?? defaultTableConvertor;
}

export function partialObjectMetadata(object: KubeObject, version: string): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: object.metadata };
}

function tableContentType(version: string): string {
  return `application/json;as=Table;v=${version};g=meta.k8s.io`;
}

export function renderObject(reply: FastifyReply, served: ServedVersion, object: KubeObject, shape: OutputShape, code: number, query: Query): FastifyReply {
  switch (shape.shape) {
    case 'table': {
      const table = renderTable(tableConvertorFor(served), [object], {
        includeObject: includeObjectOf(query),
        apiVersion: `meta.k8s.io/${shape.version}`,
        resourceVersion: object.metadata.resourceVersion,
      });
      return sendText(reply, code, tableContentType(shape.version), JSON.stringify(table));
    }
    case 'partial':
      return sendJson(reply, code, partialObjectMetadata(object, shape.version));
    default:
      if (shape.yaml) return sendText(reply, code, 'application/yaml', YAML.stringify(object));
      return sendText(reply, code, 'application/json', objectJson(object));
  }
}

export function renderList(reply: FastifyReply, served: ServedVersion, result: ListResult, shape: OutputShape, query: Query): FastifyReply {
  const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continue) metadata.continue = result.continue;
  if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
  switch (shape.shape) {
    case 'table': {
      const table = renderTable(tableConvertorFor(served), result.items, {
        includeObject: includeObjectOf(query),
        convertObject: (item) => toServedVersion(served, item),
        apiVersion: `meta.k8s.io/${shape.version}`,
        resourceVersion: result.resourceVersion,
        continue: result.continue,
        remainingItemCount: result.remainingItemCount,
      });
      return sendText(reply, 200, tableContentType(shape.version), JSON.stringify(table));
    }
    case 'partial': {
      const items = result.items.map((item) => partialObjectMetadata(item, shape.version));
      return sendJson(reply, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${shape.version}`, metadata, items });
    }
    default: {
      const apiVersion = groupVersion(served.group, served.version);
      const listKind = served.isStorageVersion && served.description.listKind ? served.description.listKind : `${served.kind}List`;
      const items = served.isStorageVersion ? result.items : result.items.map((item) => toServedVersion(served, item));
      if (shape.yaml) return sendText(reply, 200, 'application/yaml', YAML.stringify({ kind: listKind, apiVersion, metadata, items }));
      // Items are joined from their cached JSON: a large list costs string concatenation, not serialization.
      const head = `{"kind":${JSON.stringify(listKind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
      return sendText(reply, 200, 'application/json', `${head}${items.map(objectJson).join(',')}]}`);
    }
  }
}
