// Request bodies no handler should ever parse: text that is not valid UTF-8, JSON or YAML nesting
// deeper than any real object (recursive code downstream would run out of stack), and objects too
// large to store (the datastore's 1.5 MiB, as etcd's request limit).
import { isUtf8 } from 'node:buffer';
import { Lexer, Parser, type CST } from 'yaml';
import { errors } from './status.ts';

/** Deeper than any Kubernetes object: JSON bodies nesting further are refused. */
export const maxNestingDepth = 512;
/** The YAML parser composes recursively: YAML bodies get a lower bound (still far beyond real objects). */
export const maxYamlNestingDepth = 128;
/** The largest stored object (etcd's default request size limit). */
export const maxObjectBytes = 1536 * 1024;

const binaryTypes = new Set(['application/vnd.kubernetes.protobuf', 'application/octet-stream']);

/** The nesting depth of JSON text (brackets outside strings), stopping once it passes `limit`. */
export function jsonNestingDepth(body: Buffer, limit = maxNestingDepth): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash escapes the next byte
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * The nesting depth of YAML text, found without composing it (composition recurses): flow
 * collections from the lexer's tokens first (cheap, and stopping at the first level too deep),
 * then block collections from the parsed token tree, walked without recursion.
 */
export function yamlNestingDepth(text: string, limit = maxYamlNestingDepth): number {
  let depth = 0;
  let deepest = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      depth++;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
  }
  deepest = 0;
  const stack: [CST.Token | undefined, number][] = [];
  for (const token of new Parser().parse(text)) stack.push([token, 0]);
  while (stack.length) {
    const [token, level] = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') stack.push([token.value, level]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      const inner = level + 1;
      if (inner > deepest && (deepest = inner) > limit) return deepest;
      for (const item of token.items) {
        if ('key' in item) stack.push([item.key ?? undefined, inner]);
        stack.push([item.value, inner]);
      }
    }
  }
  return deepest;
}

/** The nesting depth of a decoded value, without recursion. */
export function valueNestingDepth(value: unknown, limit = maxNestingDepth): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    const level = depth + 1;
    if (level > deepest && (deepest = level) > limit) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) if (typeof child === 'object' && child !== null) stack.push([child, level]);
  }
  return deepest;
}

/** Refuses request bodies no handler should ever parse: invalid UTF-8 text, runaway JSON nesting. */
export function checkRequestBody(contentType: string | undefined, body: Buffer): void {
  if (!body.length) return;
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (binaryTypes.has(type)) return;
  if (!isUtf8(body)) throw errors.badRequest('the request body is not valid UTF-8');
  if (type.endsWith('json') && jsonNestingDepth(body) > maxNestingDepth) {
    throw errors.badRequest(`the request body nests deeper than ${maxNestingDepth} levels`);
  }
}

/** 413 for a stored form too large for the datastore. */
export function checkObjectSize(json: string): void {
  if (json.length > maxObjectBytes / 3 && Buffer.byteLength(json) > maxObjectBytes) {
    throw errors.requestEntityTooLarge(`Request entity too large: the object is ${Buffer.byteLength(json)} bytes, the limit is ${maxObjectBytes}`);
  }
}
