// Real Kubernetes schemas for tests: the upstream OpenAPI v2 document of 1.31 (read from
// /work/shared/openapi), served through the SchemaDefinitions shape the API server uses.

import { readFileSync } from 'node:fs';
import type { OpenApiSchema, SchemaDefinitions } from '../../apiserver/openapi/schema.ts';
import type { KindSchema } from '../../apiserver/patch/kind-schema.ts';

const swaggerPath = '/work/shared/openapi/v2/swagger-v1.31.json';

let definitions: SchemaDefinitions | undefined;

export function kubeDefinitions(): SchemaDefinitions {
  if (!definitions) {
    const doc = JSON.parse(readFileSync(swaggerPath, 'utf8')) as { definitions: Record<string, OpenApiSchema> };
    const defs = doc.definitions;
    definitions = { definition: (nameOrRef) => defs[nameOrRef.slice(nameOrRef.lastIndexOf('/') + 1)] };
  }
  return definitions;
}

/** The schema of a built-in kind by definition name, e.g. `io.k8s.api.apps.v1.Deployment`. */
export function kubeKind(definition: string): KindSchema {
  const defs = kubeDefinitions();
  const schema = defs.definition(definition);
  if (!schema) throw new Error(`no definition ${definition}`);
  return { schema, definitions: defs };
}
