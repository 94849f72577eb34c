import { describe, expect, it } from 'vitest';
import type { ProviderProgress } from '../../ports/provider.port.ts';
import { makeImage } from '../../../test/fakes/hosted-servers.ts';
import {
  BatchProgress,
  HostedHttp,
  HostedHttpError,
  batchSeed,
  checkImage,
  quoteErrorBody,
  sleep,
  statusError,
  stepFromLogs,
  type ServiceInfo,
} from './hosted-common.ts';

const svc: ServiceInfo = { label: 'fal', keyEnv: 'FAL_KEY', backend: 'fal' };

describe('quoteErrorBody', () => {
  it('reads the error shapes of the services', () => {
    expect(quoteErrorBody(JSON.stringify({ detail: [{ loc: ['body', 'num_images'], msg: 'ensure this value is less than or equal to 4', type: 'x' }] }))).toBe(
      'num_images: ensure this value is less than or equal to 4',
    );
    expect(quoteErrorBody(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }))).toBe('Incorrect API key provided');
    expect(quoteErrorBody(JSON.stringify({ title: 'Input validation failed', detail: '- input.x: bad\n', status: 422 }))).toBe('Input validation failed: - input.x: bad');
    expect(quoteErrorBody(JSON.stringify({ detail: 'Not authenticated' }))).toBe('Not authenticated');
    expect(quoteErrorBody('<html>\n<body>Bad Gateway</body>\n</html>')).toBe('<html> <body>Bad Gateway</body> </html>');
    expect(quoteErrorBody('  ')).toBe('');
    expect(quoteErrorBody('x'.repeat(1000)).length).toBeLessThan(410);
  });
});

describe('statusError', () => {
  it('says what to do for each kind of answer', () => {
    expect(statusError(svc, 401, '{"detail":"bad key"}', 'x')).toMatchObject({ code: 'provider_auth', retryable: false });
    expect(statusError(svc, 401, '', 'x').message).toBe(
      'fal rejected the API key (FAL_KEY) of backend "fal" (401). Check the key in imageflow.config.json or the FAL_KEY environment variable.',
    );
    expect(statusError(svc, 402, '', 'x').code).toBe('provider_payment');
    expect(statusError(svc, 404, '', 'model "m"').message).toContain('does not know model "m"');
    expect(statusError(svc, 422, '{"detail":"no"}', 'x')).toMatchObject({ code: 'provider_rejected', message: 'fal refused the request for x (422): "no".' });
    const limited = statusError(svc, 429, '', 'x', new Headers({ 'retry-after': '3' }));
    expect(limited).toMatchObject({ code: 'provider_rate_limited', retryable: true, retryAfterMs: 3000 });
    expect(limited.message).toContain('rate limited ImageFlow (429); try again later');
    expect(statusError(svc, 503, '', 'x')).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(statusError(svc, 503, '', 'x').statusCode).toBe(502);
  });
});

describe('stepFromLogs', () => {
  it('reads the last tqdm or "step n/m" counter, and nothing when there is none', () => {
    expect(stepFromLogs('Using seed: 5\n 10%|█ | 2/20 [00:01<00:09]\r 45%|████ | 9/20 [00:02<00:03]\r')).toEqual({ step: 9, total: 20 });
    expect(stepFromLogs('loading\nstep 3 of 10\nstep 4/10')).toEqual({ step: 4, total: 10 });
    expect(stepFromLogs('Loading model weights\nRunning')).toBeUndefined();
    expect(stepFromLogs('')).toBeUndefined();
  });
});

describe('BatchProgress', () => {
  it('adds up what each job reported, never going back, a finished job counting whole', () => {
    const seen: ProviderProgress[] = [];
    const progress = new BatchProgress(2, 10, (p) => seen.push(p));
    progress.report(0, 0.5);
    progress.report(0, 0.3);
    progress.report(1, 0.21);
    progress.finish(0);
    progress.finish(1);
    progress.finish(1);
    expect(seen).toEqual([
      { step: 5, total: 20 },
      { step: 7, total: 20 },
      { step: 12, total: 20 },
      { step: 20, total: 20 },
    ]);
  });
});

describe('batchSeed', () => {
  it('wraps after the largest seed', () => {
    expect([0, 1, 2].map((i) => batchSeed(4_294_967_295, i))).toEqual([4_294_967_295, 0, 1]);
  });
});

describe('checkImage', () => {
  it('keeps PNG bytes as they are, converts JPEG and WebP, refuses anything else', async () => {
    const png = await makeImage(40, 30, 'png', 1);
    expect((await checkImage(svc, png, 'x')).png).toBe(png);
    for (const format of ['jpeg', 'webp'] as const) {
      const checked = await checkImage(svc, await makeImage(40, 30, format, 1), 'x');
      expect(checked).toMatchObject({ width: 40, height: 30 });
      expect(checked.png.subarray(1, 4).toString()).toBe('PNG');
    }
    await expect(checkImage(svc, Buffer.from('<html>oops</html>'), 'its output image')).rejects.toMatchObject({ code: 'provider_bad_output' });
    await expect(checkImage(svc, png.subarray(0, png.length - 20), 'x')).rejects.toMatchObject({ code: 'provider_bad_output' });
  });
});

describe('HostedHttp.poll', () => {
  const http = new HostedHttp(svc, fetch, {});

  it('retries retryable failures with backoff, then gives up', async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      return calls < 3 ? Promise.reject(statusError(svc, 503, '', 'x')) : Promise.resolve('ok');
    };
    await expect(http.poll(flaky, 1)).resolves.toBe('ok');
    expect(calls).toBe(3);

    calls = 0;
    const down = () => {
      calls++;
      return Promise.reject(statusError(svc, 500, '', 'x'));
    };
    await expect(http.poll(down, 1)).rejects.toBeInstanceOf(HostedHttpError);
    expect(calls).toBe(6);
  });

  it('does not retry what retrying cannot fix, and stops on abort', async () => {
    let calls = 0;
    await expect(
      http.poll(() => {
        calls++;
        return Promise.reject(statusError(svc, 401, '', 'x'));
      }, 1),
    ).rejects.toMatchObject({ code: 'provider_auth' });
    expect(calls).toBe(1);

    const controller = new AbortController();
    const reason = new Error('stop');
    const run = http.poll(() => Promise.reject(statusError(svc, 503, '', 'x')), 10_000, controller.signal);
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
  });
});

describe('sleep', () => {
  it('rejects with the reason when aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('r');
    const waiting = sleep(10_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});
