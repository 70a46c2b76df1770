// Protobuf request bodies: objects encoded with protobufjs from ../shared's message facts (as
// kubectl 1.32+ sends them) decode to the JSON kube-apiserver would keep, and malformed bodies
// fail with a ProtobufDecodeError, never anything else.
import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, goDuration, ProtobufDecodeError } from '../../apiserver/protobuf/kubernetes-protobuf.ts';
import { encodeKubernetesProtobuf, type GoJsonLayout } from './kubernetes-protobuf-encoder.ts';

/** Go's JSON layout of the messages below where it differs from the protobuf names (from k8s.io/api). */
const layout: GoJsonLayout = {
  inline: {
    'k8s.io.api.core.v1.Volume': ['volumeSource'],
    'k8s.io.api.core.v1.Probe': ['handler'],
    'k8s.io.api.core.v1.ConfigMapVolumeSource': ['localObjectReference'],
    'k8s.io.api.networking.v1.IngressRule': ['ingressRuleValue'],
  },
  renamed: { 'k8s.io.api.authentication.v1.BoundObjectReference': { uID: 'uid' } },
};

/** Objects as Go's JSON encoder writes them: what encoding exactly these must decode back to. */
const samples: { apiVersion: string; kind: string; message: string; object: Record<string, unknown> }[] = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    message: 'k8s.io.api.core.v1.Pod',
    object: {
      metadata: { name: 'p', namespace: 'default', labels: { app: 'p' }, annotations: { note: '' }, creationTimestamp: '2024-05-01T10:20:30Z', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true, blockOwnerDeletion: false }] },
      spec: {
        volumes: [
          { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
          { name: 'cfg', configMap: { name: 'c', items: [{ key: 'a', path: 'a.txt', mode: 420 }], defaultMode: 0o644 } },
        ],
        containers: [
          {
            name: 'web',
            image: 'nginx:1.25',
            command: ['nginx'],
            args: ['-g', 'daemon off;'],
            ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
            livenessProbe: { httpGet: { path: '/', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 5, periodSeconds: 10 },
            readinessProbe: { tcpSocket: { port: 80 } },
            securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, runAsUser: 0 },
            volumeMounts: [{ name: 'cache', mountPath: '/cache', readOnly: true }],
          },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 0,
        automountServiceAccountToken: false,
        nodeSelector: { disk: 'ssd' },
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }],
      },
      status: { phase: 'Running', podIP: '10.0.0.5', startTime: '2024-05-01T10:20:31Z', containerStatuses: [{ name: 'web', ready: true, restartCount: 0, image: 'nginx:1.25', imageID: '', started: true, state: { running: { startedAt: '2024-05-01T10:20:32Z' } }, lastState: {} }] },
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    message: 'k8s.io.api.apps.v1.Deployment',
    object: {
      metadata: { name: 'd', generation: 3 },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'd' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i', resources: {} }] } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {},
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    message: 'k8s.io.api.core.v1.Service',
    object: { metadata: { name: 's' }, spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }, { port: 443, targetPort: 8443, nodePort: 30443 }], selector: { app: 's' }, type: 'NodePort', sessionAffinity: 'None' }, status: { loadBalancer: {} } },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    message: 'k8s.io.api.core.v1.Secret',
    object: { metadata: { name: 's' }, data: { 'tls.crt': Buffer.from('cert').toString('base64'), empty: '' }, stringData: { x: 'y' }, type: 'kubernetes.io/tls', immutable: false },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    message: 'k8s.io.api.core.v1.ConfigMap',
    object: { metadata: { name: 'c' }, data: { a: 'b', empty: '' }, binaryData: { bin: Buffer.from([0, 1, 2, 255]).toString('base64') } },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    message: 'k8s.io.api.batch.v1.CronJob',
    object: { metadata: { name: 'cj' }, spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { metadata: {}, spec: { backoffLimit: 0, template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'busybox', resources: {} }], restartPolicy: 'OnFailure' } } } } }, status: {} },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    message: 'k8s.io.api.networking.v1.Ingress',
    object: { metadata: { name: 'i' }, spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }] }, status: { loadBalancer: {} } },
  },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    message: 'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler',
    object: { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] }, status: { desiredReplicas: 0 } },
  },
  {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    message: 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
    object: { metadata: {}, spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } }, status: { allowed: false } },
  },
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    message: 'k8s.io.api.authentication.v1.TokenReview',
    object: { metadata: {}, spec: { token: 't' }, status: { authenticated: true, user: { username: 'u', groups: ['g'], extra: { scopes: ['a', 'b'] } } } },
  },
  {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    message: 'k8s.io.api.authentication.v1.TokenRequest',
    object: { metadata: { name: 'sa' }, spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } }, status: { token: '', expirationTimestamp: '2024-05-01T11:20:30Z' } },
  },
  {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    message: 'k8s.io.api.policy.v1.Eviction',
    object: { metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0, propagationPolicy: 'Background', dryRun: ['All'] } },
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    message: 'k8s.io.api.policy.v1.PodDisruptionBudget',
    object: { metadata: { name: 'pdb' }, spec: { minAvailable: 0, selector: { matchLabels: { a: 'b' } } }, status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } },
  },
  {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    message: 'k8s.io.api.events.v1.Event',
    object: { metadata: { name: 'e' }, eventTime: '2024-05-01T10:20:30.123456Z', series: { count: 2, lastObservedTime: '2024-05-01T10:21:30.000001Z' }, reportingController: 'k2', reportingInstance: 'k2-1', action: 'Pull', reason: 'Pulled', regarding: { kind: 'Pod', name: 'p' }, type: 'Normal', deprecatedFirstTimestamp: '2024-05-01T10:20:30Z' },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    message: 'k8s.io.api.apps.v1.ControllerRevision',
    object: { metadata: { name: 'r', managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2024-05-01T10:20:30Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }] }, data: { spec: { template: { x: [1, 2] } } }, revision: 7 },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    message: 'k8s.io.api.rbac.v1.RoleBinding',
    object: { metadata: { name: 'rb' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' } },
  },
  {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    message: 'k8s.io.api.certificates.v1.CertificateSigningRequest',
    object: { metadata: { name: 'csr' }, spec: { request: Buffer.from('-----BEGIN').toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], extra: { k: ['v'] } }, status: {} },
  },
];

describe('Kubernetes protobuf request bodies', () => {
  it.each(samples)('decode $apiVersion $kind to the JSON it was encoded from', ({ apiVersion, kind, message, object }) => {
    const body = encodeKubernetesProtobuf(apiVersion, kind, message, object, layout);
    const decoded = decodeKubernetesProtobuf(body);
    expect(decoded.apiVersion).toBe(apiVersion);
    expect(decoded.kind).toBe(kind);
    expect(decoded.object).toEqual({ apiVersion, kind, ...object });
  });

  it("drop the zero values gogo-protobuf writes for non-pointer fields, as Go's JSON would, and keep set pointers", () => {
    // What kubectl 1.33 sends for `create deployment d --image=nginx`: every non-pointer field.
    const wire = {
      metadata: { name: 'd', generateName: '', namespace: '', selfLink: '', uid: '', resourceVersion: '', generation: 0, creationTimestamp: null, labels: { app: 'd' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'd' } },
        template: {
          metadata: { name: '', creationTimestamp: null, labels: { app: 'd' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', workingDir: '', resources: {}, terminationMessagePath: '', imagePullPolicy: '', stdin: false, stdinOnce: false, tty: false }], restartPolicy: '', dnsPolicy: '', hostNetwork: false, serviceAccountName: '', schedulerName: '' },
        },
        strategy: { type: '' },
        minReadySeconds: 0,
        paused: false,
      },
      status: { observedGeneration: 0, replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 0 },
    };
    const decoded = decodeKubernetesProtobuf(encodeKubernetesProtobuf('apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment', wire));
    expect(decoded.object).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } },
        strategy: {},
      },
      status: {},
    });
  });

  it('treat a zero IntOrString as unset, as Go code does (targetPort then defaults to port)', () => {
    const wire = { metadata: { name: 's' }, spec: { ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 0, nodePort: 0 }], type: 'ClusterIP' } };
    const decoded = decodeKubernetesProtobuf(encodeKubernetesProtobuf('v1', 'Service', 'k8s.io.api.core.v1.Service', wire));
    expect(decoded.object.spec).toEqual({ ports: [{ protocol: 'TCP', port: 80 }], type: 'ClusterIP' });
  });

  it('decode meta kinds sent in any group version, and removed versions', () => {
    const options = decodeKubernetesProtobuf(encodeKubernetesProtobuf('apps/v1', 'DeleteOptions', 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions', { gracePeriodSeconds: 5 }));
    expect(options.object).toEqual({ apiVersion: 'apps/v1', kind: 'DeleteOptions', gracePeriodSeconds: 5 });
    const old = decodeKubernetesProtobuf(
      encodeKubernetesProtobuf('extensions/v1beta1', 'Ingress', 'k8s.io.api.extensions.v1beta1.Ingress', { metadata: { name: 'i' }, spec: { backend: { serviceName: 's', servicePort: 80 } } }),
    );
    expect(old.object.spec).toEqual({ backend: { serviceName: 's', servicePort: 80 } });
  });

  it('print durations as Go does', () => {
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(1.5e9)).toBe('1.5s');
    expect(goDuration(3.6e12 + 2 * 6e10 + 3e9)).toBe('1h2m3s');
    expect(goDuration(300e6)).toBe('300ms');
    expect(goDuration(-90e9)).toBe('-1m30s');
  });

  it('refuse what is not a Kubernetes protobuf body with a clear error', () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('{"kind":"Pod"}'), /does not start with "k8s\\x00"/],
      [Buffer.from('k8s\0', 'latin1'), /names no apiVersion and kind/],
      [encodeKubernetesProtobuf('v1', 'Frobnicator', 'k8s.io.api.core.v1.ConfigMap', {}), /no protobuf message is known for kind Frobnicator in v1/],
      [encodeKubernetesProtobuf('nope.example.com/v1', 'Thing', 'k8s.io.api.core.v1.ConfigMap', {}), /no protobuf message is known for kind Thing/],
      [Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x7f, 0x01])]), /ends early/],
      [Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0b])]), /wire type 3/],
    ];
    for (const [body, message] of cases) expect(() => decodeKubernetesProtobuf(body)).toThrow(message);
  });

  it('never fail with anything but ProtobufDecodeError on truncated or corrupted bodies', () => {
    const body = encodeKubernetesProtobuf('v1', 'Pod', 'k8s.io.api.core.v1.Pod', samples[0]!.object, layout);
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const attempts: Buffer[] = [];
    for (let length = 4; length < body.length; length += 7) attempts.push(body.subarray(0, length));
    for (let i = 0; i < 300; i++) {
      const corrupted = Buffer.from(body);
      for (let flips = 0; flips < 3; flips++) corrupted[4 + Math.floor(random() * (corrupted.length - 4))] = Math.floor(random() * 256);
      attempts.push(corrupted);
    }
    for (const attempt of attempts) {
      try {
        decodeKubernetesProtobuf(attempt);
      } catch (error) {
        expect(error).toBeInstanceOf(ProtobufDecodeError);
      }
    }
  });
});
