// Every built-in kind k2 serves. Adding a kind: write its file, list it here.
import type { ResourceDescription } from '../registry/types.ts';
import { initializerConfigurations } from './admissionregistration/initializer-configuration.ts';
import { mutatingWebhookConfigurations } from './admissionregistration/mutating-webhook-configuration.ts';
import { validatingAdmissionPolicyBindings } from './admissionregistration/validating-admission-policy-binding.ts';
import { validatingAdmissionPolicies } from './admissionregistration/validating-admission-policy.ts';
import { validatingWebhookConfigurations } from './admissionregistration/validating-webhook-configuration.ts';
import { customResourceDefinitions } from './apiextensions/custom-resource-definition.ts';
import { apiServices } from './apiregistration/api-service.ts';
import { controllerRevisions } from './apps/controller-revision.ts';
import { daemonSets } from './apps/daemon-set.ts';
import { deployments } from './apps/deployment.ts';
import { replicaSets } from './apps/replica-set.ts';
import { statefulSets } from './apps/stateful-set.ts';
import { selfSubjectReviews } from './authentication/self-subject-review.ts';
import { tokenReviews } from './authentication/token-review.ts';
import { localSubjectAccessReviews } from './authorization/local-subject-access-review.ts';
import { selfSubjectAccessReviews } from './authorization/self-subject-access-review.ts';
import { selfSubjectRulesReviews } from './authorization/self-subject-rules-review.ts';
import { subjectAccessReviews } from './authorization/subject-access-review.ts';
import { auditSinks } from './auditregistration/audit-sink.ts';
import { horizontalPodAutoscalers } from './autoscaling/horizontal-pod-autoscaler.ts';
import { cronJobs } from './batch/cron-job.ts';
import { jobs } from './batch/job.ts';
import { certificateSigningRequests } from './certificates/certificate-signing-request.ts';
import { leaseCandidates } from './coordination/lease-candidate.ts';
import { leases } from './coordination/lease.ts';
import { nodeMetrics } from './metrics/node-metrics.ts';
import { podMetrics } from './metrics/pod-metrics.ts';
import { bindings } from './core/binding.ts';
import { componentStatuses } from './core/component-status.ts';
import { configMaps } from './core/config-map.ts';
import { endpoints } from './core/endpoints.ts';
import { events } from './core/event.ts';
import { limitRanges } from './core/limit-range.ts';
import { namespaces } from './core/namespace.ts';
import { nodes } from './core/node.ts';
import { persistentVolumeClaims } from './core/persistent-volume-claim.ts';
import { persistentVolumes } from './core/persistent-volume.ts';
import { podTemplates } from './core/pod-template.ts';
import { pods } from './core/pod.ts';
import { replicationControllers } from './core/replication-controller.ts';
import { resourceQuotas } from './core/resource-quota.ts';
import { secrets } from './core/secret.ts';
import { serviceAccounts } from './core/service-account.ts';
import { services } from './core/service.ts';
import { endpointSlices } from './discovery/endpoint-slice.ts';
import { thirdPartyResources } from './extensions/third-party-resource.ts';
import { flowSchemas } from './flowcontrol/flow-schema.ts';
import { priorityLevelConfigurations } from './flowcontrol/priority-level-configuration.ts';
import { clusterCIDRs } from './networking/cluster-cidr.ts';
import { ingressClasses } from './networking/ingress-class.ts';
import { ingresses } from './networking/ingress.ts';
import { ipAddresses } from './networking/ip-address.ts';
import { networkPolicies } from './networking/network-policy.ts';
import { serviceCIDRs } from './networking/service-cidr.ts';
import { runtimeClasses } from './node/runtime-class.ts';
import { podDisruptionBudgets } from './policy/pod-disruption-budget.ts';
import { podSecurityPolicies } from './policy/pod-security-policy.ts';
import { clusterRoleBindings } from './rbac/cluster-role-binding.ts';
import { clusterRoles } from './rbac/cluster-role.ts';
import { roleBindings } from './rbac/role-binding.ts';
import { roles } from './rbac/role.ts';
import { deviceClasses } from './resource/device-class.ts';
import { podSchedulingContexts } from './resource/pod-scheduling-context.ts';
import { resourceClaimTemplates } from './resource/resource-claim-template.ts';
import { resourceClaims } from './resource/resource-claim.ts';
import { resourceClasses } from './resource/resource-class.ts';
import { resourceSlices } from './resource/resource-slice.ts';
import { priorityClasses } from './scheduling/priority-class.ts';
import { podPresets } from './settings/pod-preset.ts';
import { csiDrivers } from './storage/csi-driver.ts';
import { csiNodes } from './storage/csi-node.ts';
import { csiStorageCapacities } from './storage/csi-storage-capacity.ts';
import { storageClasses } from './storage/storage-class.ts';
import { volumeAttachments } from './storage/volume-attachment.ts';
import { volumeAttributesClasses } from './storage/volume-attributes-class.ts';
import { storageVersionMigrations } from './storagemigration/storage-version-migration.ts';

export const builtinKinds: ResourceDescription[] = [
  initializerConfigurations,
  mutatingWebhookConfigurations,
  validatingAdmissionPolicyBindings,
  validatingAdmissionPolicies,
  validatingWebhookConfigurations,
  customResourceDefinitions,
  apiServices,
  controllerRevisions,
  daemonSets,
  deployments,
  replicaSets,
  statefulSets,
  selfSubjectReviews,
  tokenReviews,
  podMetrics,
  nodeMetrics,
  localSubjectAccessReviews,
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  subjectAccessReviews,
  auditSinks,
  horizontalPodAutoscalers,
  cronJobs,
  jobs,
  certificateSigningRequests,
  leaseCandidates,
  leases,
  bindings,
  componentStatuses,
  configMaps,
  endpoints,
  events,
  limitRanges,
  namespaces,
  nodes,
  persistentVolumeClaims,
  persistentVolumes,
  podTemplates,
  pods,
  replicationControllers,
  resourceQuotas,
  secrets,
  serviceAccounts,
  services,
  endpointSlices,
  thirdPartyResources,
  flowSchemas,
  priorityLevelConfigurations,
  clusterCIDRs,
  ingressClasses,
  ingresses,
  ipAddresses,
  networkPolicies,
  serviceCIDRs,
  runtimeClasses,
  podDisruptionBudgets,
  podSecurityPolicies,
  clusterRoleBindings,
  clusterRoles,
  roleBindings,
  roles,
  deviceClasses,
  podSchedulingContexts,
  resourceClaimTemplates,
  resourceClaims,
  resourceClasses,
  resourceSlices,
  priorityClasses,
  podPresets,
  csiDrivers,
  csiNodes,
  csiStorageCapacities,
  storageClasses,
  volumeAttachments,
  volumeAttributesClasses,
  storageVersionMigrations,
];
