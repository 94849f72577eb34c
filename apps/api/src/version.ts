import { randomUUID } from 'node:crypto';

export const VERSION = '0.1.0';

/** Set by scripts/build.mjs in the bundle: the fingerprint of the sources it was built from. */
declare const IMAGEFLOW_BUILD: string | undefined;

/**
 * What names this code: in the bundle, the fingerprint of the sources it was built from (every process
 * of one build shares it); run from the sources, one made for each process. Part of every validator of
 * an answer this code makes, so that no client takes what other code answered for this code's answer.
 */
export const BUILD = typeof IMAGEFLOW_BUILD === 'string' ? IMAGEFLOW_BUILD : `source-${randomUUID()}`;
