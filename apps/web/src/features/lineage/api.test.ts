import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import type { Lineage, LineageSummary } from '@imageflow/shared';
import { api } from '@/lib/api-client';
import { makeNode } from '@/test/image-node';
import { addLineagePage, LINEAGE_PAGE_SIZE, lineagePages, loadRestOfLineage, wholeLineageQuery, type WholeLineage } from './api';

vi.mock('@/lib/api-client', () => ({ api: { lineage: vi.fn() } }));

/** A server holding `total` nodes, answering pages of at most `limit`. */
function serveTree(total: number) {
  vi.mocked(api.lineage).mockImplementation(async (_id, params = {}) => {
    const from = params.cursor ? Number(params.cursor) : 0;
    const limit = params.limit ?? 1000;
    const ids = Array.from({ length: Math.min(limit, total - from) }, (_, i) => from + i + 1);
    const more = from + ids.length < total;
    return { root_id: 1, focus_id: 1, path: [1], nodes: ids.map((id) => makeNode({ id })), truncated: more, next_cursor: more ? String(from + ids.length) : null } as Lineage;
  });
}

/** The whole tree as the lineage screen's query builds it: every page, as it comes, added to the tree so far. */
async function readWhole(id: number, options: { pageSize: number; cap?: number }): Promise<WholeLineage> {
  let lineage: WholeLineage | null = null;
  for await (const page of lineagePages(id, options)) lineage = addLineagePage(lineage, page, options.cap);
  return lineage!;
}

describe('the whole tree, page by page', () => {
  it('follows next_cursor until the tree is complete', async () => {
    serveTree(2500);
    const lineage = await readWhole(1, { pageSize: 1000 });
    expect(lineage.nodes).toHaveLength(2500);
    expect(lineage.truncated).toBe(false);
    expect(vi.mocked(api.lineage).mock.calls.map((c) => c[1])).toEqual([
      { scope: 'tree', limit: 1000 },
      { scope: 'tree', limit: 1000, cursor: '1000' },
      { scope: 'tree', limit: 1000, cursor: '2000' },
    ]);
  });

  it('stops at the cap and says the tree is truncated', async () => {
    vi.mocked(api.lineage).mockClear();
    serveTree(9000);
    const lineage = await readWhole(1, { pageSize: 1000, cap: 2500 });
    expect(lineage.nodes).toHaveLength(2500);
    expect(lineage.truncated).toBe(true);
    expect(vi.mocked(api.lineage).mock.calls.at(-1)![1]).toMatchObject({ limit: 500 });
  });
});

describe('lineagePages', () => {
  it('asks for each page as soon as the one before arrives, before anyone reads it', async () => {
    vi.mocked(api.lineage).mockClear();
    serveTree(2500);
    const pages = lineagePages(1, { pageSize: 1000 });
    await vi.waitFor(() => expect(vi.mocked(api.lineage)).toHaveBeenCalledTimes(3));
    const seen: number[] = [];
    for await (const page of pages) seen.push(page.nodes.length);
    expect(seen).toEqual([1000, 1000, 500]);
    expect(vi.mocked(api.lineage)).toHaveBeenCalledTimes(3);
  });

  it('gives a failed page to whoever reads it, after the pages before it', async () => {
    vi.mocked(api.lineage).mockClear();
    serveTree(2500);
    vi.mocked(api.lineage).mockImplementationOnce(vi.mocked(api.lineage).getMockImplementation()!).mockRejectedValueOnce(new Error('The server stopped.'));
    const read: number[] = [];
    await expect(
      (async () => {
        for await (const page of lineagePages(1, { pageSize: 1000 })) read.push(page.nodes.length);
      })(),
    ).rejects.toThrow('The server stopped.');
    expect(read).toEqual([1000]);
  });
});

describe('the lineage screen\'s query after a page fails', () => {
  const TOTAL = Math.round(LINEAGE_PAGE_SIZE * 2.4);
  const cursors = () => vi.mocked(api.lineage).mock.calls.map((c) => c[1]?.cursor);

  /** A tree of 2.4 pages whose second page fails `times` times, and the query as the screen runs it, retrying `retry` times. */
  function failing(times: number, retry: number) {
    vi.mocked(api.lineage).mockReset();
    serveTree(TOTAL);
    const served = vi.mocked(api.lineage).getMockImplementation()!;
    let failures = times;
    vi.mocked(api.lineage).mockImplementation(async (id, params) => {
      if (params?.cursor === String(LINEAGE_PAGE_SIZE) && failures-- > 0) throw new Error('The server is restarting.');
      return served(id, params);
    });
    return { client: new QueryClient({ defaultOptions: { queries: { retry, retryDelay: 0 } } }), options: wholeLineageQuery(1) };
  }

  function expectWhole(lineage: WholeLineage | null | undefined) {
    expect(lineage!.complete).toBe(true);
    expect(lineage!.next_cursor).toBeNull();
    expect(lineage!.nodes.map((n) => n.id)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  }

  it('retries from the page that failed, not from the root', async () => {
    const { client, options } = failing(1, 2);
    expectWhole(await client.fetchQuery(options));
    expect(cursors()).toEqual([undefined, String(LINEAGE_PAGE_SIZE), String(LINEAGE_PAGE_SIZE), String(2 * LINEAGE_PAGE_SIZE)]);
  });

  it('keeps what came when the retries fail, and "Try again" loads the rest from there', async () => {
    const { client, options } = failing(1, 0);
    await expect(client.fetchQuery(options)).rejects.toThrow('The server is restarting.');
    const so = client.getQueryData(options.queryKey)!;
    expect(so.nodes).toHaveLength(LINEAGE_PAGE_SIZE);
    expect(so.complete).toBe(false);
    vi.mocked(api.lineage).mockClear();
    const query = client.getQueryCache().find({ queryKey: options.queryKey })!;
    loadRestOfLineage(1, () => query.fetch());
    await vi.waitFor(() => expect(client.getQueryData(options.queryKey)!.complete).toBe(true));
    expectWhole(client.getQueryData(options.queryKey));
    expect(cursors()).toEqual([String(LINEAGE_PAGE_SIZE), String(2 * LINEAGE_PAGE_SIZE)]);
  });

  it('loads again from the root on any other refetch, such as one after a change to the tree', async () => {
    const { client, options } = failing(1, 0);
    await expect(client.fetchQuery(options)).rejects.toThrow('The server is restarting.');
    vi.mocked(api.lineage).mockClear();
    await client.invalidateQueries({ queryKey: options.queryKey });
    expectWhole(await client.fetchQuery(options));
    expect(cursors()).toEqual([undefined, String(LINEAGE_PAGE_SIZE), String(2 * LINEAGE_PAGE_SIZE)]);
  });
});

describe('addLineagePage', () => {
  const page = (ids: number[], more: boolean) =>
    ({ root_id: 1, focus_id: 1, path: [1], nodes: ids.map((id) => makeNode({ id })), truncated: more, next_cursor: more ? 'c' : null }) as LineageSummary;

  it('says the tree is complete once a page says there is no more, and truncated when the cap stopped it', () => {
    const first = addLineagePage(null, page([1, 2], true), 10);
    expect(first).toMatchObject({ complete: false, truncated: false });
    expect(addLineagePage(first, page([3], false), 10)).toMatchObject({ complete: true, truncated: false });
    expect(addLineagePage(first, page([3], false), 10).nodes.map((n) => n.id)).toEqual([1, 2, 3]);
    expect(addLineagePage(first, page([3, 4], true), 4)).toMatchObject({ complete: true, truncated: true });
  });
});
