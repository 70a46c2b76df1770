// A typical Deployment as people apply it (two containers with ports, env, probes, resources and
// mounts; volumes; a toleration): the object performance figures are measured on.

import type { JsonObject } from '../../apiserver/apply/go-format.ts';

function container(name: string, image: string): JsonObject {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    args: ['--port=8080', '--log-level=info'],
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ],
    env: Array.from({ length: 8 }, (_, i) => ({ name: `SETTING_${i}`, value: `value-${i}` })),
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 15 },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/web' },
      { name: 'data', mountPath: '/data' },
    ],
  };
}

export function typicalDeployment(image = 'registry.example/web:1.4.2'): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'frontend' }, annotations: { 'example.com/owner': 'team-a' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'frontend' } },
        spec: {
          serviceAccountName: 'web',
          containers: [container('web', image), container('proxy', 'registry.example/proxy:2.0')],
          volumes: [
            { name: 'config', configMap: { name: 'web-config' } },
            { name: 'data', emptyDir: {} },
          ],
          tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        },
      },
    },
  };
}
