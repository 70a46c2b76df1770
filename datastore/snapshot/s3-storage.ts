// Snapshots in an S3 bucket (AWS, or any S3-compatible store) with the AWS SDK v3. The SDK is
// loaded only when S3 is used, so a k2 without S3 snapshots never pays for it at start.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseManifest, parseSnapshotFileName, type SnapshotManifest } from './format.ts';
import { sortSnapshots, type SnapshotStorage, type StoredSnapshot } from './storage.ts';

export interface S3Options {
  /** host[:port], or a URL; AWS itself when empty or s3.amazonaws.com. */
  endpoint: string;
  bucket: string;
  region: string;
  /** Key prefix inside the bucket ("" for the top). */
  folder: string;
  accessKey?: string;
  secretKey?: string;
  /** Plain HTTP instead of HTTPS. */
  insecure: boolean;
}

const awsEndpoint = 's3.amazonaws.com';

export class S3Storage implements SnapshotStorage {
  private client?: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }>;
  private readonly folder: string;

  constructor(private readonly options: S3Options) {
    if (!options.bucket) throw new Error('S3 snapshots need a bucket (--snapshot-s3-bucket)');
    if (!!options.accessKey !== !!options.secretKey) throw new Error('give both --snapshot-s3-access-key and --snapshot-s3-secret-key, or neither');
    this.folder = options.folder.replace(/^\/+|\/+$/g, '');
  }

  get description(): string {
    return `s3://${this.options.bucket}/${this.folder}`;
  }

  private connect() {
    // k2 pins the SDK and carries its own Node runtime: the SDK's advice to upgrade Node is not the user's to act on.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client ??= import('@aws-sdk/client-s3').then((sdk) => {
      const { endpoint, region, accessKey, secretKey, insecure } = this.options;
      const custom = endpoint && endpoint !== awsEndpoint;
      const client = new sdk.S3Client({
        region: region || 'us-east-1',
        // Checksums only where S3 requires them: the SDK's default (aws-chunked uploads with
        // trailing checksums) is not understood by many S3-compatible stores.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // Custom endpoints (MinIO, test servers) address buckets by path, not by host name.
        ...(custom ? { endpoint: /^https?:\/\//.test(endpoint) ? endpoint : `${insecure ? 'http' : 'https'}://${endpoint}`, forcePathStyle: true } : {}),
        ...(accessKey ? { credentials: { accessKeyId: accessKey, secretAccessKey: secretKey! } } : {}),
      });
      return { client, sdk };
    });
    return this.client;
  }

  private key(file: string): string {
    if (file.includes('/')) throw new Error(`invalid snapshot file name "${file}"`);
    return this.folder ? `${this.folder}/${file}` : file;
  }

  async upload(localPath: string, file: string): Promise<StoredSnapshot> {
    const { client, sdk } = await this.connect();
    const { size } = await stat(localPath);
    await client.send(new sdk.PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(file), Body: createReadStream(localPath), ContentLength: size }));
    return { file, ...parseSnapshotFileName(file)!, size, location: `s3://${this.options.bucket}/${this.key(file)}` };
  }

  async list(): Promise<StoredSnapshot[]> {
    const { client, sdk } = await this.connect();
    const snapshots: StoredSnapshot[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.folder ? `${this.folder}/` : undefined, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const file = object.Key!.slice(this.folder ? this.folder.length + 1 : 0);
        const parsed = !file.includes('/') && parseSnapshotFileName(file);
        if (parsed) snapshots.push({ file, ...parsed, size: object.Size ?? 0, location: `s3://${this.options.bucket}/${object.Key}` });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return sortSnapshots(snapshots);
  }

  async manifest(file: string): Promise<SnapshotManifest> {
    const { client, sdk } = await this.connect();
    const object = await client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(file), Range: 'bytes=0-65535' }));
    const head = Buffer.from(await object.Body!.transformToByteArray());
    return parseManifest(head, `s3://${this.options.bucket}/${this.key(file)}`);
  }

  async download(file: string, localPath: string): Promise<void> {
    const { client, sdk } = await this.connect();
    const object = await client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(file) }));
    await pipeline(object.Body as Readable, createWriteStream(localPath, { mode: 0o600 }));
  }

  async delete(file: string): Promise<void> {
    const { client, sdk } = await this.connect();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(file) }));
  }

  async close(): Promise<void> {
    if (this.client) (await this.client).client.destroy();
  }
}
