/**
 * The memory of a process as Linux counts it, from /proc/<pid>/status: the resident set (VmRSS), its
 * anonymous part (heap, buffers, stacks: RssAnon), and the peak since the last reset (VmHWM).
 */
import fs from 'node:fs';

export interface ProcMemory {
  rss: number;
  anon: number;
  hwm: number;
}

const KIB = 1024;

/** The process's memory in bytes, or null once it is gone. */
export function procMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * KIB;
  return { rss: field('VmRSS'), anon: field('RssAnon'), hwm: field('VmHWM') };
}

/** Sets VmHWM back to the current VmRSS (Linux 4.0 and later); false where that is not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface Sampled {
  samples: number;
  /** The highest VmRSS sampled, and the RssAnon of that sample. */
  peakRss: number;
  peakAnon: number;
  /** VmHWM at the end, when it was reset at the start: the true peak, also between samples. */
  hwm: number | null;
  /** The highest RSS of this (the client) process, sampled alike, and its RSS at the start. */
  clientPeakRss: number;
  clientStartRss: number;
  /** VmRSS over time: [ms since start, bytes], one in ten samples. */
  trace: Array<[number, number]>;
}

/** Samples the process's VmRSS every `everyMs` from start() to stop(). */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private readonly started = performance.now();
  private count = 0;
  private peakRss = 0;
  private peakAnon = 0;
  private clientPeakRss = 0;
  private readonly clientStartRss = process.memoryUsage.rss();
  private readonly trace: Array<[number, number]> = [];
  private readonly peakReset: boolean;
  private result: Sampled | null = null;

  private constructor(
    private readonly pid: number,
    everyMs: number,
  ) {
    this.peakReset = resetPeak(pid);
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  static start(pid: number, everyMs = 50): RssSampler {
    return new RssSampler(pid, everyMs);
  }

  /** The latest VmRSS read, for progress lines. */
  latest = 0;

  private sample(): void {
    const m = procMemory(this.pid);
    this.clientPeakRss = Math.max(this.clientPeakRss, process.memoryUsage.rss());
    if (!m) return;
    if (this.count % 10 === 0) this.trace.push([Math.round(performance.now() - this.started), m.rss]);
    this.count++;
    this.latest = m.rss;
    if (m.rss > this.peakRss) {
      this.peakRss = m.rss;
      this.peakAnon = m.anon;
    }
  }

  /** Stops sampling; the figures of the first call. */
  stop(): Sampled {
    if (this.result) return this.result;
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const m = procMemory(this.pid);
    this.result = {
      samples: this.count,
      peakRss: this.peakRss,
      peakAnon: this.peakAnon,
      hwm: this.peakReset && m ? m.hwm : null,
      clientPeakRss: this.clientPeakRss,
      clientStartRss: this.clientStartRss,
      trace: this.trace,
    };
    return this.result;
  }
}

/** The median VmRSS (and RssAnon) of a resting process over `ms`. */
export async function restingMemory(pid: number, ms = 1000, everyMs = 50): Promise<{ rss: number; anon: number }> {
  const rss: number[] = [];
  const anon: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const m = procMemory(pid);
    if (m) {
      rss.push(m.rss);
      anon.push(m.anon);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return { rss: median(rss), anon: median(anon) };
}
