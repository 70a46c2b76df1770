// The OCI distribution client on its own: chunked and monolithic blob uploads, manifests by tag and digest
// against docker-registry; the bearer-token flow against a token-protected registry served by the test;
// and the pieces under it (references, reproducible archives, credentials, repositories).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCredentials, saveCredentials } from '../../packaging/k8sfile/credentials.ts';
import { formatReference, parseReference } from '../../packaging/k8sfile/reference.ts';
import { RegistryClient } from '../../packaging/k8sfile/registry.ts';
import { addRepository, readRepositories, removeRepository } from '../../packaging/k8sfile/repositories.ts';
import { packTarGz, unpackTarGz } from '../../packaging/k8sfile/reproducible-tar.ts';
import { sha256Digest } from '../../packaging/k8sfile/store.ts';
import { tempDir } from '../e2e/harness.ts';
import { type Registry, startRegistry } from './fixtures.ts';

const work = tempDir('k2-k8sfile-registry-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('against docker-registry', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry(join(work, 'registry'));
  });
  afterAll(() => registry?.stop());

  it('uploads a blob in chunks and one in a single PUT, and reads them back', async () => {
    const client = new RegistryClient(registry.host, { chunkSize: 4096 });
    const big = Buffer.alloc(10_000, 7);
    big.write('chunked upload', 0);
    const small = Buffer.from('small blob');
    expect(await client.pushBlob('test/blobs', big)).toBe('pushed');
    expect(await client.pushBlob('test/blobs', small)).toBe('pushed');
    expect(await client.pushBlob('test/blobs', small)).toBe('exists');
    expect(await client.getBlob('test/blobs', sha256Digest(big))).toEqual(big);
    expect(await client.hasBlob('test/blobs', sha256Digest(Buffer.from('absent')))).toBe(false);
    expect(await client.pushBlob('test/other', small, sha256Digest(small), ['test/blobs'])).toBe('mounted');
  });

  it('pushes a manifest by tag and pulls it by tag and by digest', async () => {
    const client = new RegistryClient(registry.host);
    const config = Buffer.from('{}');
    await client.pushBlob('test/manifests', config);
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.k2.artifact.v1', config: { mediaType: 'application/vnd.k2.artifact.config.v1+json', digest: sha256Digest(config), size: config.length }, layers: [] }),
    );
    const digest = await client.putManifest('test/manifests', 'v1', manifest);
    expect(digest).toBe(sha256Digest(manifest));
    expect((await client.getManifest('test/manifests', 'v1')).data).toEqual(manifest);
    expect((await client.getManifest('test/manifests', digest)).digest).toBe(digest);
    await expect(client.getManifest('test/manifests', 'v2')).rejects.toThrow(`${registry.host}/test/manifests:v2 not found in registry ${registry.host}`);
  });
});

describe('bearer-token authentication', () => {
  let server: Server;
  let host: string;
  const tokenRequests: string[] = [];
  const blob = Buffer.from('protected content');
  const digest = sha256Digest(blob);

  beforeAll(async () => {
    // A registry that answers 401 with a Bearer challenge, and a token service that wants basic auth.
    server = createServer((req: IncomingMessage, res) => {
      const url = new URL(req.url!, `http://${host}`);
      if (url.pathname === '/token') {
        tokenRequests.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')}`);
        if (req.headers.authorization !== `Basic ${Buffer.from('robot:pw').toString('base64')}`) {
          res.statusCode = 401;
          return res.end();
        }
        return res.end(JSON.stringify({ token: `token-for-${url.searchParams.get('scope')}` }));
      }
      const m = /^\/v2\/([^]+)\/blobs\/(sha256:[0-9a-f]+)$/.exec(url.pathname);
      if (!m || req.headers.authorization !== `Bearer token-for-repository:${m[1]}:pull`) {
        res.statusCode = 401;
        res.setHeader('www-authenticate', `Bearer realm="http://${host}/token",service="test-registry",scope="repository:${m?.[1] ?? ''}:pull"`);
        return res.end();
      }
      if (m[2] !== digest) {
        res.statusCode = 404;
        return res.end();
      }
      res.end(blob);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gets a token for the scope the challenge names, with basic credentials, and reuses it', async () => {
    const client = new RegistryClient(host, { credentials: { username: 'robot', password: 'pw' } });
    expect(await client.getBlob('team/app', digest)).toEqual(blob);
    expect(await client.getBlob('team/app', digest)).toEqual(blob);
    expect(tokenRequests).toEqual(['test-registry repository:team/app:pull']);
  });

  it('reports refused credentials naming the registry', async () => {
    const client = new RegistryClient(host, { credentials: { username: 'robot', password: 'wrong' } });
    await expect(client.getBlob('team/app', digest)).rejects.toThrow(`registry ${host}: token request to http://${host}/token failed: 401`);
  });
});

describe('references', () => {
  it.each([
    ['app', { repository: 'app' }, 'app:latest'],
    ['team/app:1', { repository: 'team/app', tag: '1' }, 'team/app:1'],
    ['localhost/app:2', { registry: 'localhost', repository: 'app', tag: '2' }, 'localhost/app:2'],
    ['127.0.0.1:5000/a/b/c:v1.2', { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 'v1.2' }, '127.0.0.1:5000/a/b/c:v1.2'],
    [`registry.example/app@sha256:${'a'.repeat(64)}`, { registry: 'registry.example', repository: 'app', digest: `sha256:${'a'.repeat(64)}` }, `registry.example/app@sha256:${'a'.repeat(64)}`],
  ])('parses %s', (text, parsed, formatted) => {
    expect(parseReference(text)).toEqual({ registry: undefined, tag: undefined, digest: undefined, ...parsed });
    expect(formatReference(parseReference(text))).toBe(formatted);
  });

  it.each([
    ['Team/App:1', 'the repository must be lowercase'],
    ['app:bad tag', 'bad tag'],
    ['app@sha256:1234', 'the digest must be sha256:<64 hex digits>'],
  ])('rejects %s', (text, message) => {
    expect(() => parseReference(text)).toThrow(message);
  });
});

describe('reproducible archives', () => {
  it('gives the same bytes for the same files in any order, and reads back', () => {
    const files = [
      { name: 'b.yaml', data: Buffer.from('b') },
      { name: 'a/very/long/path/'.repeat(8) + 'file.yaml', data: Buffer.from('long') },
      { name: 'a.yaml', data: Buffer.alloc(1500, 1) },
    ];
    const one = packTarGz(files);
    const two = packTarGz([...files].reverse());
    expect(one).toEqual(two);
    expect(one.readUInt32LE(4)).toBe(0); // gzip mtime
    expect(unpackTarGz(one).map((e) => [e.name, e.data.length])).toEqual([
      ['a.yaml', 1500],
      [files[1]!.name, 4],
      ['b.yaml', 1],
    ]);
    expect(() => packTarGz([files[0]!, files[0]!])).toThrow('two archive entries named b.yaml');
  });
});

describe('credentials and repositories in the k2 home', () => {
  it('prefers k2 login credentials over docker config.json ones', () => {
    const home = join(work, 'home-credentials');
    const docker = join(work, 'docker');
    mkdirSync(docker, { recursive: true });
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { 'https://reg.example': { auth: Buffer.from('docker:pw1').toString('base64') }, 'other.example:5000': { username: 'plain', password: 'pw2' } } }));
    const previous = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = docker;
    try {
      expect(findCredentials(home, 'reg.example')).toEqual({ username: 'docker', password: 'pw1' });
      expect(findCredentials(home, 'other.example:5000')).toEqual({ username: 'plain', password: 'pw2' });
      saveCredentials(home, 'reg.example', { username: 'k2', password: 'pw:with:colons' });
      expect(findCredentials(home, 'reg.example')).toEqual({ username: 'k2', password: 'pw:with:colons' });
      expect(findCredentials(home, 'unknown.example')).toBeUndefined();
    } finally {
      if (previous === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = previous;
    }
  });

  it('adds, replaces, lists and removes repositories', () => {
    const home = join(work, 'home-repos');
    addRepository(home, { name: 'b', url: 'http://127.0.0.1:1/b' });
    addRepository(home, { name: 'a', url: 'http://127.0.0.1:1/a', username: 'u', password: 'p' });
    addRepository(home, { name: 'b', url: 'http://127.0.0.1:1/b2' });
    expect(readRepositories(home)).toEqual([
      { name: 'a', url: 'http://127.0.0.1:1/a', username: 'u', password: 'p' },
      { name: 'b', url: 'http://127.0.0.1:1/b2' },
    ]);
    expect(readFileSync(join(home, 'repositories.yaml'), 'utf8')).toMatch(/^apiVersion: v1\nrepositories:/);
    removeRepository(home, 'a');
    expect(readRepositories(home).map((r) => r.name)).toEqual(['b']);
    expect(() => removeRepository(home, 'a')).toThrow('no repository named "a"');
    expect(() => addRepository(home, { name: 'bad name', url: 'http://x' })).toThrow('invalid repository name');
    expect(() => addRepository(home, { name: 'x', url: 'ftp://x' })).toThrow('want http(s)://');
  });
});
