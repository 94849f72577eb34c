import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { BROTLI_OPTIONS, COMPRESS_THRESHOLD, ENCODINGS } from './compression.ts';

/** The CSP hashes of the inline scripts of the built app's index.html (the theme applied before first paint; who is signed in, asked early). */
function inlineScriptHashes(webDir: string): string[] {
  let html: string;
  try {
    html = fs.readFileSync(path.join(webDir, 'index.html'), 'utf8');
  } catch {
    return [];
  }
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${crypto.createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
}

/**
 * Security headers (helmet) with a content security policy the app passes: its own scripts and
 * the hashed inline scripts of index.html only, images from here, data:/blob: (live previews) and the
 * public base URL (a CDN); and compression of JSON and text answers for clients that accept it.
 * Image files may be embedded by other sites: they are shareable URLs.
 */
export async function installSecurity(app: FastifyInstance, options: { webDir: string; publicBaseUrl: string | null }): Promise<void> {
  const cdn = options.publicBaseUrl ? [new URL(options.publicBaseUrl).origin] : [];
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...inlineScriptHashes(options.webDir)],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...cdn],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(compress, {
    global: true,
    threshold: COMPRESS_THRESHOLD,
    encodings: [...ENCODINGS],
    brotliOptions: BROTLI_OPTIONS,
    customTypes: /^(application\/json|text\/(html|css|plain)|application\/javascript|text\/javascript)/,
  });
}
