// Keeps k2's OpenAPI documents for the current set of served resources. Documents are built on
// first request after a change (setResources) and kept as encoded bytes with their hashes, so
// that kubectl's repeated fetches (1.5 MB for v2) cost nothing.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { builtinSchemas, type BuiltinSchemas } from './builtin-schemas.ts';
import { groupVersionContents, renderOpenApiV3, renderSwagger, type GroupVersionContent } from './documents.ts';
import type { ApiResourceInfo } from './operations.ts';
import { encodeSwaggerProtobuf } from './v2-protobuf.ts';

/** One encoded document: its bytes, the sha512 hash kube-openapi uses (upper-case hex) and a gzip copy on demand. */
export class PublishedDocument {
  readonly hash: string;
  #gzipped: Buffer | undefined;

  constructor(
    readonly body: Buffer,
    hash?: string,
  ) {
    this.hash = hash ?? createHash('sha512').update(body).digest('hex').toUpperCase();
  }

  /** The quoted ETag header value. */
  get etag(): string {
    return `"${this.hash}"`;
  }

  get gzipped(): Buffer {
    this.#gzipped ??= gzipSync(this.body);
    return this.#gzipped;
  }
}

interface OpenApiV3Root {
  paths: Record<string, { serverRelativeURL: string }>;
}

function copyResources(resources: ApiResourceInfo[]): ApiResourceInfo[] {
  return resources.map((r) => ({ ...r, verbs: [...r.verbs], subresources: r.subresources.map((s) => ({ ...s, verbs: [...s.verbs] })) }));
}

export class OpenApiPublisher {
  #resources: ApiResourceInfo[] | (() => ApiResourceInfo[]) = [];
  #contents: GroupVersionContent[] | undefined;
  /** The rendered Swagger object is kept only until its protobuf form exists. */
  #v2: { json: PublishedDocument; swagger?: Record<string, unknown>; protobuf?: PublishedDocument } | undefined;
  #v3 = new Map<string, PublishedDocument>();
  /** v3 forms of built-in definitions, shared by the documents of one resource set. */
  #v3Definitions = new Map<string, unknown>();
  #v3Root: PublishedDocument | undefined;
  readonly #schemas: () => BuiltinSchemas;

  constructor(options: { schemas?: () => BuiltinSchemas } = {}) {
    this.#schemas = options.schemas ?? builtinSchemas;
  }

  /**
   * Replaces the served resources (CRDs come and go); documents and hashes are rebuilt lazily. A function
   * is called only when a document is first asked for: the built-in schemas it needs cost startup time.
   */
  setResources(resources: ApiResourceInfo[] | (() => ApiResourceInfo[])): void {
    this.#resources = typeof resources === 'function' ? resources : copyResources(resources);
    this.#contents = undefined;
    this.#v2 = undefined;
    this.#v3 = new Map();
    this.#v3Definitions = new Map();
    this.#v3Root = undefined;
  }

  #groupVersions(): GroupVersionContent[] {
    if (typeof this.#resources === 'function') this.#resources = copyResources(this.#resources());
    this.#contents ??= groupVersionContents(this.#resources, this.#schemas());
    return this.#contents;
  }

  /** The Swagger 2.0 document as JSON. */
  v2Json(): PublishedDocument {
    if (!this.#v2) {
      const swagger = renderSwagger(this.#groupVersions(), this.#schemas());
      this.#v2 = { json: new PublishedDocument(Buffer.from(JSON.stringify(swagger))), swagger };
    }
    return this.#v2.json;
  }

  /** The Swagger 2.0 document as gnostic protobuf; it shares the JSON's ETag, as kube-openapi's does. */
  v2Protobuf(): PublishedDocument {
    const json = this.v2Json();
    const v2 = this.#v2!;
    if (!v2.protobuf) {
      v2.protobuf = new PublishedDocument(encodeSwaggerProtobuf(v2.swagger!), json.hash);
      delete v2.swagger;
    }
    return v2.protobuf;
  }

  /** The group versions with a v3 document: `api/v1`, `apis/apps/v1`, … */
  v3Keys(): string[] {
    return this.#groupVersions().map((c) => c.key);
  }

  /** The OpenAPI 3.0 document of one group version (`apis/apps/v1`), or undefined. */
  v3(key: string): PublishedDocument | undefined {
    const cached = this.#v3.get(key);
    if (cached) return cached;
    const content = this.#groupVersions().find((c) => c.key === key);
    if (!content) return undefined;
    const document = new PublishedDocument(Buffer.from(JSON.stringify(renderOpenApiV3(content, this.#schemas(), this.#v3Definitions))));
    this.#v3.set(key, document);
    return document;
  }

  /** `/openapi/v3`: every group version with the URL of its current document. */
  v3Root(): PublishedDocument {
    if (!this.#v3Root) {
      const root: OpenApiV3Root = { paths: {} };
      for (const key of this.v3Keys()) root.paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${this.v3(key)!.hash}` };
      this.#v3Root = new PublishedDocument(Buffer.from(JSON.stringify(root)));
    }
    return this.#v3Root;
  }
}
