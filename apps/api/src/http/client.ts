import type { FastifyRequest } from 'fastify';

/**
 * Who is asking, for taking turns between clients in the job queue: the client's address (the
 * proxy's when ImageFlow sits behind one that it is not told to trust).
 */
export function clientKey(req: FastifyRequest): string {
  return `ip:${req.ip}`;
}
