import { Rng } from './random.ts';

export type Role = 'service' | 'bare' | 'detail';

export interface Variant {
  label: string;
  role: Role;
  /** Sync (bare better-sqlite3) or async (service, repository); a promise is awaited inside the timing. */
  run: () => unknown;
}

export interface BenchCase {
  name: string;
  warmup: number;
  iterations: number;
  variants: Variant[];
}

export interface Summary {
  label: string;
  role: Role;
  n: number;
  median: number;
  p95: number;
  min: number;
}

export interface CaseResult {
  name: string;
  summaries: Summary[];
}

function percentile(sorted: number[], p: number): number {
  // Nearest-rank: the smallest sample with at least p of the samples at or below it.
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

function summarize(label: string, role: Role, samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { label, role, n: sorted.length, median, p95: percentile(sorted, 0.95), min: sorted[0]! };
}

async function timeOnce(run: () => unknown): Promise<number> {
  const start = performance.now();
  const result = run();
  if (result instanceof Promise) await result;
  return performance.now() - start;
}

/**
 * Runs every variant of a case in the same loop, in a new shuffled order each round (seeded, so runs
 * repeat), so drift on a shared machine (other work, GC, page cache) falls on all of them alike, and
 * no variant always runs right after the same one. (Until the night of 2026-11-28 the order was rotated, which kept
 * the neighbours: the variant after a slow one that had flushed the caches always paid for it.)
 */
export async function runCase(bench: BenchCase): Promise<CaseResult> {
  const samples = bench.variants.map(() => [] as number[]);
  const rounds = bench.warmup + bench.iterations;
  const rng = new Rng(0x5eed);
  const order = bench.variants.map((_, i) => i);
  for (let round = 0; round < rounds; round++) {
    // Fisher-Yates.
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const index of order) {
      const ms = await timeOnce(bench.variants[index]!.run);
      if (round >= bench.warmup) samples[index]!.push(ms);
    }
  }
  return { name: bench.name, summaries: bench.variants.map((v, i) => summarize(v.label, v.role, samples[i]!)) };
}
