import net from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A multipart/form-data body with one file part. */
export function multipart(filename: string, data: Buffer, field = 'file', type = 'application/octet-stream') {
  const boundary = '----imageflowtest';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Listens on a free loopback port, for tests that need real sockets; returns the port. */
export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as net.AddressInfo).port;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the first HTTP/1.1 response in `data` (Content-Length bodies only, which is all our errors use). */
export function parseRawResponse(data: Buffer): RawResponse | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = data.toString('latin1', 0, end).split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const length = Number(headers['content-length'] ?? 0);
  if (data.length < end + 4 + length) return null;
  return { status: Number(statusLine!.split(' ')[1]), headers, body: data.toString('utf8', end + 4, end + 4 + length) };
}

/**
 * Sends raw bytes on a fresh connection and resolves with the first response, for requests no
 * HTTP client would send.
 */
export function rawRequest(port: number, bytes: Buffer | string, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (res: RawResponse) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(res);
    };
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const res = parseRawResponse(data);
      if (res) done(res);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const res = parseRawResponse(data);
      clearTimeout(timer);
      if (res) resolve(res);
      else reject(new Error(`connection closed without a complete response: ${JSON.stringify(data.toString('latin1').slice(0, 200))}`));
    });
    socket.write(bytes);
  });
}

/** Opens a connection and sends `head` (and nothing more), for requests left hanging on purpose. */
export function openRequest(port: number, head: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** Resolves with the first response that arrives on an open socket. */
export function responseOn(socket: net.Socket, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const res = parseRawResponse(data);
      if (res) {
        clearTimeout(timer);
        resolve(res);
      }
    });
  });
}

/** Asserts nothing about status; returns the parsed `{error: {code, message}}` or throws if the body is not in that shape. */
export function errorOf(res: { body: string }): { code: string; message: string } {
  const parsed = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
  if (typeof parsed.error?.code !== 'string' || typeof parsed.error?.message !== 'string' || Object.keys(parsed).length !== 1) {
    throw new Error(`not an error in the documented shape: ${res.body.slice(0, 300)}`);
  }
  return parsed.error as { code: string; message: string };
}
