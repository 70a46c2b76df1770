// The pure parts of the deploy engine: ApplySet ids (checked against ids kubectl's own tests expect), the
// group-kind forms of the annotations, and the rollout rules `--wait` uses.
import { describe, expect, it } from 'vitest';
import { applySetId, artifactApplySetId, joinSorted, parseGroupKind, shortDigest } from '../../packaging/deploy/applyset.ts';
import { groupKindOf } from '../../packaging/deploy/discovery.ts';
import { isWaitedKind, readinessOf } from '../../packaging/deploy/readiness.ts';

describe('ApplySet ids and annotations', () => {
  it('computes the ids kubectl computes', () => {
    // kubectl's apply_test.go: a Secret parent my-set in namespace test, and a cluster-scoped company.com ApplySet my-set.
    expect(applySetId('my-set', 'test', 'Secret', '')).toBe('applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1');
    expect(applySetId('my-set', '', 'ApplySet', 'company.com')).toBe('applyset-rhp1a-HVAVT_dFgyEygyA1BEB82HPp2o10UiFTpqtAs-v1');
    expect(artifactApplySetId('my-set')).toBe(applySetId('my-set', '', 'Artifact', 'k2.io'));
  });

  it('writes and reads group-kinds as kubectl does', () => {
    expect(groupKindOf('', 'ConfigMap')).toBe('ConfigMap');
    expect(groupKindOf('apps', 'Deployment')).toBe('Deployment.apps');
    expect(parseGroupKind('Certificate.cert-manager.io')).toEqual({ group: 'cert-manager.io', kind: 'Certificate' });
    expect(parseGroupKind('Secret')).toEqual({ group: '', kind: 'Secret' });
    expect(joinSorted(['Service', 'Deployment.apps', 'ConfigMap', 'Service'])).toBe('ConfigMap,Deployment.apps,Service');
    expect(shortDigest('sha256:0123456789abcdef0123')).toBe('0123456789ab');
  });
});

describe('readiness for --wait', () => {
  const deployment = (spec: object, status: object, generation = 2) => ({ metadata: { name: 'web', generation }, spec, status });

  it('follows kubectl rollout status for Deployments', () => {
    expect(readinessOf('apps', 'Deployment', deployment({ replicas: 3 }, { observedGeneration: 1 }))).toEqual({ ready: false, message: 'waiting for deployment web spec update to be observed' });
    expect(readinessOf('apps', 'Deployment', deployment({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 1, replicas: 3 })).message).toBe('deployment web: 1 of 3 new replicas updated');
    expect(readinessOf('apps', 'Deployment', deployment({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 4 })).message).toBe('deployment web: 1 old replicas pending termination');
    expect(readinessOf('apps', 'Deployment', deployment({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 })).message).toBe('deployment web: 2 of 3 updated replicas available');
    expect(readinessOf('apps', 'Deployment', deployment({ replicas: 3 }, { observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }))).toEqual({ ready: true, message: 'deployment web rolled out (3/3)' });
    const stuck = readinessOf('apps', 'Deployment', deployment({}, { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }));
    expect(stuck).toMatchObject({ ready: false, failed: true });
  });

  it('follows kubectl rollout status for StatefulSets and DaemonSets', () => {
    expect(readinessOf('apps', 'StatefulSet', deployment({ replicas: 2 }, { observedGeneration: 2, readyReplicas: 1 })).message).toBe('statefulset web: 1 of 2 pods ready');
    expect(readinessOf('apps', 'StatefulSet', deployment({ replicas: 2 }, { observedGeneration: 2, readyReplicas: 2, currentRevision: 'a', updateRevision: 'b' })).ready).toBe(false);
    expect(readinessOf('apps', 'StatefulSet', deployment({ replicas: 2 }, { observedGeneration: 2, readyReplicas: 2, currentRevision: 'b', updateRevision: 'b' })).ready).toBe(true);
    expect(readinessOf('apps', 'StatefulSet', deployment({ replicas: 4, updateStrategy: { rollingUpdate: { partition: 2 } } }, { observedGeneration: 2, readyReplicas: 4, updatedReplicas: 2 })).ready).toBe(true);
    expect(readinessOf('apps', 'DaemonSet', deployment({}, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 })).message).toBe('daemonset web: 2 of 3 updated pods available');
    expect(readinessOf('apps', 'DaemonSet', deployment({}, { observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 })).ready).toBe(true);
  });

  it('waits for Jobs to complete and CRDs to be established; other kinds are ready once applied', () => {
    expect(readinessOf('batch', 'Job', { metadata: { name: 'j' }, spec: { completions: 2 }, status: { succeeded: 1 } })).toEqual({ ready: false, message: 'job j: 1 of 2 completions' });
    expect(readinessOf('batch', 'Job', { metadata: { name: 'j' }, status: { conditions: [{ type: 'Complete', status: 'True' }] } }).ready).toBe(true);
    expect(readinessOf('batch', 'Job', { metadata: { name: 'j' }, status: { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] } })).toEqual({ ready: false, failed: true, message: 'job j failed: BackoffLimitExceeded' });
    expect(readinessOf('apiextensions.k8s.io', 'CustomResourceDefinition', { metadata: { name: 'a.b' }, status: { conditions: [{ type: 'Established', status: 'True' }] } }).ready).toBe(true);
    expect(isWaitedKind('apps', 'Deployment')).toBe(true);
    expect(isWaitedKind('', 'ConfigMap')).toBe(false);
    expect(readinessOf('', 'ConfigMap', { metadata: { name: 'c' } })).toEqual({ ready: true, message: 'configmap c applied' });
  });
});
