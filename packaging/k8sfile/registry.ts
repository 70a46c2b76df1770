// A client of the OCI distribution API: blobs (HEAD check, monolithic or chunked upload, verified
// download) and manifests (push by tag, pull by tag or digest), with basic auth and the bearer-token
// flow a WWW-Authenticate challenge asks for. Loopback registries are spoken to over plain HTTP.
import type { Credentials } from './credentials.ts';
import { isDigest, ociManifestMediaType, sha256Digest } from './store.ts';

export class RegistryError extends Error {
  override name = 'RegistryError';
}

export interface RegistryClientOptions {
  credentials?: Credentials;
  /** Plain HTTP even for a host that is not loopback. */
  plainHttp?: boolean;
  timeoutMs?: number;
  /** Blobs larger than this are uploaded in PATCH chunks of this size (default 8 MiB). */
  chunkSize?: number;
}

export function isLoopbackHost(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

type Action = 'pull' | 'push';

export class RegistryClient {
  readonly base: string;
  private readonly tokens = new Map<string, string>();
  private useBasic = false;

  constructor(
    readonly registry: string,
    private readonly options: RegistryClientOptions = {},
  ) {
    this.base = `${options.plainHttp || isLoopbackHost(registry) ? 'http' : 'https'}://${registry}`;
  }

  private basicHeader(): string | undefined {
    const c = this.options.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new RegistryError(`cannot reach registry ${this.registry}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
  }

  /** Answers a WWW-Authenticate challenge: basic credentials, or a bearer token from the realm. */
  private async authenticate(challenge: string, scope: string): Promise<boolean> {
    if (/^Basic\b/i.test(challenge)) {
      if (!this.options.credentials || this.useBasic) return false;
      this.useBasic = true;
      return true;
    }
    const bearer = /^Bearer\s+(.*)$/i.exec(challenge);
    if (!bearer) return false;
    const params = Object.fromEntries([...bearer[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) return false;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? scope);
    const basic = this.basicHeader();
    const response = await this.fetch(url.toString(), { headers: basic ? { authorization: basic } : {} });
    if (!response.ok) throw new RegistryError(`registry ${this.registry}: token request to ${url.origin}${url.pathname} failed: ${response.status} ${response.statusText}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`registry ${this.registry}: the token service gave no token`);
    this.tokens.set(scope, token);
    return true;
  }

  /** Sends a request with whatever authorization the registry asked for before; answers one challenge. */
  async request(method: string, pathOrUrl: string, repository: string | undefined, action: Action, init: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const scope = repository ? `repository:${repository}:${action === 'push' ? 'pull,push' : 'pull'}` : '';
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...init.headers };
      const token = this.tokens.get(scope);
      if (token) headers.authorization = `Bearer ${token}`;
      else if (this.useBasic && this.basicHeader()) headers.authorization = this.basicHeader()!;
      const response = await this.fetch(url, { method, headers, body: init.body });
      if (response.status !== 401 || attempt > 0) return this.checkDenied(response, repository);
      await response.arrayBuffer();
      if (!(await this.authenticate(response.headers.get('www-authenticate') ?? '', scope))) {
        throw new RegistryError(
          this.options.credentials
            ? `registry ${this.registry} refused the credentials of ${this.options.credentials.username}`
            : `registry ${this.registry} wants credentials: k2 login ${this.registry}`,
        );
      }
    }
  }

  private checkDenied(response: Response, repository: string | undefined): Response {
    if (response.status === 401 && this.options.credentials) {
      throw new RegistryError(`registry ${this.registry} refused the credentials of ${this.options.credentials.username}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError(`registry ${this.registry} denied access${repository ? ` to ${repository}` : ''}: ${response.status} ${response.statusText}`);
    }
    return response;
  }

  private async failure(response: Response, what: string): Promise<RegistryError> {
    const text = await response.text().catch(() => '');
    let detail = '';
    try {
      const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
      detail = errors.map((e) => `${e.code ?? ''}${e.message ? `: ${e.message}` : ''}`).join('; ');
    } catch {
      detail = text.slice(0, 200);
    }
    return new RegistryError(`${what}: ${response.status} ${response.statusText}${detail ? ` (${detail})` : ''}`);
  }

  /** GET /v2/: checks that the registry answers and accepts the credentials. */
  async ping(): Promise<void> {
    const response = await this.request('GET', '/v2/', undefined, 'pull');
    if (!response.ok) throw await this.failure(response, `registry ${this.registry} /v2/`);
    await response.arrayBuffer();
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`, repository, 'push');
    if (response.status === 404) return false;
    if (!response.ok) throw await this.failure(response, `checking blob ${digest} in ${this.registry}/${repository}`);
    return true;
  }

  /**
   * Uploads a blob unless the registry has it in this repository, or can mount it from one of
   * `mountFrom` (repositories of the same registry, e.g. the artifact's parents).
   */
  async pushBlob(repository: string, data: Buffer, digest = sha256Digest(data), mountFrom: string[] = []): Promise<'exists' | 'mounted' | 'pushed'> {
    if (await this.hasBlob(repository, digest)) return 'exists';
    const what = `uploading blob ${digest} to ${this.registry}/${repository}`;
    for (const from of mountFrom.filter((r) => r !== repository)) {
      const mount = await this.request('POST', `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, repository, 'push');
      await mount.arrayBuffer();
      if (mount.status === 201) return 'mounted';
      if (mount.status === 202) {
        // The registry started an upload instead: cancel it, then try the next source or upload.
        const location = mount.headers.get('location');
        if (location) await (await this.request('DELETE', new URL(location, this.base).toString(), repository, 'push')).arrayBuffer();
      }
    }
    const start = await this.request('POST', `/v2/${repository}/blobs/uploads/`, repository, 'push');
    if (start.status !== 202) throw await this.failure(start, what);
    await start.arrayBuffer();
    let location = this.location(start, what);
    const chunkSize = this.options.chunkSize ?? 8 * 1024 * 1024;
    let body: Buffer | undefined = data;
    if (data.length > chunkSize) {
      for (let offset = 0; offset < data.length; offset += chunkSize) {
        const chunk = data.subarray(offset, Math.min(offset + chunkSize, data.length));
        const patch = await this.request('PATCH', location, repository, 'push', {
          body: chunk,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}`, 'content-length': String(chunk.length) },
        });
        if (patch.status !== 202) throw await this.failure(patch, what);
        await patch.arrayBuffer();
        location = this.location(patch, what);
      }
      body = undefined;
    }
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const put = await this.request('PUT', url.toString(), repository, 'push', { body: body ?? Buffer.alloc(0), headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw await this.failure(put, what);
    await put.arrayBuffer();
    return 'pushed';
  }

  private location(response: Response, what: string): string {
    const location = response.headers.get('location');
    if (!location) throw new RegistryError(`${what}: the registry gave no upload location`);
    return new URL(location, this.base).toString();
  }

  /** Downloads a blob and checks its digest. */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    const response = await this.request('GET', `/v2/${repository}/blobs/${digest}`, repository, 'pull');
    if (!response.ok) throw await this.failure(response, `fetching blob ${digest} from ${this.registry}/${repository}`);
    const data = Buffer.from(await response.arrayBuffer());
    const actual = sha256Digest(data);
    if (actual !== digest) throw new RegistryError(`blob ${digest} from ${this.registry}/${repository} has digest ${actual}`);
    return data;
  }

  /** Pushes a manifest under a tag (or its digest); returns its digest. */
  async putManifest(repository: string, reference: string, manifest: Buffer, mediaType = ociManifestMediaType): Promise<string> {
    const digest = sha256Digest(manifest);
    const response = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, repository, 'push', { body: manifest, headers: { 'content-type': mediaType } });
    if (response.status !== 201) throw await this.failure(response, `pushing manifest ${this.registry}/${repository}:${reference}`);
    await response.arrayBuffer();
    const reported = response.headers.get('docker-content-digest');
    if (reported && reported !== digest) throw new RegistryError(`registry ${this.registry} stored manifest ${reported}, expected ${digest}`);
    return digest;
  }

  /** Fetches a manifest by tag or digest; checks the digest. */
  async getManifest(repository: string, reference: string): Promise<{ data: Buffer; digest: string; mediaType: string }> {
    const response = await this.request('GET', `/v2/${repository}/manifests/${reference}`, repository, 'pull', { headers: { accept: ociManifestMediaType } });
    const name = `${this.registry}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    if (response.status === 404) {
      await response.arrayBuffer();
      throw new RegistryError(`${name} not found in registry ${this.registry}`);
    }
    if (!response.ok) throw await this.failure(response, `fetching manifest ${name}`);
    const data = Buffer.from(await response.arrayBuffer());
    const digest = sha256Digest(data);
    const expected = isDigest(reference) ? reference : response.headers.get('docker-content-digest');
    if (expected && expected !== digest) throw new RegistryError(`manifest ${name} has digest ${digest}, expected ${expected}`);
    return { data, digest, mediaType: response.headers.get('content-type') ?? ociManifestMediaType };
  }
}
