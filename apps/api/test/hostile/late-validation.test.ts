/**
 * Hostile input, class "late validation": what cannot be stored is a 400 when it is submitted,
 * on every route that takes it, never a failure when the job runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../harness.ts';
import { errorOf } from '../http-helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

async function jobCount(): Promise<number> {
  const row = await t.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

const ROUTES = ['/api/generations', '/api/images/generate', '/api/sdxl/txt2img', '/api/flux/txt2img', '/api/sdxl/img2img'];

describe('text that cannot be stored', () => {
  it('NUL, other control characters and lone surrogates in a prompt are a 400 at submit on every route', async () => {
    const before = await jobCount();
    // Raw JSON, so that the escapes reach the server exactly as a hostile client would send them.
    const cases: Array<[string, RegExp]> = [
      ['{"prompt":"a cat\\u0000 on a mat"}', /prompt contains the control character U\+0000/],
      ['{"prompt":"bell\\u0007"}', /U\+0007/],
      ['{"prompt":"escape\\u001b[31m"}', /U\+001B/],
      ['{"prompt":"del\\u007f"}', /U\+007F/],
      ['{"prompt":"half a pair \\ud83d"}', /lone surrogate/],
      ['{"prompt":"\\udc00 backwards"}', /lone surrogate/],
      ['{"prompt":"fine","negative_prompt":"not\\u0000fine"}', /negative_prompt contains the control character U\+0000/],
    ];
    for (const url of ROUTES) {
      for (const [body, message] of cases) {
        const res = await t.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json' } });
        expect(res.statusCode, `${url} ${body}`).toBe(400);
        expect(errorOf(res), `${url} ${body}`).toMatchObject({ code: 'validation_error', message: expect.stringMatching(message) });
      }
    }
    expect(await jobCount()).toBe(before);
  });

  it('tabs, line breaks, emoji and other scripts are stored as they were sent', async () => {
    const prompt = 'a fox\tin snow\r\nwith 🦊 and 雪, ümlaut';
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt, spec: { width: 64, height: 64, steps: 2 } } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().images[0].prompt).toBe(prompt);
  });

  it('search and filter text with control characters is a 400, not a query', async () => {
    for (const url of ['/api/images?q=%00', '/api/images?q=fox%07', '/api/images?model=sd%00xl']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(errorOf(res).code, url).toMatch(/validation_error|invalid_url/);
    }
  });
});
