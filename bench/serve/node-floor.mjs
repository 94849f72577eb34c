// The floor of any Node server for bench/serve: node:http alone answering the same files from memory, with the
// same headers ImageFlow sends (given in BENCH_ENVELOPE), an ETag and a 304 for it, and nothing else (no
// framework, no checks, no Range). What ImageFlow costs above this is ImageFlow's; what this costs above nginx
// is Node's HTTP server.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [dataDir, port] = [process.env.BENCH_DATA_DIR, Number(process.env.BENCH_PORT)];
const envelope = JSON.parse(process.env.BENCH_ENVELOPE ?? '[]');
const files = new Map();
for (const [bucket, type] of [
  ['thumbs', 'image/webp'],
  ['images', 'image/png'],
]) {
  for (const name of fs.readdirSync(path.join(dataDir, bucket))) {
    const file = path.join(dataDir, bucket, name);
    const stat = fs.statSync(file);
    const etag = `"${stat.size.toString(16)}-${Math.trunc(stat.mtimeMs).toString(16)}"`;
    const validators = ['etag', etag, 'last-modified', stat.mtime.toUTCString(), 'cache-control', 'public, max-age=31536000, immutable'];
    files.set(`/${bucket}/${name}`, {
      bytes: fs.readFileSync(file),
      etag,
      ok: [...envelope, 'accept-ranges', 'bytes', ...validators, 'content-type', type, 'content-length', String(stat.size)],
      notModified: [...envelope, ...validators],
    });
  }
}

http
  .createServer((req, res) => {
    const file = files.get(req.url);
    if (!file) {
      res.writeHead(404).end();
    } else if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, file.notModified).end();
    } else {
      res.writeHead(200, file.ok).end(req.method === 'HEAD' ? undefined : file.bytes);
    }
  })
  .listen(port, '127.0.0.1');
