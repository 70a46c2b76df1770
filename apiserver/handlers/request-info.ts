// What a request path names, as Kubernetes' RequestInfo: the group/version, the resource, the
// namespace, the object name and the subresource (or that it is not a resource request at all).
import { errors } from '../status.ts';

export interface RequestInfo {
  group: string;
  version: string;
  /** The path segment of the API root: `/api/v1` or `/apis/<group>/<version>`. */
  prefix: string;
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
  /** Extra path after a subresource (e.g. proxy paths). */
  rest?: string[];
  /** `/watch/` legacy paths. */
  legacyWatch: boolean;
}

/** Recently parsed paths: a request's path is read by limits, audit, the handler and metrics, and clients repeat paths. */
const parsedPaths = new Map<string, Readonly<RequestInfo> | undefined>();
const parsedPathsLimit = 4096;

/**
 * Parses `/api/v1/namespaces/ns/pods/p/log` and `/apis/apps/v1/…`. Returns undefined for paths that
 * stop at the group or version (discovery). The result is shared: never mutate it.
 */
export function parseRequestPath(path: string): Readonly<RequestInfo> | undefined {
  if (parsedPaths.has(path)) return parsedPaths.get(path);
  const info = parsePath(path); // throws on a malformed path, which is not remembered
  if (path.length > 256) return info; // long paths are rare, and must not fill memory
  if (parsedPaths.size >= parsedPathsLimit) parsedPaths.clear();
  parsedPaths.set(path, info && Object.freeze(info));
  return info;
}

function parsePath(path: string): RequestInfo | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length < 3) return undefined;
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 4) return undefined;
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  const info: RequestInfo = { group, version, prefix: group ? `/apis/${group}/${version}` : `/api/${version}`, legacyWatch: false };
  if (rest[0] === 'watch') {
    info.legacyWatch = true;
    rest = rest.slice(1);
  }
  try {
    rest = rest.map((segment) => decodeURIComponent(segment));
  } catch {
    throw errors.badRequest(`malformed escape in the request path: ${JSON.stringify(path.slice(0, 200))}`);
  }
  // namespaces/<ns>/<resource>/… except the namespaces resource itself (namespaces/<name>[/status|finalize]).
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    info.namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2) {
    info.resource = 'namespaces';
    info.name = rest[1];
    return info;
  }
  info.resource = rest[0];
  info.name = rest[1];
  info.subresource = rest[2];
  if (rest.length > 3) info.rest = rest.slice(3);
  // /api/v1/namespaces/<name>/status and /finalize address the namespace itself.
  if (info.namespace !== undefined && (info.resource === 'status' || info.resource === 'finalize') && info.name === undefined) {
    info.subresource = info.resource;
    info.resource = 'namespaces';
    info.name = info.namespace;
    info.namespace = undefined;
  }
  return info;
}
