import { afterEach, describe, expect, it } from 'vitest';
import { readPngTextChunks } from '../src/lib/png-text.ts';
import { resolveBackends } from '../src/providers/backends-config.ts';
import { createProviderRegistry } from '../src/providers/create-providers.ts';
import { startFakeComfyUi, type FakeComfyUi } from './fakes/comfyui-server.ts';
import { makeDataDir, startTestApp, until, type TestApp } from './harness.ts';

/** The app wired as main.ts wires it, from a backends file. */
function registryFor(file: unknown, env: NodeJS.ProcessEnv = {}) {
  return createProviderRegistry(resolveBackends(file, env), null);
}

let t: TestApp | undefined;
let comfy: FakeComfyUi | undefined;
afterEach(async () => {
  await t?.close();
  await comfy?.close();
  t = undefined;
  comfy = undefined;
});

const spec = { width: 256, height: 256, steps: 6, seed: 1234 };

describe('a ComfyUI backend through the whole app', () => {
  it('routes sdxl to ComfyUI and stores its image with the backend, its model file and the seed', async () => {
    comfy = await startFakeComfyUi();
    const providers = await registryFor({ backends: { 'gpu-box': { type: 'comfyui', url: comfy.url } } });
    t = await startTestApp({ providers });

    const models = (await t.app.inject({ url: '/api/models' })).json().models;
    expect(models.find((m: any) => m.name === 'sdxl')).toMatchObject({ provider: 'gpu-box', ai: true, reachable: true });

    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'a lighthouse', spec } });
    expect(res.statusCode, res.body).toBe(201);
    const node = res.json().images[0];
    expect(node).toMatchObject({ provider: 'gpu-box', model: 'sdxl', seed: 1234, width: 256, height: 256 });
    expect(node.spec_json.backend_model).toBe('sd_xl_base_1.0.safetensors');
    expect(comfy.prompts).toHaveLength(1);
    expect(comfy.warnings).toEqual([]);

    // The stored file is ComfyUI's image with ImageFlow's recipe chunks added.
    const png = (await t.app.inject({ url: node.url })).rawPayload;
    const chunks = readPngTextChunks(png);
    const recipe = JSON.parse(chunks.find((c) => c.keyword === 'imageflow')!.text);
    expect(recipe).toMatchObject({ node_id: node.id, provider: 'gpu-box', spec: { seed: 1234 } });
    // ComfyUI's own graph stays in the file, so the image drags back into ComfyUI.
    expect(JSON.parse(chunks.find((c) => c.keyword === 'prompt')!.text)).toEqual(comfy.prompts[0]!.prompt);
    const parameters = chunks.find((c) => c.keyword === 'parameters')!.text;
    expect(parameters).toMatch(/^a lighthouse\nNegative prompt: .*\nSteps: 6, Sampler: .+, Seed: 1234, Size: 256x256, Model: sd_xl_base_1\.0\.safetensors, /s);

    // Image-to-image from it goes to ComfyUI with the stored PNG uploaded as the init image.
    const child = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { parent_id: node.id, spec: { strength: 0.5 } } });
    expect(child.statusCode, child.body).toBe(201);
    expect(comfy.uploads).toHaveLength(1);
  });

  it('a backend that is down: models say so, and a generation fails with a message naming it', async () => {
    comfy = await startFakeComfyUi();
    const url = comfy.url;
    await comfy.close();
    t = await startTestApp({ providers: await registryFor({ backends: { 'gpu-box': { type: 'comfyui', url } } }) });
    const sdxl = (await t.app.inject({ url: '/api/models' })).json().models.find((m: any) => m.name === 'sdxl');
    expect(sdxl).toMatchObject({ provider: 'gpu-box', reachable: false });
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'x', spec } });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.message).toMatch(/ComfyUI at http:\/\/127\.0\.0\.1:\d+ is not reachable/);
    expect((await t.app.inject({ url: '/api/images' })).json().items).toEqual([]);
  });

  it('cancel reaches ComfyUI as /interrupt for the running prompt', async () => {
    comfy = await startFakeComfyUi({ faults: { holdAtStep: 3 } });
    t = await startTestApp({ providers: await registryFor({ backends: { 'gpu-box': { type: 'comfyui', url: comfy.url } } }) });
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'slow', spec } })).json();
    // The fake holds before it reports step 3: step 2 is the last one seen.
    await until(async () => (await t!.app.inject({ url: `/api/generations/${job.id}` })).json().step === 2, 'step 2');
    const canceled = await t.app.inject({ method: 'DELETE', url: `/api/generations/${job.id}` });
    expect(canceled.json().status).toBe('canceled');
    await t.services.queue.idle();
    expect(comfy.interrupts.map((i) => i.prompt_id)).toEqual([comfy.prompts[0]!.prompt_id]);
    expect((await t.app.inject({ url: '/api/images' })).json().items).toEqual([]);
  });

  it('a restart of ImageFlow while ComfyUI runs the job follows it to the end without submitting it again', async () => {
    const dataDir = await makeDataDir();
    comfy = await startFakeComfyUi({ faults: { holdAtStep: 2 } });
    const file = { backends: { 'gpu-box': { type: 'comfyui', url: comfy.url } } };
    t = await startTestApp({ dataDir, providers: await registryFor(file) });
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'long run', spec } })).json();
    await until(async () => (await t!.app.inject({ url: `/api/generations/${job.id}` })).json().step === 1, 'step 1');
    await t.close();

    t = await startTestApp({ dataDir, providers: await registryFor(file) });
    await until(() => comfy!.socketConnects >= 2, 'the resumed run to reconnect');
    comfy.faults.holdAtStep = undefined;
    comfy.release();
    await t.services.queue.idle();
    const done = (await t.app.inject({ url: `/api/generations/${job.id}` })).json();
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.images).toHaveLength(1);
    expect(comfy.prompts).toHaveLength(1);
    expect(comfy.interrupts).toEqual([]);
  });
});
