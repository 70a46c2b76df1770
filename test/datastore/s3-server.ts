// A local S3-compatible server (s3rver) on loopback with one bucket, for snapshot tests.
import { rmSync } from 'node:fs';
import S3rver from 's3rver';
import { tempDir } from '../e2e/harness.ts';

export interface S3Server {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

export async function startS3(bucket = 'k2-snapshots'): Promise<S3Server> {
  const directory = tempDir('k2-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  return {
    endpoint: `127.0.0.1:${port}`,
    bucket,
    // s3rver's fixed credentials.
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    stop: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
