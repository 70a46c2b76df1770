// The CRI descriptor k2 carries is generated from the shared CRI field facts; it must match them, and messages
// must survive the protobuf round trip with upstream field numbers.
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { criDescriptor } from '../../kubelet-bridge/cri/client.ts';
import { generate, generatedPath } from '../../kubelet-bridge/cri/generate.ts';
import { sharedPath } from '../../kubelet-bridge/cri/shared-facts.ts';

describe('CRI runtime.v1 descriptor', () => {
  it('is what the generator makes from shared/protobuf/cri-runtime-v1.json', () => {
    const facts = JSON.parse(readFileSync(sharedPath('protobuf/cri-runtime-v1.json'), 'utf8'));
    expect(readFileSync(generatedPath, 'utf8')).toBe(generate(facts));
  });

  it('encodes with upstream field numbers: PodSandboxMetadata{name=1, uid=2, namespace=3, attempt=4}', () => {
    const root = protobuf.Root.fromJSON(criDescriptor as protobuf.INamespace);
    const type = root.lookupType('runtime.v1.PodSandboxMetadata');
    const bytes = type.encode(type.fromObject({ name: 'a', uid: 'b', namespace: 'c', attempt: 2 })).finish();
    expect([...bytes]).toEqual([0x0a, 1, 0x61, 0x12, 1, 0x62, 0x1a, 1, 0x63, 0x20, 2]);
    const status = root.lookupType('runtime.v1.ContainerStatus');
    const decoded = status.toObject(status.decode(status.encode(status.fromObject({ state: 'CONTAINER_EXITED', exitCode: 137, finishedAt: 1_700_000_000_000_000_000, labels: { a: 'b' } })).finish()), { enums: String, longs: Number });
    expect(decoded).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, labels: { a: 'b' } });
    expect(decoded.finishedAt).toBeCloseTo(1.7e18, -6);
  });
});
