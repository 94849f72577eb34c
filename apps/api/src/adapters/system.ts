import crypto from 'node:crypto';
import type { Clock, Random } from '../ports/system.port.ts';

export const systemClock: Clock = { now: () => new Date() };

export const cryptoRandom: Random = {
  uuid: () => crypto.randomUUID(),
  seed: () => crypto.randomBytes(4).readUInt32BE(0),
};
