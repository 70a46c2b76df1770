// The cluster PKI on later starts: certificates are reused while they name every wanted host and address, the
// serving certificate is reissued when one is added, and a loaded CA still signs (its key imported on first use).
import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreatePki } from '../../apiserver/pki.ts';
import { tempDir } from '../e2e/harness.ts';

describe('cluster PKI', () => {
  const dir = join(tempDir('k2-pki-'), 'tls');
  afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
  const sans = ['localhost', 'kubernetes.default.svc', '127.0.0.1', '::1'];

  it('reuses certificates that name every wanted SAN and reissues the serving one when a SAN is added', async () => {
    const first = await loadOrCreatePki(dir, sans);
    expect(first.created).toContain('serving.crt');
    const later = await loadOrCreatePki(dir, sans);
    expect(later.created).toEqual([]);
    expect(later.serving.certPem).toBe(first.serving.certPem);

    const additions = [
      ['2001:db8::10', 'IP Address:2001:DB8:0:0:0:0:0:10'],
      ['192.0.2.10', 'IP Address:192.0.2.10'],
      ['k2.example.test', 'DNS:k2.example.test'],
    ];
    for (const [added, named] of additions) {
      const reissued = await loadOrCreatePki(dir, [...sans, added!]);
      expect(reissued.created).toEqual(['serving.crt', 'serving.key']);
      expect(new X509Certificate(reissued.serving.certPem).subjectAltName!.split(', ')).toContain(named);
      expect((await loadOrCreatePki(dir, [...sans, added!])).created).toEqual([]);
    }
  });

  it('signs with a CA loaded from disk', async () => {
    const { ca } = await loadOrCreatePki(dir, sans);
    const issued = await ca.issue({ commonName: 'someone', usage: 'client', days: 1 });
    const caCert = new X509Certificate(ca.certPem);
    expect(new X509Certificate(issued.certPem).verify(caCert.publicKey)).toBe(true);
  });
});
