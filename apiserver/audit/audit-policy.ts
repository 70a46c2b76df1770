// Audit policies (audit.k8s.io/v1 Policy): the first rule that matches a request decides its
// level (None, Metadata, Request, RequestResponse) and which stages are left out. Without a
// policy file k2 records every request at Metadata level.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { UserInfo } from '../authn.ts';
import type { RequestInfo } from '../handlers/request-info.ts';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

const levels: AuditLevel[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const stages: AuditStage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
}

export interface AuditPolicy {
  rules: PolicyRule[];
  omitStages: AuditStage[];
}

export const defaultAuditPolicy: AuditPolicy = { rules: [{ level: 'Metadata' }], omitStages: [] };

export interface AuditedRequest {
  user?: UserInfo;
  verb: string;
  path: string;
  info?: RequestInfo;
}

function checkStages(value: unknown, where: string): AuditStage[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((s) => stages.includes(s))) throw new Error(`${where}: omitStages must list stages of ${stages.join(', ')}`);
  return value as AuditStage[];
}

export function parseAuditPolicy(text: string, path: string): AuditPolicy {
  let parsed: Record<string, unknown>;
  try {
    parsed = YAML.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`audit policy ${path}: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || parsed.kind !== 'Policy') throw new Error(`audit policy ${path}: want kind Policy (audit.k8s.io/v1)`);
  if (!Array.isArray(parsed.rules) || !parsed.rules.length) throw new Error(`audit policy ${path}: rules must list at least one rule`);
  const rules = (parsed.rules as Record<string, unknown>[]).map((rule, i) => {
    if (!levels.includes(rule?.level as AuditLevel)) throw new Error(`audit policy ${path}: rules[${i}].level must be one of ${levels.join(', ')}`);
    return { ...(rule as unknown as PolicyRule), omitStages: checkStages(rule.omitStages, `audit policy ${path}: rules[${i}]`) };
  });
  return { rules, omitStages: checkStages(parsed.omitStages, `audit policy ${path}`) };
}

export function loadAuditPolicy(path: string | undefined): AuditPolicy {
  return path ? parseAuditPolicy(readFileSync(path, 'utf8'), path) : defaultAuditPolicy;
}

function urlMatches(patterns: string[], path: string): boolean {
  return patterns.some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));
}

function ruleMatches(rule: PolicyRule, request: AuditedRequest): boolean {
  const user = request.user;
  if (rule.users?.length && !rule.users.includes(user?.username ?? '')) return false;
  if (rule.userGroups?.length && !rule.userGroups.some((g) => user?.groups.includes(g))) return false;
  if (rule.verbs?.length && !rule.verbs.includes(request.verb)) return false;
  const info = request.info?.resource ? request.info : undefined;
  if (rule.nonResourceURLs?.length) return !info && urlMatches(rule.nonResourceURLs, request.path);
  if (rule.namespaces?.length && !rule.namespaces.includes(info?.namespace ?? '')) return false;
  if (rule.resources?.length) {
    if (!info) return false;
    const combined = info.subresource ? `${info.resource}/${info.subresource}` : info.resource!;
    return rule.resources.some((r) => {
      if ((r.group ?? '') !== info.group && r.group !== '*') return false;
      if (r.resources?.length) {
        const hit = r.resources.some((name) => name === '*' || name === combined || name === info.resource || (name.startsWith('*/') && name.slice(2) === info.subresource) || (name.endsWith('/*') && name.slice(0, -2) === info.resource));
        if (!hit) return false;
      }
      return !r.resourceNames?.length || (info.name !== undefined && r.resourceNames.includes(info.name));
    });
  }
  return rule.namespaces?.length ? Boolean(info) : true;
}

/** The level and left-out stages for a request. */
export function auditLevelFor(policy: AuditPolicy, request: AuditedRequest): { level: AuditLevel; omitStages: Set<AuditStage> } {
  const rule = policy.rules.find((r) => ruleMatches(r, request));
  return { level: rule?.level ?? 'None', omitStages: new Set([...policy.omitStages, ...(rule?.omitStages ?? [])]) };
}
