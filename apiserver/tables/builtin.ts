// Which convertor each built-in resource uses: the printers kube-apiserver 1.33 registers, the
// APIService table of kube-aggregator, and the default Name/Created At table for kinds without one.

import { certificateSigningRequestPrinter, clusterTrustBundlePrinter, roleBindingPrinter } from './access.ts';
import {
  mutatingAdmissionPolicyBindingPrinter,
  mutatingAdmissionPolicyPrinter,
  mutatingWebhookConfigurationPrinter,
  validatingAdmissionPolicyBindingPrinter,
  validatingAdmissionPolicyPrinter,
  validatingWebhookConfigurationPrinter,
} from './admission.ts';
import { horizontalPodAutoscalerPrinter, scalePrinter } from './autoscaling.ts';
import {
  componentStatusPrinter,
  configMapPrinter,
  leaseCandidatePrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  priorityClassPrinter,
  resourceQuotaPrinter,
  runtimeClassPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './cluster.ts';
import {
  apiServicePrinter,
  flowSchemaPrinter,
  priorityLevelConfigurationPrinter,
  storageVersionMigrationPrinter,
  storageVersionPrinter,
} from './control-plane.ts';
import { defaultTableConvertor } from './default.ts';
import {
  deviceClassPrinter,
  deviceTaintRulePrinter,
  resourceClaimPrinter,
  resourceClaimTemplatePrinter,
  resourceSlicePrinter,
} from './dynamic-resources.ts';
import { eventPrinter } from './events.ts';
import {
  endpointSlicePrinter,
  endpointsPrinter,
  ingressClassPrinter,
  ingressPrinter,
  ipAddressPrinter,
  networkPolicyPrinter,
  serviceCIDRPrinter,
  servicePrinter,
} from './network.ts';
import { podPrinter, podTemplatePrinter } from './pods.ts';
import {
  csiDriverPrinter,
  csiNodePrinter,
  csiStorageCapacityPrinter,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  storageClassPrinter,
  volumeAttachmentPrinter,
  volumeAttributesClassPrinter,
} from './storage.ts';
import type { TableConvertor } from './types.ts';
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  podDisruptionBudgetPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.ts';

/** Keyed `group/resource`; the core group is empty (`/pods`). */
const convertors = new Map<string, TableConvertor>(
  Object.entries({
    '/pods': podPrinter,
    '/podtemplates': podTemplatePrinter,
    '/replicationcontrollers': replicationControllerPrinter,
    '/services': servicePrinter,
    '/endpoints': endpointsPrinter,
    '/nodes': nodePrinter,
    '/events': eventPrinter,
    '/namespaces': namespacePrinter,
    '/secrets': secretPrinter,
    '/serviceaccounts': serviceAccountPrinter,
    '/persistentvolumes': persistentVolumePrinter,
    '/persistentvolumeclaims': persistentVolumeClaimPrinter,
    '/componentstatuses': componentStatusPrinter,
    '/configmaps': configMapPrinter,
    '/resourcequotas': resourceQuotaPrinter,
    '/limitranges': defaultTableConvertor,
    'apps/deployments': deploymentPrinter,
    'apps/replicasets': replicaSetPrinter,
    'apps/statefulsets': statefulSetPrinter,
    'apps/daemonsets': daemonSetPrinter,
    'apps/controllerrevisions': controllerRevisionPrinter,
    'batch/jobs': jobPrinter,
    'batch/cronjobs': cronJobPrinter,
    'autoscaling/horizontalpodautoscalers': horizontalPodAutoscalerPrinter,
    'policy/poddisruptionbudgets': podDisruptionBudgetPrinter,
    'networking.k8s.io/ingresses': ingressPrinter,
    'networking.k8s.io/ingressclasses': ingressClassPrinter,
    'networking.k8s.io/networkpolicies': networkPolicyPrinter,
    'networking.k8s.io/servicecidrs': serviceCIDRPrinter,
    'networking.k8s.io/ipaddresses': ipAddressPrinter,
    'discovery.k8s.io/endpointslices': endpointSlicePrinter,
    'events.k8s.io/events': eventPrinter,
    'rbac.authorization.k8s.io/rolebindings': roleBindingPrinter,
    'rbac.authorization.k8s.io/clusterrolebindings': roleBindingPrinter,
    'rbac.authorization.k8s.io/roles': defaultTableConvertor,
    'rbac.authorization.k8s.io/clusterroles': defaultTableConvertor,
    'certificates.k8s.io/certificatesigningrequests': certificateSigningRequestPrinter,
    'certificates.k8s.io/clustertrustbundles': clusterTrustBundlePrinter,
    'coordination.k8s.io/leases': leasePrinter,
    'coordination.k8s.io/leasecandidates': leaseCandidatePrinter,
    'storage.k8s.io/storageclasses': storageClassPrinter,
    'storage.k8s.io/volumeattributesclasses': volumeAttributesClassPrinter,
    'storage.k8s.io/volumeattachments': volumeAttachmentPrinter,
    'storage.k8s.io/csinodes': csiNodePrinter,
    'storage.k8s.io/csidrivers': csiDriverPrinter,
    'storage.k8s.io/csistoragecapacities': csiStorageCapacityPrinter,
    'scheduling.k8s.io/priorityclasses': priorityClassPrinter,
    'node.k8s.io/runtimeclasses': runtimeClassPrinter,
    'admissionregistration.k8s.io/mutatingwebhookconfigurations': mutatingWebhookConfigurationPrinter,
    'admissionregistration.k8s.io/validatingwebhookconfigurations': validatingWebhookConfigurationPrinter,
    'admissionregistration.k8s.io/validatingadmissionpolicies': validatingAdmissionPolicyPrinter,
    'admissionregistration.k8s.io/validatingadmissionpolicybindings': validatingAdmissionPolicyBindingPrinter,
    'admissionregistration.k8s.io/mutatingadmissionpolicies': mutatingAdmissionPolicyPrinter,
    'admissionregistration.k8s.io/mutatingadmissionpolicybindings': mutatingAdmissionPolicyBindingPrinter,
    'flowcontrol.apiserver.k8s.io/flowschemas': flowSchemaPrinter,
    'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': priorityLevelConfigurationPrinter,
    'internal.apiserver.k8s.io/storageversions': storageVersionPrinter,
    'storagemigration.k8s.io/storageversionmigrations': storageVersionMigrationPrinter,
    'resource.k8s.io/deviceclasses': deviceClassPrinter,
    'resource.k8s.io/resourceclaims': resourceClaimPrinter,
    'resource.k8s.io/resourceclaimtemplates': resourceClaimTemplatePrinter,
    'resource.k8s.io/resourceslices': resourceSlicePrinter,
    'resource.k8s.io/devicetaintrules': deviceTaintRulePrinter,
    'apiextensions.k8s.io/customresourcedefinitions': defaultTableConvertor,
    'apiregistration.k8s.io/apiservices': apiServicePrinter,
    // Kinds k2 still serves under the removed extensions group print as their current form does.
    'extensions/deployments': deploymentPrinter,
    'extensions/replicasets': replicaSetPrinter,
    'extensions/daemonsets': daemonSetPrinter,
    'extensions/ingresses': ingressPrinter,
    'extensions/networkpolicies': networkPolicyPrinter,
  }),
);

/** Built-in resources with a `/scale` subresource. */
const scalable = new Set(['/replicationcontrollers', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'extensions/deployments', 'extensions/replicasets']);

/**
 * The convertor of a built-in resource (`resource` may be `<plural>/scale`), or undefined when
 * Kubernetes has none for it; callers then use `defaultTableConvertor`.
 */
export function builtinTableConvertor(group: string, resource: string): TableConvertor | undefined {
  if (resource.endsWith('/scale')) return scalable.has(`${group}/${resource.slice(0, -'/scale'.length)}`) ? scalePrinter : undefined;
  return convertors.get(`${group}/${resource}`);
}
