import crypto from 'node:crypto';

/** The sha256 of `data`, or of the buffers of `data` one after the other. */
export function sha256Hex(data: Buffer | readonly Buffer[]): string {
  const hash = crypto.createHash('sha256');
  for (const part of Buffer.isBuffer(data) ? [data] : data) hash.update(part);
  return hash.digest('hex');
}
