// Schema definitions for removed apiVersions that the generated facts lack (kinds removed before
// the oldest document and Go types they are built from) or describe from a document older than
// the version's final Go types. Each is derived from the definitions of the version it became, as
// Kubernetes' own Go types of old versions mirror their successors field for field ("schema
// parity", ../shared/facts/conversions.md §0); the few renames are applied on top. Applied once,
// when the built-in schemas load.
import type { GroupVersionKind, OpenApiSchema } from './schema.ts';

type Definitions = Map<string, OpenApiSchema>;

const refPrefix = '#/definitions/';

function packageOf(name: string): string {
  return name.slice(0, name.lastIndexOf('.'));
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

function refsIn(schema: unknown, found: Set<string>): void {
  if (Array.isArray(schema)) for (const item of schema) refsIn(item, found);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') found.add(value.slice(refPrefix.length));
      else if (key !== 'default' && key !== 'enum' && key !== 'example') refsIn(value, found);
    }
  }
}

function rewriteRefs(schema: unknown, rename: (name: string) => string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => rewriteRefs(item, rename));
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') out[key] = refPrefix + rename(value.slice(refPrefix.length));
    else if (key === 'default' || key === 'enum' || key === 'example') out[key] = structuredClone(value);
    else out[key] = rewriteRefs(value, rename);
  }
  return out;
}

interface CopyOptions {
  /** The package the copies go to, e.g. `io.k8s.api.admissionregistration.v1beta1`. */
  to: string;
  gvk: GroupVersionKind;
  /** Type name renames (`StatefulSet` → `PetSet`), applied as prefixes of the short names. */
  renames?: [string, string][];
}

/**
 * Copies `root` (and its List) with every definition of the root's package it reaches into
 * another package, renaming types as asked, and returns the copied root's name.
 */
function copyFamily(definitions: Definitions, root: string, options: CopyOptions): string {
  const fromPackage = packageOf(root);
  const family = new Set<string>();
  const visit = (name: string) => {
    if (family.has(name) || packageOf(name) !== fromPackage || !definitions.has(name)) return;
    family.add(name);
    const refs = new Set<string>();
    refsIn(definitions.get(name), refs);
    for (const ref of refs) visit(ref);
  };
  visit(root);
  visit(`${root}List`);
  const renamed = (name: string): string => {
    if (!family.has(name)) return name;
    let short = shortName(name);
    for (const [from, to] of options.renames ?? []) if (short.startsWith(from)) short = to + short.slice(from.length);
    return `${options.to}.${short}`;
  };
  for (const name of family) {
    const copy = rewriteRefs(definitions.get(name), renamed) as OpenApiSchema;
    delete copy['x-kubernetes-group-version-kind'];
    if (name === root) copy['x-kubernetes-group-version-kind'] = [options.gvk];
    if (name === `${root}List`) copy['x-kubernetes-group-version-kind'] = [{ ...options.gvk, kind: `${options.gvk.kind}List` }];
    definitions.set(renamed(name), copy);
  }
  return renamed(root);
}

function renameProperty(schema: OpenApiSchema | undefined, from: string, to: string): void {
  if (!schema?.properties || !(from in schema.properties)) return;
  const { [from]: property, ...rest } = schema.properties;
  schema.properties = { ...rest, [to]: property! };
  if (schema.required) schema.required = schema.required.map((name) => (name === from ? to : name));
}

const ref = (name: string): OpenApiSchema => ({ $ref: refPrefix + name });
const meta = (kind: string) => ref(`io.k8s.apimachinery.pkg.apis.meta.v1.${kind}`);
const core = (kind: string) => ref(`io.k8s.api.core.v1.${kind}`);
const string: OpenApiSchema = { type: 'string' };
const strings: OpenApiSchema = { type: 'array', items: string };

/** A kind's definition and its List from its properties. */
function defineKind(definitions: Definitions, name: string, gvk: GroupVersionKind, properties: Record<string, OpenApiSchema>): void {
  definitions.set(name, { type: 'object', properties: { apiVersion: string, kind: string, metadata: meta('ObjectMeta'), ...properties }, 'x-kubernetes-group-version-kind': [gvk] });
  definitions.set(`${name}List`, {
    type: 'object',
    required: ['items'],
    properties: { apiVersion: string, items: { type: 'array', items: ref(name) }, kind: string, metadata: meta('ListMeta') },
    'x-kubernetes-group-version-kind': [{ ...gvk, kind: `${gvk.kind}List` }],
  });
}

const api = (group: string, version: string) => `io.k8s.api.${group}.${version}`;

/** Adds the derived definitions to the generated ones (replacing any of the same name). */
export function addRemovedVersionDefinitions(definitions: Definitions): void {
  const has = (name: string) => definitions.has(name);
  const sameShape: SameShape = (from, group, version, kind, pkg, renames) => {
    if (has(from)) return copyFamily(definitions, from, { to: pkg, gvk: { group, version, kind }, renames });
    return undefined;
  };

  // Documented only by the 1.14 document, whose webhook type was later split and extended: v1's shape.
  sameShape(`${api('admissionregistration', 'v1')}.MutatingWebhookConfiguration`, 'admissionregistration.k8s.io', 'v1beta1', 'MutatingWebhookConfiguration', api('admissionregistration', 'v1beta1'));
  sameShape(`${api('admissionregistration', 'v1')}.ValidatingWebhookConfiguration`, 'admissionregistration.k8s.io', 'v1beta1', 'ValidatingWebhookConfiguration', api('admissionregistration', 'v1beta1'));
  const external = sameShape(`${api('admissionregistration', 'v1')}.ValidatingWebhookConfiguration`, 'admissionregistration.k8s.io', 'v1alpha1', 'ExternalAdmissionHookConfiguration', api('admissionregistration', 'v1alpha1'), [
    ['ValidatingWebhookConfiguration', 'ExternalAdmissionHookConfiguration'],
    ['ValidatingWebhook', 'ExternalAdmissionHook'],
  ]);
  if (external) renameProperty(definitions.get(external), 'webhooks', 'externalAdmissionHooks');
  defineKind(definitions, `${api('admissionregistration', 'v1alpha1')}.InitializerConfiguration`, { group: 'admissionregistration.k8s.io', version: 'v1alpha1', kind: 'InitializerConfiguration' }, {
    initializers: {
      type: 'array',
      items: ref(`${api('admissionregistration', 'v1alpha1')}.Initializer`),
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    },
  });
  definitions.set(`${api('admissionregistration', 'v1alpha1')}.Initializer`, {
    type: 'object',
    required: ['name'],
    properties: { name: string, rules: { type: 'array', items: { type: 'object', properties: { apiGroups: strings, apiVersions: strings, resources: strings } } } },
  });

  // Referenced by apiextensions.k8s.io/v1beta1 JSONSchemaProps (default, enum, example): any JSON.
  const anyJson = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSON';
  if (!has(anyJson)) definitions.set(anyJson, { properties: {} });

  // GA in 1.33 with v1beta1's shape; newer facts describe them, older ones do not.
  for (const kind of ['IPAddress', 'ServiceCIDR']) if (!has(`${api('networking', 'v1')}.${kind}`)) sameShape(`${api('networking', 'v1beta1')}.${kind}`, 'networking.k8s.io', 'v1', kind, api('networking', 'v1'));

  // The 1.14 document predates fields Kubernetes added to these types before removing them.
  sameShape(`${api('policy', 'v1beta1')}.PodSecurityPolicy`, 'extensions', 'v1beta1', 'PodSecurityPolicy', api('extensions', 'v1beta1'));
  sameShape(`${api('scheduling', 'v1beta1')}.PriorityClass`, 'scheduling.k8s.io', 'v1alpha1', 'PriorityClass', api('scheduling', 'v1alpha1'));

  // Alpha versions that ended before the facts begin: their beta successor's shape.
  sameShape(`${api('apps', 'v1beta1')}.StatefulSet`, 'apps', 'v1alpha1', 'PetSet', api('apps', 'v1alpha1'), [['StatefulSet', 'PetSet']]);
  sameShape(`${api('autoscaling', 'v2beta1')}.HorizontalPodAutoscaler`, 'autoscaling', 'v2alpha1', 'HorizontalPodAutoscaler', api('autoscaling', 'v2alpha1'));
  sameShape(`${api('batch', 'v2alpha1')}.CronJob`, 'batch', 'v2alpha1', 'ScheduledJob', api('batch', 'v2alpha1'), [['CronJob', 'ScheduledJob']]);
  sameShape(`${api('certificates', 'v1beta1')}.CertificateSigningRequest`, 'certificates.k8s.io', 'v1alpha1', 'CertificateSigningRequest', api('certificates', 'v1alpha1'));
  sameShape(`${api('discovery', 'v1beta1')}.EndpointSlice`, 'discovery.k8s.io', 'v1alpha1', 'EndpointSlice', api('discovery', 'v1alpha1'));
  for (const kind of ['FlowSchema', 'PriorityLevelConfiguration']) sameShape(`${api('flowcontrol', 'v1beta1')}.${kind}`, 'flowcontrol.apiserver.k8s.io', 'v1alpha1', kind, api('flowcontrol', 'v1alpha1'));
  for (const kind of ['IPAddress', 'ServiceCIDR']) sameShape(`${api('networking', 'v1beta1')}.${kind}`, 'networking.k8s.io', 'v1alpha1', kind, api('networking', 'v1alpha1'));
  sameShape(`${api('policy', 'v1beta1')}.PodDisruptionBudget`, 'policy', 'v1alpha1', 'PodDisruptionBudget', api('policy', 'v1alpha1'));
  for (const kind of ['CSIStorageCapacity', 'VolumeAttachment']) sameShape(`${api('storage', 'v1beta1')}.${kind}`, 'storage.k8s.io', 'v1alpha1', kind, api('storage', 'v1alpha1'));

  // node.k8s.io/v1alpha1 RuntimeClass kept its fields under spec, the handler named runtimeHandler.
  const runtimeClass = sameShape(`${api('node', 'v1beta1')}.RuntimeClass`, 'node.k8s.io', 'v1alpha1', 'RuntimeClass', api('node', 'v1alpha1'));
  if (runtimeClass) {
    const schema = definitions.get(runtimeClass)!;
    const { handler, overhead, scheduling, ...rest } = schema.properties ?? {};
    schema.properties = { ...rest, spec: ref(`${api('node', 'v1alpha1')}.RuntimeClassSpec`) };
    schema.required = ['spec'];
    definitions.set(`${api('node', 'v1alpha1')}.RuntimeClassSpec`, { type: 'object', required: ['runtimeHandler'], properties: { runtimeHandler: handler ?? string, ...(overhead ? { overhead } : {}), ...(scheduling ? { scheduling } : {}) } });
  }

  // extensions/v1beta1 Job (1.2–1.5): batch/v1's, with autoSelector for manualSelector.
  const job = sameShape(`${api('batch', 'v1')}.Job`, 'extensions', 'v1beta1', 'Job', api('extensions', 'v1beta1'));
  if (job) renameProperty(definitions.get(`${api('extensions', 'v1beta1')}.JobSpec`), 'manualSelector', 'autoSelector');

  // extensions/v1beta1 HorizontalPodAutoscaler (1.1–1.5): autoscaling/v1's, with scaleRef and cpuUtilization.
  const hpa = sameShape(`${api('autoscaling', 'v1')}.HorizontalPodAutoscaler`, 'extensions', 'v1beta1', 'HorizontalPodAutoscaler', api('extensions', 'v1beta1'));
  if (hpa) {
    const spec = definitions.get(`${api('extensions', 'v1beta1')}.HorizontalPodAutoscalerSpec`)!;
    const { scaleTargetRef: _ref, targetCPUUtilizationPercentage: _cpu, ...rest } = spec.properties ?? {};
    spec.properties = { ...rest, scaleRef: ref(`${api('extensions', 'v1beta1')}.SubresourceReference`), cpuUtilization: ref(`${api('extensions', 'v1beta1')}.CPUTargetUtilization`) };
    spec.required = ['scaleRef', 'maxReplicas'];
    definitions.set(`${api('extensions', 'v1beta1')}.SubresourceReference`, { type: 'object', properties: { apiVersion: string, kind: string, name: string, subresource: string } });
    definitions.set(`${api('extensions', 'v1beta1')}.CPUTargetUtilization`, { type: 'object', required: ['targetPercentage'], properties: { targetPercentage: { type: 'integer', format: 'int32' } } });
  }

  definitions.set(`${api('extensions', 'v1beta1')}.ReplicationControllerDummy`, {
    type: 'object',
    properties: { apiVersion: string, kind: string },
    'x-kubernetes-group-version-kind': [{ group: 'extensions', version: 'v1beta1', kind: 'ReplicationControllerDummy' }],
  });
  defineKind(definitions, `${api('extensions', 'v1beta1')}.ThirdPartyResource`, { group: 'extensions', version: 'v1beta1', kind: 'ThirdPartyResource' }, {
    description: string,
    versions: { type: 'array', items: { type: 'object', properties: { name: string } } },
  });

  defineKind(definitions, `${api('networking', 'v1alpha1')}.ClusterCIDR`, { group: 'networking.k8s.io', version: 'v1alpha1', kind: 'ClusterCIDR' }, {
    spec: { type: 'object', properties: { nodeSelector: core('NodeSelector'), perNodeHostBits: { type: 'integer', format: 'int32' }, ipv4: string, ipv6: string } },
  });

  defineKind(definitions, `${api('settings', 'v1alpha1')}.PodPreset`, { group: 'settings.k8s.io', version: 'v1alpha1', kind: 'PodPreset' }, {
    spec: {
      type: 'object',
      properties: {
        selector: meta('LabelSelector'),
        env: { type: 'array', items: core('EnvVar') },
        envFrom: { type: 'array', items: core('EnvFromSource') },
        volumes: { type: 'array', items: core('Volume') },
        volumeMounts: { type: 'array', items: core('VolumeMount') },
      },
    },
  });

  const auditregistration = api('auditregistration', 'v1alpha1');
  defineKind(definitions, `${auditregistration}.AuditSink`, { group: 'auditregistration.k8s.io', version: 'v1alpha1', kind: 'AuditSink' }, {
    spec: {
      type: 'object',
      required: ['policy', 'webhook'],
      properties: {
        policy: { type: 'object', required: ['level', 'stages'], properties: { level: string, stages: strings } },
        webhook: {
          type: 'object',
          required: ['clientConfig'],
          properties: {
            throttle: { type: 'object', properties: { qps: { type: 'integer', format: 'int64' }, burst: { type: 'integer', format: 'int64' } } },
            clientConfig: {
              type: 'object',
              properties: {
                url: string,
                service: { type: 'object', required: ['namespace', 'name'], properties: { namespace: string, name: string, path: string, port: { type: 'integer', format: 'int32' } } },
                caBundle: { type: 'string', format: 'byte' },
              },
            },
          },
        },
      },
    },
  });

  addResourceDefinitions(definitions, sameShape);

  // LeaseCandidate v1alpha2 and v1beta1 name one strategy where v1alpha1 listed preferred ones.
  for (const version of ['v1alpha2', 'v1beta1']) {
    const candidate = sameShape(`${api('coordination', 'v1alpha1')}.LeaseCandidate`, 'coordination.k8s.io', version, 'LeaseCandidate', api('coordination', version));
    if (!candidate) continue;
    const spec = definitions.get(`${api('coordination', version)}.LeaseCandidateSpec`)!;
    const { preferredStrategies: _list, ...rest } = spec.properties ?? {};
    spec.properties = { ...rest, strategy: string };
    spec.required = (spec.required ?? []).filter((name) => name !== 'preferredStrategies');
  }
}

type SameShape = (from: string, group: string, version: string, kind: string, pkg: string, renames?: [string, string][]) => string | undefined;

/**
 * Dynamic resource allocation: v1beta1 (1.32) is v1alpha3's shape with each device capacity
 * wrapped ({value}); the classic v1alpha2/v1alpha1 kinds (1.26–1.30) are described from their Go types.
 */
function addResourceDefinitions(definitions: Definitions, sameShape: SameShape): void {
  const alpha3 = api('resource', 'v1alpha3');
  const beta1 = api('resource', 'v1beta1');
  for (const kind of ['DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate', 'ResourceSlice']) sameShape(`${alpha3}.${kind}`, 'resource.k8s.io', 'v1beta1', kind, beta1);
  const basic = definitions.get(`${beta1}.BasicDevice`);
  if (basic?.properties?.capacity) {
    basic.properties.capacity = { type: 'object', additionalProperties: ref(`${beta1}.DeviceCapacity`) };
    definitions.set(`${beta1}.DeviceCapacity`, { type: 'object', required: ['value'], properties: { value: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') } });
  }
  sameShape(`${alpha3}.PodSchedulingContext`, 'resource.k8s.io', 'v1alpha2', 'PodSchedulingContext', api('resource', 'v1alpha2'));
  sameShape(`${alpha3}.PodSchedulingContext`, 'resource.k8s.io', 'v1alpha1', 'PodScheduling', api('resource', 'v1alpha1'), [['PodSchedulingContext', 'PodScheduling']]);
  for (const version of ['v1alpha2', 'v1alpha1']) {
    const pkg = api('resource', version);
    const gvk = (kind: string) => ({ group: 'resource.k8s.io', version, kind });
    const parametersRef = (namespaced: boolean): OpenApiSchema => ({ type: 'object', required: ['kind', 'name'], properties: { apiGroup: string, kind: string, name: string, ...(namespaced ? { namespace: string } : {}) } });
    definitions.set(`${pkg}.ResourceClaimSpec`, { type: 'object', required: ['resourceClassName'], properties: { resourceClassName: string, parametersRef: parametersRef(false), allocationMode: string } });
    defineKind(definitions, `${pkg}.ResourceClaim`, gvk('ResourceClaim'), {
      spec: ref(`${pkg}.ResourceClaimSpec`),
      status: {
        type: 'object',
        properties: {
          driverName: string,
          allocation: {
            type: 'object',
            properties: {
              resourceHandles: { type: 'array', items: { type: 'object', properties: { driverName: string, data: string, structuredData: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
              availableOnNodes: core('NodeSelector'),
              shareable: { type: 'boolean' },
            },
          },
          reservedFor: { type: 'array', items: ref(`${alpha3}.ResourceClaimConsumerReference`), 'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-patch-strategy': 'merge' },
          deallocationRequested: { type: 'boolean' },
        },
      },
    });
    defineKind(definitions, `${pkg}.ResourceClaimTemplate`, gvk('ResourceClaimTemplate'), { spec: { type: 'object', required: ['spec'], properties: { metadata: meta('ObjectMeta'), spec: ref(`${pkg}.ResourceClaimSpec`) } } });
    defineKind(definitions, `${pkg}.ResourceClass`, gvk('ResourceClass'), { driverName: string, parametersRef: parametersRef(true), suitableNodes: core('NodeSelector'), structuredParameters: { type: 'boolean' } });
  }
}
