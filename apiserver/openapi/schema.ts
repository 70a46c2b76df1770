// The schema shape every part of k2 reads: OpenAPI (v2 `definitions` / v3 `components.schemas`)
// schema objects with Kubernetes' extensions. Built-in kinds get theirs from the generated schema
// facts; CustomResourceDefinitions bring their own (inline, without $ref). Strategic merge patch,
// server-side apply, strict field validation, pruning and `kubectl explain` all read this shape.

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface OpenApiSchema {
  type?: string;
  format?: string;
  /** `#/definitions/<name>` (v2) or `#/components/schemas/<name>` (v3). */
  $ref?: string;
  allOf?: OpenApiSchema[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  nullable?: boolean;
  'x-kubernetes-patch-merge-key'?: string;
  /** e.g. `merge`, `retainKeys`, `merge,retainKeys`, `replace`. */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  [extension: `x-${string}`]: unknown;
}

/** A set of named definitions that $refs point into. */
export interface SchemaDefinitions {
  /** The definition a `$ref` (either form) or a bare name points to. */
  definition(nameOrRef: string): OpenApiSchema | undefined;
}
