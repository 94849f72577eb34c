/** Time and randomness, handed in so services stay deterministic under test. */
export interface Clock {
  now(): Date;
}

export interface Random {
  uuid(): string;
  /** A seed in 0..4294967295. */
  seed(): number;
}
