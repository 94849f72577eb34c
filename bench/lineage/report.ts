import type { CaseResult, Summary } from './measure.ts';

/** The aim from issue 11 (it was 1.5x until 2026-11-28): the service within 1.2x of the bare query. */
export const AIM_RATIO = 1.2;

/** The labels of the two details that time the way the route answered until 2026-11-28 (cases.ts). */
export const PREVIOUS_ROUTE = 'until 2026-11-28, the route:';
export const PREVIOUS_BENCH = 'until 2026-11-28, what this benchmark timed as the service';

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

/** A detail's median over the bare median, by the start of its label; blank when the case has none. */
function detailRatio(result: CaseResult, labelStart: string): string {
  const found = result.summaries.find((s) => s.role === 'detail' && s.label.startsWith(labelStart));
  return found ? `${(found.median / only(result, 'bare').median).toFixed(2)}x` : '';
}

/** Service beside bare, one row per case, with the previous way of answering timed in the same loop. */
export function resultsTable(results: CaseResult[]): string {
  return table(
    [
      'Query',
      'Service median ms',
      'Service p95 ms',
      'Bare median ms',
      'Bare p95 ms',
      'Ratio (median)',
      `Within ${AIM_RATIO}x`,
      'Until 2026-11-28, the route ÷ bare',
      'Until 2026-11-28, as this benchmark timed it ÷ bare',
    ],
    results.map((r) => {
      const service = only(r, 'service');
      const bare = only(r, 'bare');
      const x = ratio(r);
      return [
        r.name,
        ms(service.median),
        ms(service.p95),
        ms(bare.median),
        ms(bare.p95),
        `${x.toFixed(2)}x`,
        x <= AIM_RATIO ? 'yes' : '**no**',
        detailRatio(r, PREVIOUS_ROUTE),
        detailRatio(r, PREVIOUS_BENCH),
      ];
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
