import type { CaseResult, Summary } from './measure.ts';

/** The aim from the issue: the service within 1.5x of the bare query. */
export const AIM_RATIO = 1.5;

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

function only(result: CaseResult, role: 'service' | 'bare'): Summary {
  const found = result.summaries.find((s) => s.role === role);
  if (!found) throw new Error(`case "${result.name}" has no ${role} variant`);
  return found;
}

export function ratio(result: CaseResult): number {
  return only(result, 'service').median / only(result, 'bare').median;
}

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

/** Service beside bare, one row per case. */
export function resultsTable(results: CaseResult[]): string {
  return table(
    ['Query', 'Service median ms', 'Service p95 ms', 'Bare median ms', 'Bare p95 ms', 'Ratio (median)', `Within ${AIM_RATIO}x`],
    results.map((r) => {
      const service = only(r, 'service');
      const bare = only(r, 'bare');
      const x = ratio(r);
      return [r.name, ms(service.median), ms(service.p95), ms(bare.median), ms(bare.p95), `${x.toFixed(2)}x`, x <= AIM_RATIO ? 'yes' : '**no**'];
    }),
  );
}

/** Every variant of every case, with its median relative to the bare query. */
export function detailTable(results: CaseResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    const bare = only(r, 'bare').median;
    for (const s of r.summaries) {
      rows.push([r.name, s.label, String(s.n), ms(s.median), ms(s.p95), ms(s.min), `${(s.median / bare).toFixed(2)}x`]);
    }
  }
  return table(['Case', 'Variant', 'Runs', 'Median ms', 'p95 ms', 'Min ms', 'vs bare'], rows);
}
