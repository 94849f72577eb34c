import type { FastifyRequest } from 'fastify';

/**
 * Who is asking, for taking turns between clients in the job queue: the signed-in user, else the
 * client's address (the proxy's when ImageFlow sits behind one it is not told to trust).
 */
export function clientKey(req: FastifyRequest): string {
  return req.user ? `user:${req.user.id}` : `ip:${req.ip}`;
}
