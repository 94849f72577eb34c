#!/usr/bin/env node
// `npm run nginx-site`: prints deploy/nginx/imageflow.conf with its three SET values filled in from ImageFlow's
// own settings (HOST, PORT, IMAGEFLOW_DATA_DIR, as `npm start` reads them) and NGINX_LISTEN (default 80), and
// without nginx answering files itself when IMAGEFLOW_PUBLIC_IMAGES=false or IMAGEFLOW_S3_BUCKET is set:
//   IMAGEFLOW_DATA_DIR=/var/lib/imageflow npm run --silent nginx-site > /etc/nginx/conf.d/imageflow.conf
// The tests and bench/serve fill it the same way (siteConf) and run it in an nginx of their own (standaloneConf).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SITE_FILE = fileURLToPath(new URL('./imageflow.conf', import.meta.url));

/**
 * The shipped site with `api` (ImageFlow's host:port), `listen` (nginx's listen parameters) and `dataDir` (an
 * absolute path) in place of its SET values; with `files: false`, without its part that answers stored files
 * from the folder. Fails if the file no longer holds one of them.
 */
export function siteConf({ api, listen, dataDir, files = true }) {
  if (!path.isAbsolute(dataDir)) throw new Error(`the data folder must be an absolute path, got ${JSON.stringify(dataDir)}`);
  if (/[\s;{}'"\\]/.test(dataDir)) throw new Error(`the data folder's path holds a character nginx would misread: ${JSON.stringify(dataDir)}`);
  let site = fs.readFileSync(SITE_FILE, 'utf8');
  for (const [from, to] of [
    ['server 127.0.0.1:8000;', `server ${api};`],
    ['listen 80;', `listen ${listen};`],
    ['root /var/lib/imageflow;', `root ${dataDir};`],
  ]) {
    if (!site.includes(from)) throw new Error(`deploy/nginx/imageflow.conf no longer holds ${JSON.stringify(from)}`);
    site = site.replace(from, to);
  }
  if (!files) {
    const part = /\n *# files: begin\n[\s\S]*?\n *# files: end\n/;
    if (!part.test(site)) throw new Error('deploy/nginx/imageflow.conf no longer marks its files part');
    site = site.replace(part, '\n');
  }
  return site;
}

/**
 * A whole nginx.conf around `site` for an nginx of its own, started as `nginx -p prefix -c prefix/nginx.conf`
 * by a user without privileges (its pid, logs and temporary files under `prefix`): how the tests and
 * bench/serve run the site. `http` is added to the http block (settings of the caller's own).
 */
export function standaloneConf({ prefix, site, http = '' }) {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => `  ${d}_temp_path ${prefix}/${d};`).join('\n');
  return `${process.getuid?.() === 0 ? `user ${os.userInfo().username};` : ''}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
${temp}
${http}
${site}
}
`;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const host = process.env.HOST || '127.0.0.1';
  const api = `${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${process.env.PORT || '8000'}`;
  try {
    const files = process.env.IMAGEFLOW_PUBLIC_IMAGES !== 'false' && !process.env.IMAGEFLOW_S3_BUCKET;
    process.stdout.write(siteConf({ api, listen: process.env.NGINX_LISTEN || '80', dataDir: path.resolve(process.env.IMAGEFLOW_DATA_DIR || './outputs'), files }));
  } catch (err) {
    console.error(`nginx-site: ${err.message}`);
    process.exit(1);
  }
}
