// What kube-apiserver's proxy transport changes in a pod's or Service's answer so that it works under the proxy path
// (/api/v1/namespaces/<ns>/services/<name>/proxy/…): links to the pod's own absolute paths, in redirects and in the
// URL attributes of HTML pages (gzip and deflate bodies too), are moved under that path; links elsewhere, relative
// ones and those inside scripts, styles and comments stay as they are.
import { posix } from 'node:path';
import { deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { QuoteType, Tokenizer, type TokenizerCallbacks } from 'htmlparser2';

/** Which attributes of which elements hold URLs (kube-apiserver's list). */
const urlAttributes: Record<string, readonly string[]> = {
  a: ['href'],
  applet: ['codebase'],
  area: ['href'],
  audio: ['src'],
  base: ['href'],
  blockquote: ['cite'],
  body: ['background'],
  button: ['formaction'],
  command: ['icon'],
  del: ['cite'],
  embed: ['src'],
  form: ['action'],
  frame: ['longdesc', 'src'],
  head: ['profile'],
  html: ['manifest'],
  iframe: ['longdesc', 'src'],
  img: ['longdesc', 'src', 'usemap'],
  input: ['src', 'usemap', 'formaction'],
  ins: ['cite'],
  link: ['href'],
  object: ['classid', 'codebase', 'data', 'usemap'],
  q: ['cite'],
  script: ['src'],
  source: ['src'],
  video: ['poster', 'src'],
};

export interface ProxyUrlContext {
  /** The proxy path the pod's paths go under, without a trailing slash. */
  prefix: string;
  /** host[:port] the request went to (the pod's address). */
  targetHost: string;
  /** The Host the client asked the API server for (e.g. kubectl proxy's localhost:8001). */
  requestHost: string;
}

/** A URL reference split as Go's url.Parse splits it, enough to move its path. */
function splitReference(reference: string): { scheme: string; host: string | undefined; path: string; rest: string } {
  let remaining = reference;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(remaining)?.[0] ?? '';
  remaining = remaining.slice(scheme.length);
  let host: string | undefined;
  if (remaining.startsWith('//')) {
    const end = remaining.slice(2).search(/[/?#]/);
    host = end < 0 ? remaining.slice(2) : remaining.slice(2, end + 2);
    remaining = end < 0 ? '' : remaining.slice(end + 2);
  }
  const restAt = remaining.search(/[?#]/);
  return { scheme: scheme.slice(0, -1), host, path: restAt < 0 ? remaining : remaining.slice(0, restAt), rest: restAt < 0 ? '' : remaining.slice(restAt) };
}

/**
 * One link, as kube-apiserver's proxy transport rewrites it: an absolute path on the pod (or on the host the client
 * used) goes under the proxy path; a relative link, one to another host, or one already under the proxy path keeps
 * its path.
 */
export function rewriteProxyUrl(reference: string, context: ProxyUrlContext): string {
  const url = splitReference(reference);
  const host = url.host ?? '';
  if ((host !== '' && host !== context.targetHost && host !== context.requestHost) || !url.path.startsWith('/')) return reference;
  // A link to the client's own host keeps its scheme and host; one to the pod's address becomes a path.
  const keepOrigin = host !== '' && host === context.requestHost;
  const origin = keepOrigin ? `${url.scheme ? `${url.scheme}:` : ''}//${host}` : '';
  if (url.path.startsWith(context.prefix)) return `${origin}${url.path}${url.rest}`;
  // Cleaned as Go's path.Join cleans it; a trailing slash stays.
  return `${origin}${posix.normalize(`${context.prefix}/${url.path}`)}${url.rest}`;
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;');

/** The page with the URL attributes of its elements rewritten; everything else byte for byte. */
export function rewriteHtml(html: string, rewrite: (url: string) => string): string {
  const edits: { start: number; end: number; text: string }[] = [];
  let tag = '';
  let attribute = '';
  let value = '';
  const ignore = () => {};
  const callbacks: TokenizerCallbacks = {
    onopentagname: (start, end) => (tag = html.slice(start, end).toLowerCase()),
    onattribname: (start, end) => {
      attribute = html.slice(start, end).toLowerCase();
      value = '';
    },
    onattribdata: (start, end) => (value += html.slice(start, end)),
    onattribentity: (codepoint) => (value += String.fromCodePoint(codepoint)),
    onattribend: (quote, end) => {
      if (quote === QuoteType.NoValue || !urlAttributes[tag]?.includes(attribute)) return;
      const rewritten = rewrite(value);
      if (rewritten === value) return;
      // The raw value (which cannot hold its own quote, or '=' when unquoted) becomes a double-quoted one.
      let start: number;
      if (quote === QuoteType.Unquoted) {
        start = html.lastIndexOf('=', end - 1) + 1;
        while (/\s/.test(html[start]!)) start++;
      } else start = html.lastIndexOf(quote === QuoteType.Double ? '"' : "'", end - 2);
      edits.push({ start, end, text: `"${escapeAttribute(rewritten)}"` });
    },
    oncdata: ignore,
    onclosetag: ignore,
    oncomment: ignore,
    ondeclaration: ignore,
    onend: ignore,
    onopentagend: ignore,
    onprocessinginstruction: ignore,
    onselfclosingtag: ignore,
    ontext: ignore,
    ontextentity: ignore,
  };
  const tokenizer = new Tokenizer({ xmlMode: false, decodeEntities: true }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
  if (!edits.length) return html;
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += html.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + html.slice(at);
}

/**
 * An HTML body in its content encoding, rewritten; undefined when the encoding is one the proxy does not read (the
 * page then passes unchanged, as with kube-apiserver).
 */
export function rewriteHtmlBody(body: Buffer, contentEncoding: string | undefined, rewrite: (url: string) => string): Buffer | undefined {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  let decode: (data: Buffer) => Buffer;
  let encode: (data: Buffer) => Buffer;
  if (encoding === '') [decode, encode] = [(data) => data, (data) => data];
  else if (encoding === 'gzip') [decode, encode] = [gunzipSync, gzipSync];
  else if (encoding === 'deflate') {
    // Zlib-wrapped as HTTP says, or raw as many servers (and Go's flate) send it: answered in the form it came.
    const raw = (body[0]! & 0x0f) !== 8;
    [decode, encode] = raw ? [inflateRawSync, deflateRawSync] : [inflateSync, deflateSync];
  } else return undefined;
  return encode(Buffer.from(rewriteHtml(decode(body).toString('utf8'), rewrite)));
}
