import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import { toast } from 'sonner';
import { setCsrfToken, type QueueJob } from '@/lib/api-client';
import { serveStudio, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, type FakeHttp } from '@/test/fake-http';
import { makeNode } from '@/test/image-node';
import { renderApp } from '@/test/render-app';
import { FakeEventSource, makeJob } from '@/features/generate/testing';
// Loaded up front, as the app does for the screen it opens on.
import './queue-page';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

let http: FakeHttp;
let jobs: QueueJob[];

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

function job(id: string, prompt: string, fields: Partial<QueueJob> = {}): QueueJob {
  return { ...makeJob({ id, request: { prompt, spec: { width: 512, height: 512, steps: 20 } }, created_at: at(10), ...fields }), position: null, ...fields };
}

/** Positions as the server gives them: queued jobs in the order they start (front moves first, then oldest). */
function renumber() {
  let n = 0;
  for (const j of jobs) j.position = j.status === 'queued' ? ++n : null;
}

/** The job routes of the API over `jobs`, kept in the order queued jobs start. */
function serveJobs(initial: QueueJob[]) {
  jobs = initial;
  renumber();
  const idOf = (path: string) => path.split('/')[3]!;
  http
    .on('GET', '/api/generations', (req) => {
      const params = new URL(req.url, 'http://x').searchParams;
      const statuses = params.get('status')?.split(',');
      const items = jobs.filter((j) => !statuses || statuses.includes(j.status)).sort((a, b) => b.created_at.localeCompare(a.created_at));
      const count = (s: string) => jobs.filter((j) => j.status === s).length;
      return json(200, { items: items.slice(0, Number(params.get('limit') ?? 50)), next_cursor: null, counts: { queued: count('queued'), running: count('running') } });
    })
    .on('POST', /^\/api\/generations\/[^/]+\/front$/, (req) => {
      const moved = jobs.find((j) => j.id === idOf(req.path));
      if (!moved || moved.status !== 'queued') return apiError(409, 'conflict', 'Only a queued job can be moved to the front.');
      jobs = [moved, ...jobs.filter((j) => j !== moved)];
      renumber();
      return json(200, moved);
    })
    .on('POST', /^\/api\/generations\/[^/]+\/retry$/, (req) => {
      const old = jobs.find((j) => j.id === idOf(req.path))!;
      const again = job(`${old.id}-again`, old.request.prompt as string, { created_at: new Date().toISOString() });
      jobs.push(again);
      renumber();
      return json(202, again);
    })
    .on('DELETE', /^\/api\/generations\/[^/]+$/, (req) => {
      const canceled = jobs.find((j) => j.id === idOf(req.path))!;
      if (new URL(req.url, 'http://x').searchParams.get('queued_only') === 'true' && canceled.status !== 'queued') {
        return apiError(409, 'conflict', `Job ${canceled.id} has started, so it was left running (queued_only); cancel it without queued_only to stop it.`);
      }
      Object.assign(canceled, { status: 'canceled', finished_at: new Date().toISOString(), error: { code: 'canceled', message: 'Canceled by request.' } });
      renumber();
      return json(200, canceled);
    })
    .on('GET', /^\/api\/images\/\d+$/, (req) => json(200, makeNode({ id: Number(idOf(req.path)) })));
}

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
  serveStudio(http, singleUser);
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.stubGlobal('scrollTo', vi.fn());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const queueList = () => screen.getByRole('list', { name: 'Queued and running' });
const rowTitles = (list: HTMLElement) => within(list).queryAllByRole('listitem').map((li) => li.querySelector('p')!.textContent);
const row = (title: string) => screen.getByRole('listitem', { name: title });

describe('the Queue page', { timeout: 20_000 }, () => {
  beforeEach(() => {
    serveJobs([
      job('run', 'a lighthouse at dusk', { status: 'running', started_at: at(1), progress: 0.25, step: 5, total_steps: 20, created_at: at(12) }),
      job('q1', 'neon city at night', { created_at: at(9) }),
      job('q2', 'misty pine forest', { created_at: at(8) }),
      job('q3', 'a red flower in a field', { created_at: at(7), parent_id: 4, action_type: 'img2img' }),
      job('done', 'three moons', { status: 'succeeded', finished_at: at(20), created_at: at(30), images: [makeNode({ id: 11 }), makeNode({ id: 12 })] }),
      job('bad', 'a harbour at dawn', { status: 'failed', finished_at: at(25), created_at: at(31), error: { code: 'provider_error', message: 'The backend did not answer; check that it is running.' } }),
    ]);
  });

  it('shows what runs, then what waits in the order it starts, with live progress, and what ended lately', async () => {
    renderApp('/queue');
    await screen.findByRole('list', { name: 'Queued and running' }, { timeout: 5000 });
    expect(rowTitles(queueList())).toEqual(['a lighthouse at dusk', 'neon city at night', 'misty pine forest', 'a red flower in a field']);
    expect(screen.getByTestId('queue-counts').textContent).toBe('1 running · 3 queued');
    expect(within(row('neon city at night')).getByText('Next')).toBeTruthy();
    expect(within(row('a red flower in a field')).getByText('#3 in line')).toBeTruthy();
    // A version made from an image shows that image.
    await waitFor(() => expect(row('a red flower in a field').querySelector('img')?.getAttribute('src')).toBe('/thumbs/sdxl_4.webp'));

    const bar = within(row('a lighthouse at dusk')).getByRole('progressbar', { name: 'Progress of a lighthouse at dusk' });
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    const stream = FakeEventSource.latest();
    expect(stream.url).toBe('/api/generations/run/events');
    act(() => stream.emit('progress', { ...jobs[0]!, progress: 0.6, step: 12 }));
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('60'));
    expect(within(row('a lighthouse at dusk')).getByText('step 12 / 20')).toBeTruthy();

    const ended = screen.getByRole('list', { name: 'Recently ended' });
    expect(rowTitles(ended)).toEqual(['three moons', 'a harbour at dawn']);
    expect(within(row('three moons')).getByRole('link', { name: 'Open image #11: three moons' }).getAttribute('href')).toBe('/image/11');
    expect(within(row('a harbour at dawn')).getByText('The backend did not answer; check that it is running.')).toBeTruthy();
    // The header counts the active jobs.
    expect(await screen.findByRole('link', { name: 'Queue, 4 active' })).toBeTruthy();
    expect(screen.getByTestId('queue-badge').textContent).toBe('4');
  });

  it('moves a queued job to the front from the keyboard; it is next in line and keeps the focus', async () => {
    const { user } = renderApp('/queue');
    await screen.findByRole('list', { name: 'Queued and running' }, { timeout: 5000 });
    const move = within(row('a red flower in a field')).getByRole('button', { name: 'Move to front: a red flower in a field' });
    move.focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(rowTitles(queueList())).toEqual(['a lighthouse at dusk', 'a red flower in a field', 'neon city at night', 'misty pine forest']));
    expect(http.to('/api/generations/q3/front', 'POST')).toHaveLength(1);
    expect(within(row('a red flower in a field')).getByText('Next')).toBeTruthy();
    expect(within(row('neon city at night')).getByText('#2 in line')).toBeTruthy();
    // The first in line has nothing to move.
    expect(within(row('a red flower in a field')).queryByRole('button', { name: /^Move to front/ })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(row('a red flower in a field')));
  });

  it('cancels a job; focus goes on to the next one in line', async () => {
    const { user } = renderApp('/queue');
    await screen.findByRole('list', { name: 'Queued and running' }, { timeout: 5000 });
    await user.click(within(row('neon city at night')).getByRole('button', { name: 'Cancel: neon city at night' }));
    await waitFor(() => expect(rowTitles(queueList())).toEqual(['a lighthouse at dusk', 'misty pine forest', 'a red flower in a field']));
    expect(http.to('/api/generations/q1', 'DELETE')).toHaveLength(1);
    expect(toast.success).toHaveBeenCalledWith('Canceled', { description: 'neon city at night' });
    await waitFor(() => expect(document.activeElement).toBe(row('misty pine forest')));
    // It is among the ended ones, to run again.
    await waitFor(() => expect(rowTitles(screen.getByRole('list', { name: 'Recently ended' }))).toContain('neon city at night'));
  });

  it('cancels every queued job at once after a second click, leaving the running one', async () => {
    const { user } = renderApp('/queue');
    await screen.findByRole('list', { name: 'Queued and running' }, { timeout: 5000 });
    await user.click(screen.getByRole('button', { name: 'Cancel all queued' }));
    // Nothing happens until it is confirmed; "Keep them" backs out.
    const deletes = () => ['run', 'q1', 'q2', 'q3'].map((id) => http.to(`/api/generations/${id}`, 'DELETE').length);
    expect(deletes()).toEqual([0, 0, 0, 0]);
    await user.click(screen.getByRole('button', { name: 'Keep them' }));
    expect(rowTitles(queueList())).toHaveLength(4);
    await user.click(screen.getByRole('button', { name: 'Cancel all queued' }));
    await user.click(screen.getByRole('button', { name: 'Cancel 3 queued' }));
    await waitFor(() => expect(rowTitles(queueList())).toEqual(['a lighthouse at dusk']));
    expect(deletes()).toEqual([0, 1, 1, 1]);
    expect(toast.success).toHaveBeenCalledWith('Canceled 3 queued generations');
    // With one job left running there is nothing to cancel all of.
    expect(screen.queryByRole('button', { name: 'Cancel all queued' })).toBeNull();
  });

  it('cancels all queued only while they wait: a job that starts meanwhile runs on, and the toast says so', async () => {
    const { user } = renderApp('/queue');
    await screen.findByRole('list', { name: 'Queued and running' }, { timeout: 5000 });
    await user.click(screen.getByRole('button', { name: 'Cancel all queued' }));
    // The next in line starts between the click and its cancel.
    jobs.find((j) => j.id === 'q1')!.status = 'running';
    await user.click(screen.getByRole('button', { name: 'Cancel 3 queued' }));
    await waitFor(() => expect(toast.success).toHaveBeenCalledWith('Canceled 2 queued generations; 1 had started and runs on'));
    expect(['q1', 'q2', 'q3'].map((id) => http.to(`/api/generations/${id}`, 'DELETE').map((r) => r.url))).toEqual([
      ['/api/generations/q1?queued_only=true'],
      ['/api/generations/q2?queued_only=true'],
      ['/api/generations/q3?queued_only=true'],
    ]);
    expect(jobs.find((j) => j.id === 'q1')!.status).toBe('running');
    expect(toast.error).not.toHaveBeenCalled();
  });

  it('retries a failed job: a new job joins the queue and takes the focus', async () => {
    const { user } = renderApp('/queue');
    await screen.findByRole('list', { name: 'Recently ended' }, { timeout: 5000 });
    await user.click(within(row('a harbour at dawn')).getByRole('button', { name: 'Retry: a harbour at dawn' }));
    expect(http.to('/api/generations/bad/retry', 'POST')).toHaveLength(1);
    await waitFor(() => expect(rowTitles(queueList())).toContain('a harbour at dawn'));
    expect(toast.success).toHaveBeenCalledWith('Queued again with the same recipe', { description: 'a harbour at dawn' });
    const again = queueList().querySelector('[data-job-id="bad-again"]')!;
    await waitFor(() => expect(document.activeElement).toBe(again));
    expect(within(again as HTMLElement).getByText('#4 in line')).toBeTruthy();
  });

  it('says what went wrong when an action is refused', async () => {
    const { user } = renderApp('/queue');
    await screen.findByRole('list', { name: 'Queued and running' }, { timeout: 5000 });
    http.on('POST', '/api/generations/q2/front', () => apiError(409, 'conflict', 'Job q2 has already started; only a queued job can be moved to the front.'));
    await user.click(within(row('misty pine forest')).getByRole('button', { name: 'Move to front: misty pine forest' }));
    await waitFor(() => expect(toast.error).toHaveBeenCalledWith('Job q2 has already started; only a queued job can be moved to the front.'));
    expect(within(row('misty pine forest')).getByRole('button', { name: 'Move to front: misty pine forest' }).hasAttribute('disabled')).toBe(false);
  });
});

describe('the Queue page, empty', { timeout: 20_000 }, () => {
  it('says nothing waits, and leads to Create', async () => {
    serveJobs([]);
    renderApp('/queue');
    expect(await screen.findByRole('heading', { name: 'Nothing is queued or running' }, { timeout: 5000 })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Create an image' }).getAttribute('href')).toBe('/');
    expect(screen.queryByRole('list', { name: 'Recently ended' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Queue' })).toBeTruthy();
    expect(screen.queryByTestId('queue-badge')).toBeNull();
  });
});
