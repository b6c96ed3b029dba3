// A tiny static file server over the repository root on an ephemeral loopback port.
// HTML pages get the SDK import map injected where they contain <!-- import-map --> (see import-map.mjs). Nothing is
// cached (`no-store`) unless `cacheControl` says otherwise (the start-up benchmark measures with the bytes cached).
// `isolated` makes the pages cross-origin isolated (COOP + COEP), which gives `performance.now()` 5 µs instead of
// 100 µs steps: the benchmarks time sub-millisecond differences.
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, injectImportMap } from './import-map.mjs';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

export async function startServer({ root = repoRoot, transformHtml = injectImportMap, port = 0, cacheControl = 'no-store', isolated = false } = {}) {
  const isolation = isolated
    ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
    : {};
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      let rel = decodeURIComponent(url.pathname);
      const file = path.resolve(root, `.${rel}`);
      if (file !== root && !file.startsWith(root + path.sep)) { res.writeHead(403).end('forbidden'); return; }
      let target = file;
      const st = await stat(target).catch(() => null);
      if (st && st.isDirectory()) target = path.join(target, 'index.html');
      const ext = path.extname(target).toLowerCase();
      let body = await readFile(target);
      if (ext === '.html' && transformHtml) body = Buffer.from(transformHtml(body.toString('utf8')));
      res.writeHead(200, { 'content-type': MIME[ext] || 'application/octet-stream', 'cache-control': cacheControl, ...isolation });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      res.writeHead(e && e.code === 'ENOENT' ? 404 : 500, { 'content-type': 'text/plain' }).end(String(e && e.message));
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address();
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
