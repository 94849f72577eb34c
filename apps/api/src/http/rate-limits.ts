import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { BusyError } from '../errors.ts';

const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

export interface RateLimitSettings {
  perMinute: number;
  generationsPerMinute: number;
  /** Sign-in, first-run set-up, share passwords and password changes: attempts per address (or user) in 15 minutes. */
  signInAttempts: number;
  /** Counters shared by every API process; null: in this process's memory. */
  redis: Redis | null;
  prefix: string;
}

/** Whose budget a request spends: the signed-in user's, else the address's. */
function budgetOf(req: FastifyRequest): string {
  return req.user ? `user:${req.user.id}` : `ip:${req.ip}`;
}

function refusal(what: string) {
  return (_req: FastifyRequest, context: { max: number; ttl: number; after: string }) =>
    new BusyError(`Too many ${what}: at most ${context.max} in a row; try again in ${context.after}.`, Math.max(1, Math.ceil(context.ttl / 1000)), 'rate_limited');
}

/** Route options (`config`) that put a route on a budget of its own. */
export interface RouteLimits {
  generation: object;
  signIn: object;
  sharePassword: object;
  passwordChange: object;
}

/**
 * Budgets per client for the API (files are served without one), with a tighter one for
 * generations and for sign-in. Registered after the sign-in hook, so a budget is a user's when
 * signed in. With Redis, the counters hold across every API process.
 */
export async function installRateLimits(app: FastifyInstance, settings: RateLimitSettings | null): Promise<RouteLimits> {
  if (!settings) return { generation: {}, signIn: {}, sharePassword: {}, passwordChange: {} };
  await app.register(rateLimit, {
    global: true,
    max: settings.perMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: budgetOf,
    // On the route matched, not the path as spelled, so that /%61pi/… is counted like /api/….
    allowList: (req) => {
      const route = req.routeOptions.url ?? req.url;
      return !route.startsWith('/api/') || route === '/api/health';
    },
    ...(settings.redis ? { redis: settings.redis } : {}),
    nameSpace: `${settings.prefix}:rate:`,
    // Redis down: requests go on (its own failures answer 503 where Redis is needed).
    skipOnError: true,
    errorResponseBuilder: refusal('requests'),
  });
  return {
    generation: {
      rateLimit: { max: settings.generationsPerMinute, timeWindow: MINUTE_MS, groupId: 'generation', keyGenerator: budgetOf, errorResponseBuilder: refusal('generations') },
    },
    signIn: {
      rateLimit: { max: settings.signInAttempts, timeWindow: SIGN_IN_WINDOW_MS, groupId: 'sign-in', keyGenerator: (req: FastifyRequest) => `ip:${req.ip}`, errorResponseBuilder: refusal('sign-in attempts') },
    },
    // A budget of its own, so guessing at a link's password never locks an office out of signing in.
    sharePassword: {
      rateLimit: { max: settings.signInAttempts, timeWindow: SIGN_IN_WINDOW_MS, groupId: 'share-password', keyGenerator: (req: FastifyRequest) => `ip:${req.ip}`, errorResponseBuilder: refusal('password attempts') },
    },
    // A stolen session guessing at the current password meets the same wall as a sign-in.
    passwordChange: {
      rateLimit: { max: settings.signInAttempts, timeWindow: SIGN_IN_WINDOW_MS, groupId: 'password-change', keyGenerator: budgetOf, errorResponseBuilder: refusal('password attempts') },
    },
  };
}
