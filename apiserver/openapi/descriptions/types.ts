// What `kubectl explain` prints for built-in types: k2's own words (Kubernetes' description sentences are
// not copied into this repository). A key names a type without its version: `<group>.<Type>`, where the
// group is the segment before the version in the definition name (`apps.DeploymentSpec` for
// io.k8s.api.apps.v1.DeploymentSpec and every other version of it; `core.PodSpec`, `meta.ObjectMeta`,
// `apiextensions.JSONSchemaProps`, `resource.Quantity`). The empty key describes the type itself; the
// others describe its fields.
export type TypeDescriptions = Record<string, Record<string, string>>;
