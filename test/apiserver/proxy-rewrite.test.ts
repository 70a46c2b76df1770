// The links kube-apiserver's proxy moves under the proxy path: in redirects and in HTML pages (plain, gzip, deflate).
import { deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { rewriteHtml, rewriteHtmlBody, rewriteProxyUrl, type ProxyUrlContext } from '../../apiserver/handlers/proxy-rewrite.ts';

const context: ProxyUrlContext = { prefix: '/api/v1/namespaces/web/services/site:80/proxy', targetHost: '10.42.0.7:8080', requestHost: 'localhost:8001' };
const rewrite = (url: string) => rewriteProxyUrl(url, context);

describe('proxy links', () => {
  it('moves absolute paths on the pod under the proxy path, keeping query, fragment and a trailing slash', () => {
    expect(rewrite('/')).toBe('/api/v1/namespaces/web/services/site:80/proxy/');
    expect(rewrite('/graph?g0.expr=up#top')).toBe('/api/v1/namespaces/web/services/site:80/proxy/graph?g0.expr=up#top');
    expect(rewrite('/static/')).toBe('/api/v1/namespaces/web/services/site:80/proxy/static/');
    expect(rewrite('/a/../b')).toBe('/api/v1/namespaces/web/services/site:80/proxy/b');
  });

  it("makes links to the pod's address paths, and keeps the origin of links to the host the client used", () => {
    expect(rewrite('http://10.42.0.7:8080/login')).toBe('/api/v1/namespaces/web/services/site:80/proxy/login');
    expect(rewrite('http://localhost:8001/login')).toBe('http://localhost:8001/api/v1/namespaces/web/services/site:80/proxy/login');
  });

  it('leaves relative links, other hosts, non-path URLs and links already under the proxy path', () => {
    for (const url of ['page.html', '../up', '?q=1', '#frag', 'https://example.com/x', '//cdn.example.com/lib.js', 'mailto:a@b.c', 'javascript:void(0)', 'data:image/png;base64,AAAA']) {
      expect(rewrite(url)).toBe(url);
    }
    expect(rewrite('/api/v1/namespaces/web/services/site:80/proxy/already')).toBe('/api/v1/namespaces/web/services/site:80/proxy/already');
  });
});

describe('proxied HTML pages', () => {
  it('rewrites the URL attributes of the elements kube-apiserver lists, whatever their case and quotes', () => {
    const page = `<!doctype html><HTML><head><link rel=stylesheet href=/static/app.css><script src='/app.js'></script></head>
<body background="/bg.png"><A HREF="/x?a=1&amp;b=2">x</A><img src=/logo.png alt="/not-a-link"><form action="/search" method=post>
<div data-url="/not-listed"></div><a href="relative">r</a><a href="https://example.com/">e</a></body></HTML>`;
    expect(rewriteHtml(page, rewrite)).toBe(`<!doctype html><HTML><head><link rel=stylesheet href="/api/v1/namespaces/web/services/site:80/proxy/static/app.css"><script src="/api/v1/namespaces/web/services/site:80/proxy/app.js"></script></head>
<body background="/api/v1/namespaces/web/services/site:80/proxy/bg.png"><A HREF="/api/v1/namespaces/web/services/site:80/proxy/x?a=1&amp;b=2">x</A><img src="/api/v1/namespaces/web/services/site:80/proxy/logo.png" alt="/not-a-link"><form action="/api/v1/namespaces/web/services/site:80/proxy/search" method=post>
<div data-url="/not-listed"></div><a href="relative">r</a><a href="https://example.com/">e</a></body></HTML>`);
  });

  it('leaves scripts, styles and comments alone', () => {
    const page = `<script>document.write('<a href="/in-script">')</script><style>a[href="/in-style"]{}</style><!-- <a href="/in-comment"> --><textarea><a href="/in-text"></textarea>`;
    expect(rewriteHtml(page, rewrite)).toBe(page);
  });

  it('reads and writes gzip and deflate bodies, and passes an encoding it does not read unchanged', () => {
    const page = Buffer.from('<a href="/x">x</a>');
    const expected = '<a href="/api/v1/namespaces/web/services/site:80/proxy/x">x</a>';
    expect(gunzipSync(rewriteHtmlBody(gzipSync(page), 'gzip', rewrite)!).toString()).toBe(expected);
    expect(inflateRawSync(rewriteHtmlBody(deflateRawSync(page), 'deflate', rewrite)!).toString()).toBe(expected);
    expect(rewriteHtmlBody(page, undefined, rewrite)!.toString()).toBe(expected);
    expect(rewriteHtmlBody(page, 'br', rewrite)).toBeUndefined();
  });
});
