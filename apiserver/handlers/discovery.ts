// API discovery: the legacy documents (/api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>) and the
// aggregated ones (apidiscovery.k8s.io v2 and v2beta1) that kubectl 1.27+ asks for first.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { servedCategories, servedShortNames, servedSubresources, servedVerbs, type Registry, type ServedVersion } from '../registry/registry.ts';
import { errors } from '../status.ts';
import { parseMediaTypes } from './content.ts';
import { sendText } from './output.ts';

/** Groups in the order kube-apiserver lists them (kubectl resolves ambiguous names by this order). */
const groupOrder = [
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'extensions',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'metrics.k8s.io',
];

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    return [Number(m[1]), m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[3] ?? 0), v] as const;
  };
  const [am, as, an] = parse(a);
  const [bm, bs, bn] = parse(b);
  if (as !== bs) return bs - as;
  if (am !== bm) return bm - am;
  if (an !== bn) return bn - an;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface GroupView {
  name: string;
  versions: { version: string; resources: ServedVersion[] }[];
}

interface Documents {
  generation: number;
  core: GroupView | undefined;
  groups: GroupView[];
  etags: Map<string, string>;
  bodies: Map<string, string>;
}

function groupRank(name: string): number {
  const i = groupOrder.indexOf(name);
  return i < 0 ? groupOrder.length : i;
}

export class Discovery {
  private documents: Documents | undefined;

  constructor(private readonly registry: Registry) {}

  private views(): Documents {
    if (this.documents?.generation === this.registry.generation) return this.documents;
    const byGroup = new Map<string, Map<string, ServedVersion[]>>();
    for (const served of this.registry.servedVersions()) {
      let versions = byGroup.get(served.group);
      if (!versions) byGroup.set(served.group, (versions = new Map()));
      let list = versions.get(served.version);
      if (!list) versions.set(served.version, (list = []));
      list.push(served);
    }
    const toView = (name: string, versions: Map<string, ServedVersion[]>): GroupView => ({
      name,
      versions: [...versions.keys()]
        .sort(compareVersions)
        .map((version) => ({ version, resources: versions.get(version)!.sort((a, b) => (a.plural < b.plural ? -1 : 1)) })),
    });
    const groups = [...byGroup.keys()]
      .filter((name) => name !== '')
      .sort((a, b) => groupRank(a) - groupRank(b) || (a < b ? -1 : 1))
      .map((name) => toView(name, byGroup.get(name)!));
    const core = byGroup.has('') ? toView('', byGroup.get('')!) : undefined;
    this.documents = { generation: this.registry.generation, core, groups, etags: new Map(), bodies: new Map() };
    return this.documents;
  }

  private resourceList(group: string, version: string, resources: ServedVersion[]): Record<string, unknown> {
    const entries: Record<string, unknown>[] = [];
    for (const served of resources) {
      const d = served.description;
      const entry: Record<string, unknown> = { name: served.plural, singularName: served.singular, namespaced: d.namespaced, kind: served.kind, verbs: servedVerbs(served) };
      const shortNames = servedShortNames(served);
      const categories = servedCategories(served);
      if (shortNames.length) entry.shortNames = shortNames;
      if (categories.length) entry.categories = categories;
      entries.push(entry);
      for (const sub of servedSubresources(served)) {
        const subEntry: Record<string, unknown> = { name: `${served.plural}/${sub.subresource}`, singularName: '', namespaced: d.namespaced, kind: sub.responseKind.kind, verbs: sub.verbs };
        if (sub.responseKind.group !== group || sub.responseKind.version !== version) {
          subEntry.group = sub.responseKind.group;
          subEntry.version = sub.responseKind.version;
        }
        entries.push(subEntry);
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: entries };
  }

  private aggregatedGroup(view: GroupView): Record<string, unknown> {
    return {
      metadata: { name: view.name, creationTimestamp: null },
      versions: view.versions.map(({ version, resources }) => ({
        version,
        resources: resources.map((served) => {
          const d = served.description;
          const resource: Record<string, unknown> = {
            resource: served.plural,
            responseKind: { group: served.group, version: served.version, kind: served.kind },
            scope: d.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: served.singular,
            verbs: servedVerbs(served),
          };
          const shortNames = servedShortNames(served);
          const categories = servedCategories(served);
          if (shortNames.length) resource.shortNames = shortNames;
          if (categories.length) resource.categories = categories;
          const subresources = servedSubresources(served);
          if (subresources.length) resource.subresources = subresources;
          return resource;
        }),
        freshness: 'Current',
      })),
    };
  }

  /** Serves a discovery path, or returns false when `path` is not one. */
  serve(path: string, request: FastifyRequest, reply: FastifyReply): boolean {
    const parts = path.split('/').filter(Boolean);
    const docs = this.views();
    const aggregated = parseMediaTypes(request.headers.accept).find(
      (m) => m.params.as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && (m.params.v === 'v2' || m.params.v === 'v2beta1'),
    );
    const send = (cacheKey: string, contentType: string, build: () => unknown) => {
      let body = docs.bodies.get(cacheKey);
      if (!body) {
        body = JSON.stringify(build());
        docs.bodies.set(cacheKey, body);
        docs.etags.set(cacheKey, `"${createHash('sha256').update(body).digest('hex').slice(0, 32).toUpperCase()}"`);
      }
      const etag = docs.etags.get(cacheKey)!;
      reply.header('ETag', etag).header('Vary', 'Accept');
      if (request.headers['if-none-match'] === etag) {
        reply.code(304).send();
        return;
      }
      sendText(reply, 200, contentType, body);
    };

    if (parts[0] === 'api' && parts.length === 1) {
      if (aggregated) {
        const v = aggregated.params.v!;
        send(`agg-core-${v}`, `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`, () => ({
          kind: 'APIGroupDiscoveryList',
          apiVersion: `apidiscovery.k8s.io/${v}`,
          metadata: {},
          items: docs.core ? [this.aggregatedGroup(docs.core)] : [],
        }));
      } else {
        send('api', 'application/json', () => ({
          kind: 'APIVersions',
          versions: docs.core?.versions.map((v) => v.version) ?? [],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: request.headers.host ?? '' }],
        }));
      }
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 1) {
      if (aggregated) {
        const v = aggregated.params.v!;
        send(`agg-apis-${v}`, `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`, () => ({
          kind: 'APIGroupDiscoveryList',
          apiVersion: `apidiscovery.k8s.io/${v}`,
          metadata: {},
          items: docs.groups.map((g) => this.aggregatedGroup(g)),
        }));
      } else {
        send('apis', 'application/json', () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: docs.groups.map((g) => this.groupDocument(g)) }));
      }
      return true;
    }
    if (parts[0] === 'api' && parts.length === 2) {
      const version = docs.core?.versions.find((v) => v.version === parts[1]);
      if (!version) throw errors.routeNotFound();
      send(`api/${parts[1]}`, 'application/json', () => this.resourceList('', version.version, version.resources));
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const group = docs.groups.find((g) => g.name === parts[1]);
      if (!group) throw errors.routeNotFound();
      send(`apis/${group.name}`, 'application/json', () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.groupDocument(group) }));
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const group = docs.groups.find((g) => g.name === parts[1]);
      const version = group?.versions.find((v) => v.version === parts[2]);
      if (!group || !version) throw errors.routeNotFound();
      send(`apis/${group.name}/${version.version}`, 'application/json', () => this.resourceList(group.name, version.version, version.resources));
      return true;
    }
    return false;
  }

  private groupDocument(view: GroupView): Record<string, unknown> {
    const versions = view.versions.map((v) => ({ groupVersion: `${view.name}/${v.version}`, version: v.version }));
    return { name: view.name, versions, preferredVersion: versions[0] };
  }
}
