import { fileURLToPath } from 'node:url';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ModelName, Spec } from '@imageflow/shared';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderProgress, ProviderRequest, RemoteHandle } from '../../ports/provider.port.ts';
import { startFakeComfyUi, type FakeComfyOptions, type FakeComfyUi, type PromptRecord } from '../../../test/fakes/comfyui-server.ts';
import { ComfyUiProvider, inspectPng, pickFlux, pickSdxl, type ComfyUiHandle, type ComfyUiOptions } from './comfyui.provider.ts';
import { buildGraph, type ApiGraph } from './graphs.ts';
import { rejection } from '../../../test/provider-errors.ts';

const EXAMPLE_WORKFLOW = fileURLToPath(new URL('./examples/sdxl-workflow.json', import.meta.url));

const spec = (over: Partial<Spec> = {}): Spec => ({
  width: 64,
  height: 48,
  steps: 4,
  guidance: 7,
  seed: 4242,
  sampler: 'dpmpp_2m_karras',
  strength: 0.6,
  batch_size: 1,
  ...over,
});

const request = (model: ModelName = 'sdxl', over: Partial<Spec> = {}, extra: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model,
  prompt: 'a red fox in the snow',
  negativePrompt: 'blurry',
  spec: spec(over),
  ...extra,
});

let fake: FakeComfyUi | undefined;
const fakes: FakeComfyUi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  fake = undefined;
});

async function startFake(options: FakeComfyOptions = {}): Promise<FakeComfyUi> {
  const f = await startFakeComfyUi(options);
  fakes.push(f);
  fake = f;
  return f;
}

function provider(over: Partial<ComfyUiOptions> = {}): ComfyUiProvider {
  return new ComfyUiProvider({
    name: 'gpu-box',
    url: fake!.url,
    models: { sdxl: {}, 'flux-dev': {}, 'flux-schnell': {} },
    pollIntervalMs: 20,
    ...over,
  });
}

/** The one node of a class in a submitted graph. */
function node(prompt: PromptRecord, classType: string) {
  const found = Object.entries(prompt.prompt).filter(([, n]) => n.class_type === classType);
  expect(found, classType).toHaveLength(1);
  return { id: found[0]![0], inputs: found[0]![1].inputs };
}

/** Resolves once `predicate` holds for a progress event. */
function progressGate(predicate: (p: ProviderProgress) => boolean) {
  let open!: () => void;
  const reached = new Promise<void>((r) => (open = r));
  return { reached, onProgress: (p: ProviderProgress) => predicate(p) && open() };
}

describe('ComfyUiProvider against the fake ComfyUI', () => {
  it('SDXL text-to-image: a graph the server accepts, PNGs of the asked size, the handle, the seed and model', async () => {
    const f = await startFake();
    const p = provider();
    const handles: RemoteHandle[] = [];
    const images = await p.generate(request('sdxl', { width: 96, height: 64 }), { onSubmitted: (h) => handles.push(h) });

    expect(f.prompts).toHaveLength(1);
    expect(f.rejections).toEqual([]);
    expect(f.warnings).toEqual([]); // no input the server would silently ignore
    const submitted = f.prompts[0]!;
    expect(node(submitted, 'CheckpointLoaderSimple').inputs).toEqual({ ckpt_name: 'sd_xl_base_1.0.safetensors' });
    expect(node(submitted, 'EmptyLatentImage').inputs).toEqual({ width: 96, height: 64, batch_size: 1 });
    expect(node(submitted, 'KSampler').inputs).toMatchObject({ seed: 4242, steps: 4, cfg: 7, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 1 });

    expect(handles).toHaveLength(1);
    const handle = handles[0] as ComfyUiHandle;
    expect(handle).toMatchObject({ kind: 'comfyui', backend: 'gpu-box', url: f.url, prompt_id: submitted.prompt_id, seed: 4242, backend_model: 'sd_xl_base_1.0.safetensors' });
    expect(handle.client_id).toBe(submitted.client_id);
    expect(f.calls('POST', '/prompt')[0]!.body).toMatchObject({ client_id: handle.client_id });

    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ seed: 4242, width: 96, height: 64, backendModel: 'sd_xl_base_1.0.safetensors', batchIndex: 0, filename: 'ImageFlow_00001_.png' });
    const meta = await sharp(images[0]!.png).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 96, height: 64 });
    expect(f.calls('GET', '/view')[0]!.query).toEqual({ filename: 'ImageFlow_00001_.png', subfolder: '', type: 'output' });
  });

  it('reports progress per sampling step and forwards the binary previews', async () => {
    await startFake({ previewEvery: 2 });
    const progress: ProviderProgress[] = [];
    const previews: Array<{ mime: string; data: Buffer }> = [];
    await provider().generate(request('sdxl', { steps: 6 }), { onProgress: (p) => progress.push(p), onPreview: (p) => previews.push(p) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6].map((step) => ({ step, total: 6 })));
    expect(previews.length).toBe(2);
    for (const p of previews) {
      expect(p.mime).toBe('image/jpeg');
      expect((await sharp(p.data).metadata()).format).toBe('jpeg');
    }
  });

  it('a batch is one latent: every image, one KSampler seed (batch index kept), progress counts steps once', async () => {
    const f = await startFake();
    const progress: ProviderProgress[] = [];
    const images = await provider().generate(request('sdxl', { batch_size: 3, steps: 3 }), { onProgress: (p) => progress.push(p) });
    expect(node(f.prompts[0]!, 'EmptyLatentImage').inputs.batch_size).toBe(3);
    expect(images.map((i) => [i.seed, i.batchIndex, i.filename])).toEqual([
      [4242, 0, 'ImageFlow_00001_.png'],
      [4242, 1, 'ImageFlow_00002_.png'],
      [4242, 2, 'ImageFlow_00003_.png'],
    ]);
    expect(images[0]!.png.equals(images[1]!.png)).toBe(false);
    expect(progress.at(-1)).toEqual({ step: 3, total: 3 });
  });

  it('FLUX dev from split files it discovers: UNET, t5xxl + clip_l, ae; FluxGuidance and cfg 1', async () => {
    const f = await startFake();
    const images = await provider().generate(request('flux-dev', { sampler: 'euler', guidance: 3.5 }));
    expect(f.rejections).toEqual([]);
    expect(f.warnings).toEqual([]);
    const g = f.prompts[0]!;
    expect(node(g, 'UNETLoader').inputs).toEqual({ unet_name: 'flux1-dev.safetensors', weight_dtype: 'default' });
    expect(node(g, 'DualCLIPLoader').inputs).toEqual({ clip_name1: 't5xxl_fp16.safetensors', clip_name2: 'clip_l.safetensors', type: 'flux' });
    expect(node(g, 'VAELoader').inputs).toEqual({ vae_name: 'ae.safetensors' });
    expect(node(g, 'FluxGuidance').inputs.guidance).toBe(3.5);
    expect(node(g, 'EmptySD3LatentImage').inputs).toEqual({ width: 64, height: 48, batch_size: 1 });
    expect(node(g, 'KSampler').inputs).toMatchObject({ cfg: 1, sampler_name: 'euler', scheduler: 'simple' });
    expect(images[0]).toMatchObject({ backendModel: 'flux1-dev.safetensors', width: 64, height: 48 });
    // Discovery asked the server's node definitions.
    expect(f.calls('GET', '/object_info/UNETLoader')).toHaveLength(1);
  });

  it('FLUX schnell picks the schnell file; configured split files are used as given', async () => {
    const f = await startFake({ unets: ['flux1-dev-fp8.safetensors', 'flux1-schnell.safetensors', 'flux1-fill-dev.safetensors'], textEncoders: ['clip_l.safetensors', 't5xxl_fp8_e4m3fn.safetensors'] });
    await provider().generate(request('flux-schnell', { sampler: 'euler', guidance: 0 }));
    expect(node(f.prompts[0]!, 'UNETLoader').inputs.unet_name).toBe('flux1-schnell.safetensors');
    expect(node(f.prompts[0]!, 'DualCLIPLoader').inputs).toMatchObject({ clip_name1: 't5xxl_fp8_e4m3fn.safetensors', clip_name2: 'clip_l.safetensors' });

    const configured = provider({
      models: { 'flux-dev': { unet: 'flux1-dev-fp8.safetensors', clip: ['clip_l.safetensors', 't5xxl_fp8_e4m3fn.safetensors'], vae: 'ae.safetensors', weightDtype: 'fp8_e4m3fn' } },
    });
    const objectInfoCalls = f.requests.filter((r) => r.route.startsWith('/object_info')).length;
    await configured.generate(request('flux-dev', { sampler: 'euler' }));
    expect(node(f.prompts[1]!, 'UNETLoader').inputs).toEqual({ unet_name: 'flux1-dev-fp8.safetensors', weight_dtype: 'fp8_e4m3fn' });
    expect(f.requests.filter((r) => r.route.startsWith('/object_info')).length).toBe(objectInfoCalls); // nothing to discover
  });

  it('FLUX from one fp8 checkpoint, configured or discovered when no UNET is installed', async () => {
    const f = await startFake({ checkpoints: ['flux1-dev-fp8.safetensors', 'sd_xl_base_1.0.safetensors'], unets: [] });
    const images = await provider().generate(request('flux-dev', { sampler: 'euler' }));
    const g = f.prompts[0]!;
    expect(node(g, 'CheckpointLoaderSimple').inputs.ckpt_name).toBe('flux1-dev-fp8.safetensors');
    node(g, 'FluxGuidance');
    node(g, 'EmptySD3LatentImage');
    expect(Object.values(g.prompt).some((n) => n.class_type === 'UNETLoader')).toBe(false);
    expect(images[0]!.backendModel).toBe('flux1-dev-fp8.safetensors');

    await provider({ models: { 'flux-dev': { checkpoint: 'flux1-dev-fp8.safetensors' } } }).generate(request('flux-dev'));
    expect(node(f.prompts[1]!, 'CheckpointLoaderSimple').inputs.ckpt_name).toBe('flux1-dev-fp8.safetensors');
  });

  it('image-to-image: uploads the init image and uses the name the server returns (renamed when taken)', async () => {
    const f = await startFake();
    const init = await sharp({ create: { width: 100, height: 80, channels: 3, background: '#2050d0' } }).png().toBuffer();
    const p = provider();
    const first = await p.generate(request('sdxl', { width: 64, height: 64, strength: 0.45 }, { init: { png: init } }));
    const uploaded = f.uploads[0]!;
    expect(uploaded).toMatchObject({ type: 'input', overwrite: 'false' });
    expect(uploaded.name).toBe(uploaded.filename);
    expect(node(f.prompts[0]!, 'LoadImage').inputs.image).toBe(uploaded.name);
    expect(node(f.prompts[0]!, 'KSampler').inputs.denoise).toBe(0.45);
    expect(f.prompts[0]!.prompt[node(f.prompts[0]!, 'KSampler').id]!.inputs.latent_image).toEqual([node(f.prompts[0]!, 'VAEEncode').id, 0]);
    expect(first[0]).toMatchObject({ width: 64, height: 64 });

    // Someone else's different file now has that name: ComfyUI saves ours as "name (1).png".
    f.files.set(`input//${uploaded.name}`, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer());
    await p.generate(request('sdxl', { width: 64, height: 64, batch_size: 2 }, { init: { png: init } }));
    const renamed = f.uploads[1]!;
    expect(renamed.filename).toBe(uploaded.name);
    expect(renamed.name).toBe(uploaded.name.replace(/\.png$/, ' (1).png'));
    expect(node(f.prompts[1]!, 'LoadImage').inputs.image).toBe(renamed.name);
    expect(node(f.prompts[1]!, 'RepeatLatentBatch').inputs.amount).toBe(2);
    expect(f.rejections).toEqual([]);
  });

  it('discovers the SDXL checkpoint by name, in either object_info combo shape', async () => {
    let f = await startFake({ checkpoints: ['juggernautXL_v9.safetensors', 'sd_xl_refiner_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors'], comboStyle: 'COMBO' });
    await provider().generate(request());
    expect(node(f.prompts[0]!, 'CheckpointLoaderSimple').inputs.ckpt_name).toBe('juggernautXL_v9.safetensors');

    f = await startFake({ checkpoints: ['a.safetensors', 'b.safetensors'] });
    const err = await rejection(provider().generate(request()));
    expect(err.code).toBe('comfyui_model_missing');
    expect(err.message).toContain("No SDXL checkpoint configured for backend 'gpu-box' and none found on the ComfyUI server");
    expect(err.message).toContain('it has: a.safetensors, b.safetensors. Set models.sdxl.checkpoint in imageflow.config.json');
    expect(f.prompts).toHaveLength(0);

    expect(pickSdxl(['sd_xl_refiner_1.0.safetensors', 'sd_xl_base_1.0_0.9vae.safetensors', 'dreamshaperXL_turbo.safetensors'])).toBe('sd_xl_base_1.0_0.9vae.safetensors');
    expect(pickFlux(['flux1-canny-dev.safetensors', 'FLUX1/flux1-dev-fp8.safetensors'], 'dev')).toBe('FLUX1/flux1-dev-fp8.safetensors');
  });

  it('a user workflow file with placeholders runs as given, numbers as numbers', async () => {
    const f = await startFake();
    const p = provider({ models: { sdxl: { workflow: EXAMPLE_WORKFLOW } } });
    const images = await p.generate(request('sdxl', { seed: 77, steps: 3, batch_size: 2, sampler: 'euler_a' }));
    expect(f.rejections).toEqual([]);
    const g = f.prompts[0]!.prompt;
    expect(g['3']!.inputs).toMatchObject({ seed: 77, steps: 3, cfg: 7, sampler_name: 'euler_ancestral', scheduler: 'normal', denoise: 1 });
    expect(g['5']!.inputs).toEqual({ width: 64, height: 48, batch_size: 2 });
    expect(g['6']!.inputs.text).toBe('a red fox in the snow');
    expect(g['7']!.inputs.text).toBe('blurry, blurry, watermark');
    expect(images.map((i) => [i.filename, i.seed, i.backendModel])).toEqual([
      ['workflow_00001_.png', 77, 'sd_xl_base_1.0.safetensors'],
      ['workflow_00002_.png', 77, 'sd_xl_base_1.0.safetensors'],
    ]);
    expect(f.calls('GET', '/view')[0]!.query).toMatchObject({ subfolder: 'ImageFlow', type: 'output' });
  });

  it('a broken workflow file fails before anything reaches the server', async () => {
    const f = await startFake();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imageflow-comfy-'));
    try {
      const file = path.join(dir, 'bad.json');
      await fs.writeFile(file, (await fs.readFile(EXAMPLE_WORKFLOW, 'utf8')).replace('{{seed}}', '{{sed}}'));
      const err = await rejection(provider({ models: { sdxl: { workflow: file } } }).generate(request()));
      expect(err.code).toBe('comfyui_workflow_invalid');
      expect(err.message).toContain('unknown placeholder: {{sed}} in node 3 (KSampler) input "seed"');

      const init = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer();
      const mode = await rejection(provider({ models: { sdxl: { workflow: EXAMPLE_WORKFLOW } } }).generate(request('sdxl', {}, { init: { png: init } })));
      expect(mode.message).toContain('has no {{init_image}} placeholder');

      const missing = await rejection(provider({ models: { sdxl: { workflow: path.join(dir, 'nope.json') } } }).generate(request()));
      expect(missing.message).toContain('Cannot read the ComfyUI workflow file');
      expect(f.requests).toEqual([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('works behind a path prefix, and health / models describe the backend', async () => {
    const f = await startFake({ basePath: '/comfy' });
    const p = provider({ url: `${f.url}/`, models: { sdxl: { checkpoint: 'sd_xl_base_1.0.safetensors' } } });
    expect(await p.health()).toEqual({ ok: true });
    expect(await p.models()).toEqual(['sdxl']);
    expect(p).toMatchObject({ name: 'gpu-box', kind: 'comfyui', isAi: true });
    const images = await p.generate(request());
    expect(images).toHaveLength(1);
    expect(f.socketConnects).toBe(1);

    f.faults.statsStatus = 500;
    const health = await p.health();
    expect(health.ok).toBe(false);
    expect(health.message).toContain('HTTP 500');
  });
});

describe('ComfyUiProvider faults', () => {
  it('server down: a clear "not reachable" error, and health says so without throwing', async () => {
    const f = await startFake();
    const url = f.url;
    await f.close();
    const p = new ComfyUiProvider({ name: 'gpu-box', url, models: { sdxl: {} }, pollIntervalMs: 10 });
    const err = await rejection(p.generate(request()));
    expect(err.code).toBe('comfyui_unreachable');
    expect(err.message).toMatch(new RegExp(`^ComfyUI at ${url.replace(/[.]/g, '\\.')} is not reachable: connect ECONNREFUSED`));
    expect(err.message).toContain('Is it running');
    const health = await p.health();
    expect(health.ok).toBe(false);
    expect(health.message).toContain('not reachable');

    const remote = new ComfyUiProvider({ name: 'gpu-box', url: 'http://10.0.0.5:8188', models: { sdxl: {} }, fetch: async () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:8188'), { code: 'ECONNREFUSED' }) })), pollIntervalMs: 1 });
    const err2 = await rejection(remote.generate(request('sdxl', {}, {})));
    expect(err2.message).toContain('ComfyUI at http://10.0.0.5:8188 is not reachable: connect ECONNREFUSED 10.0.0.5:8188. Is it running, and started with --listen');
  });

  it('a server that does not answer in time: a timeout error naming the request', async () => {
    const f = await startFake({ faults: { responseDelayMs: 300 } });
    const err = await rejection(provider({ requestTimeoutMs: 40 }).generate(request()));
    expect(err.code).toBe('comfyui_timeout');
    expect(err.message).toBe(`ComfyUI at ${f.url} did not answer GET /object_info/CheckpointLoaderSimple within 40 ms. It may be overloaded or stuck; check its console.`);
    expect(f.prompts).toHaveLength(0);
  });

  it('POST /prompt 400 for a model that is not installed: the person reads which one and what exists', async () => {
    const f = await startFake();
    const err = await rejection(provider({ models: { sdxl: { checkpoint: 'missing.safetensors' } } }).generate(request()));
    expect(err.code).toBe('comfyui_rejected');
    expect(f.rejections[0]!.answer).toMatchObject({
      error: { type: 'prompt_outputs_failed_validation' },
      node_errors: { '1': { class_type: 'CheckpointLoaderSimple', errors: [{ type: 'value_not_in_list', extra_info: { input_name: 'ckpt_name', received_value: 'missing.safetensors' } }] } },
    });
    expect(err.message).toContain("model 'missing.safetensors' is not installed on the ComfyUI server at");
    expect(err.message).toContain('it has: sd_xl_base_1.0.safetensors, v1-5-pruned-emaonly.safetensors');
    expect(err.message).toContain('Set models.sdxl.checkpoint');
  });

  it('when ComfyUI elides a long model list, the names come from /object_info', async () => {
    const many = Array.from({ length: 25 }, (_, i) => `model_${String(i).padStart(2, '0')}.safetensors`);
    const f = await startFake({ checkpoints: many });
    const err = await rejection(provider({ models: { sdxl: { checkpoint: 'x.safetensors' } } }).generate(request()));
    expect(JSON.stringify(f.rejections[0]!.answer)).toContain('(list of length 25)');
    expect(err.message).toContain('it has: model_00.safetensors, model_01.safetensors');
    expect(err.message).toContain('model_24.safetensors');
  });

  it('POST /prompt 500: a clear error, and the prompt is never sent twice', async () => {
    const f = await startFake({ faults: { promptStatus: 500 } });
    const err = await rejection(provider().generate(request()));
    expect(err.code).toBe('comfyui_http_error');
    expect(err.message).toContain('failed to accept the job: HTTP 500');
    expect(f.calls('POST', '/prompt')).toHaveLength(1);
  });

  it('GETs are retried over passing 5xx answers', async () => {
    const f = await startFake({ faults: { transientGetFailures: 2 } });
    const images = await provider().generate(request());
    expect(images).toHaveLength(1);
    expect(f.calls('GET', '/object_info/CheckpointLoaderSimple')).toHaveLength(3);
  });

  it('execution_error: names the node and the exception', async () => {
    await startFake({ faults: { executionError: { exceptionType: 'torch.OutOfMemoryError', message: 'CUDA out of memory. Tried to allocate 20.00 GiB' } } });
    const err = await rejection(provider().generate(request()));
    expect(err.code).toBe('comfyui_execution_error');
    expect(err.message).toMatch(/failed while running node \d+ \(KSampler\): torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 20\.00 GiB\. The GPU ran out of memory/);
  });

  it('execution_error seen only in /history when there is no socket', async () => {
    const f = await startFake({ faults: { noSocket: true, executionError: { classType: 'VAEDecode', message: 'boom' } } });
    const err = await rejection(provider().generate(request()));
    expect(err.message).toMatch(/failed while running node \d+ \(VAEDecode "VAE Decode"\): RuntimeError: boom\./);
    expect(f.calls('GET', `/history/${f.prompts[0]!.prompt_id}`).length).toBeGreaterThan(0);
  });

  it('a malformed or truncated output image is a "damaged image" error', async () => {
    const f = await startFake({ faults: { view: 'malformed' } });
    const bad = await rejection(provider().generate(request()));
    expect(bad.code).toBe('comfyui_bad_output');
    expect(bad.message).toContain('ComfyUI returned a damaged image ImageFlow_00001_.png');
    expect(bad.message).toContain('got an HTML/XML page instead of a PNG');

    f.faults.view = 'truncated';
    const cut = await rejection(provider().generate(request()));
    expect(cut.message).toContain('ComfyUI returned a damaged image ImageFlow_00002_.png');
    expect(cut.message).toContain('truncated');

    const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#fff' } }).png().toBuffer();
    expect(inspectPng(png)).toEqual({ ok: true, width: 3, height: 2 });
    const flipped = Buffer.from(png);
    const at = flipped.length - 20;
    flipped.writeUInt8(flipped.readUInt8(at) ^ 0xff, at);
    expect(inspectPng(flipped)).toMatchObject({ ok: false });
  });

  it('the socket drops mid-run: polling /history finishes the job', async () => {
    const f = await startFake({ faults: { dropSocketAfterProgress: 2 }, stepDelayMs: 5 });
    const progress: ProviderProgress[] = [];
    const images = await provider().generate(request('sdxl', { steps: 8 }), { onProgress: (p) => progress.push(p) });
    expect(images).toHaveLength(1);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThan(8);
    expect(f.calls('GET', `/history/${f.prompts[0]!.prompt_id}`).length).toBeGreaterThan(0);
  });

  it('no WebSocket at all (a proxy without upgrades): polling does the whole run', async () => {
    const f = await startFake({ faults: { noSocket: true } });
    const images = await provider().generate(request());
    expect(images).toHaveLength(1);
    expect(f.socketConnects).toBe(0);
  });

  it('history that never shows the finished prompt is an error, not a hang', async () => {
    await startFake({ faults: { historyStaysEmpty: true } });
    const err = await rejection(provider().generate(request()));
    expect(err.code).toBe('comfyui_lost');
    expect(err.message).toContain('has no record of it');
  });

  it('cancel mid-run: POST /interrupt {prompt_id} reaches ComfyUI and the run rejects with the reason', async () => {
    const f = await startFake({ faults: { holdAtStep: 2 } });
    const controller = new AbortController();
    const gate = progressGate((p) => p.step === 1);
    const run = provider().generate(request('sdxl', { steps: 5 }), { signal: controller.signal, onProgress: gate.onProgress });
    await gate.reached;
    const reason = new Error('Canceled by request.');
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    const id = f.prompts[0]!.prompt_id;
    expect(f.interrupts).toEqual([{ prompt_id: id, interrupted: true }]);
    expect(f.calls('GET', '/view')).toHaveLength(0);
    await vi_waitFor(() => f.history.get(id) !== undefined);
    expect(f.history.get(id)!.status).toMatchObject({ status_str: 'error', completed: false });
    expect(f.history.get(id)!.status.messages.map(([t]) => t)).toContain('execution_interrupted');
  });

  it('cancel while still queued: the prompt is deleted from the queue, nothing else is interrupted', async () => {
    const f = await startFake({ faults: { holdAtStep: 1 } });
    const p = provider();
    const blocker = p.generate(request('sdxl', { steps: 2 }));
    await vi_waitFor(() => f.queueRunning.length === 1);
    const controller = new AbortController();
    let handle: RemoteHandle | undefined;
    const queued = p.generate(request('sdxl', { seed: 9 }), { signal: controller.signal, onSubmitted: (h) => (handle = h) });
    await vi_waitFor(() => handle !== undefined);
    controller.abort(new Error('stop'));
    await expect(queued).rejects.toThrow('stop');
    const id = (handle as ComfyUiHandle).prompt_id;
    expect(f.queueDeletes).toEqual([id]);
    expect(f.queuePending).toEqual([]);
    expect(f.interrupts).toEqual([]);
    f.release();
    expect(await blocker).toHaveLength(1);
  });

  it('an abort while POST /prompt is slow still cancels the prompt once its id is known', async () => {
    const f = await startFake({ faults: { promptDelayMs: 150, holdAtStep: 1 } });
    const controller = new AbortController();
    const run = provider().generate(request(), { signal: controller.signal });
    await vi_waitFor(() => f.prompts.length === 1);
    controller.abort(new Error('timeout'));
    await expect(run).rejects.toThrow('timeout');
    expect(f.interrupts).toEqual([{ prompt_id: f.prompts[0]!.prompt_id, interrupted: true }]);
  });

  it('if the handle cannot be kept (onSubmitted throws), the prompt is canceled on ComfyUI', async () => {
    const f = await startFake({ faults: { holdAtStep: 1 } });
    const run = provider().generate(request(), {
      onSubmitted: () => {
        throw new Error('database is locked');
      },
    });
    await expect(run).rejects.toThrow('database is locked');
    expect(f.interrupts).toEqual([{ prompt_id: f.prompts[0]!.prompt_id, interrupted: true }]);
  });

  it('two runs at once on one provider share its socket and keep their progress apart', async () => {
    const f = await startFake({ stepDelayMs: 2 });
    const p = provider();
    const a: ProviderProgress[] = [];
    const b: ProviderProgress[] = [];
    const [ia, ib] = await Promise.all([
      p.generate(request('sdxl', { steps: 3, seed: 1 }), { onProgress: (x) => a.push(x) }),
      p.generate(request('sdxl', { steps: 5, seed: 2 }), { onProgress: (x) => b.push(x) }),
    ]);
    expect(a.map((x) => x.step)).toEqual([1, 2, 3]);
    expect(b.map((x) => x.step)).toEqual([1, 2, 3, 4, 5]);
    expect([ia[0]!.seed, ib[0]!.seed]).toEqual([1, 2]);
    expect(f.socketConnects).toBe(1);
  });
});

describe('ComfyUiProvider.resume', () => {
  it('re-attaches after a restart (a new provider instance) with the handle, and gets the images', async () => {
    const f = await startFake({ faults: { holdAtStep: 2 } });
    let handle: RemoteHandle | undefined;
    const gate = progressGate((p) => p.step === 1);
    // The first process: submits, then "dies" (we stop listening to it; ComfyUI keeps running the prompt).
    const first = provider().generate(request('sdxl', { steps: 4 }), { onSubmitted: (h) => (handle = h), onProgress: gate.onProgress });
    await gate.reached;
    const stored = JSON.parse(JSON.stringify(handle)) as RemoteHandle;

    const progress: ProviderProgress[] = [];
    const restarted = provider();
    const resumed = restarted.resume!(stored, request('sdxl', { steps: 4 }), { onProgress: (p) => progress.push(p) });
    await vi_waitFor(() => f.socketConnects === 2);
    f.release();
    const images = await resumed;
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ seed: 4242, width: 64, height: 48, backendModel: 'sd_xl_base_1.0.safetensors' });
    expect(progress.map((p) => p.step)).toContain(4); // its socket took over the client id
    expect(f.prompts).toHaveLength(1); // nothing submitted again
    await first; // the old run's socket was replaced; it finishes through its /history safety poll
  });

  it('resumes a job that finished while ImageFlow was down', async () => {
    await startFake();
    let handle: RemoteHandle | undefined;
    const original = await provider().generate(request(), { onSubmitted: (h) => (handle = h) });
    const images = await provider().resume!(handle!, request());
    expect(images.map((i) => i.png.equals(original[0]!.png))).toEqual([true]);
  });

  it('a handle whose prompt failed, or that ComfyUI forgot, is a ProviderError', async () => {
    const f = await startFake({ faults: { executionError: { message: 'Error while deserializing header: HeaderTooLarge', classType: 'CheckpointLoaderSimple' } } });
    let handle: RemoteHandle | undefined;
    await rejection(provider().generate(request(), { onSubmitted: (h) => (handle = h) }));
    const failed = await rejection(provider().resume!(handle!, request()));
    expect(failed.code).toBe('comfyui_execution_error');
    expect(failed.message).toContain('CheckpointLoaderSimple');
    expect(failed.message).toContain('HeaderTooLarge');

    const lost = await rejection(provider().resume!({ ...handle!, prompt_id: 'f00dfeed-0000-4000-8000-000000000000' }, request()));
    expect(lost.code).toBe('comfyui_lost');
    expect(lost.message).toContain('no longer knows prompt f00dfeed-0000-4000-8000-000000000000');

    const bad = await rejection(provider().resume!({ kind: 'comfyui' }, request()));
    expect(bad.code).toBe('comfyui_bad_handle');
    expect(f.prompts).toHaveLength(1);
  });
});

describe('the fake ComfyUI is strict like the real server', () => {
  const base = (): ApiGraph =>
    buildGraph({
      family: 'sdxl',
      files: { loader: 'checkpoint', checkpoint: 'sd_xl_base_1.0.safetensors' },
      prompt: 'p',
      negativePrompt: '',
      spec: spec(),
    }).graph;
  const post = async (f: FakeComfyUi, body: unknown, route = '/prompt') => {
    const res = await fetch(`${f.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { error?: { type: string; message: string; details: string }; node_errors?: Record<string, { errors: Array<{ type: string; details: string }>; class_type: string }>; prompt_id?: string } };
  };

  it('accepts our graph on /prompt and /api/prompt, with the prompt_id it chose', async () => {
    const f = await startFake();
    const a = await post(f, { prompt: base(), client_id: 'c1' });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ number: 0, node_errors: {} });
    const b = await post(f, { prompt: base(), prompt_id: 'mine' }, '/api/prompt');
    expect(b.body.prompt_id).toBe('mine');
    f.faults.ignorePromptId = true;
    expect((await post(f, { prompt: base(), prompt_id: 'mine2' })).body.prompt_id).not.toBe('mine2');
    expect((await post(f, { client_id: 'x' })).body).toEqual({ error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} });
  });

  it('rejects unknown node types and graphs without an output node', async () => {
    const f = await startFake();
    const g = base();
    g['5']!.class_type = 'KSamplerTurbo';
    expect((await post(f, { prompt: g })).body).toEqual({
      error: {
        type: 'missing_node_type',
        message: "Node 'KSampler' not found. The custom node may not be installed.",
        details: "Node ID '#5'",
        extra_info: { node_id: '5', class_type: 'KSamplerTurbo', node_title: 'KSampler' },
      },
      node_errors: {},
    });
    const noOut = base();
    delete noOut['7'];
    expect((await post(f, { prompt: noOut })).body.error).toMatchObject({ type: 'prompt_no_outputs', message: 'Prompt has no outputs' });
  });

  it('checks every input: presence, link targets and types, numbers, ranges and combo lists', async () => {
    const f = await startFake();
    const g = base();
    delete g['2']!.inputs.text; // required_input_missing
    g['5']!.inputs.model = ['1', 2]; // VAE into MODEL
    g['5']!.inputs.sampler_name = 'euler_x';
    g['5']!.inputs.steps = 0;
    g['5']!.inputs.cfg = 'high';
    const r = await post(f, { prompt: g });
    expect(r.status).toBe(400);
    expect(r.body.error!.type).toBe('prompt_outputs_failed_validation');
    const errs = r.body.node_errors!;
    expect(errs['5']!.class_type).toBe('KSampler');
    expect(errs['5']!.errors.map((e) => [e.type, e.details])).toEqual([
      ['return_type_mismatch', 'model, received_type(VAE) mismatch input_type(MODEL)'],
      ['value_smaller_than_min', 'steps'],
      ['invalid_input_type', "cfg, high, could not convert string to float: 'high'"],
      ['value_not_in_list', `sampler_name: 'euler_x' not in (list of length 37)`],
    ]);
    expect(errs['2']!.errors).toEqual([{ type: 'required_input_missing', message: 'Required input is missing', details: 'text', extra_info: { input_name: 'text' } }]);

    const dangling = base();
    dangling['7']!.inputs.images = ['99', 0];
    expect((await post(f, { prompt: dangling })).body.node_errors!['7']!.errors[0]).toMatchObject({ type: 'exception_during_validation', details: "'99'" });
    const ckpt = base();
    ckpt['1']!.inputs.ckpt_name = 'nope.safetensors';
    expect((await post(f, { prompt: ckpt })).body.node_errors!['1']!.errors[0]!.details).toBe(
      "ckpt_name: 'nope.safetensors' not in ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors']",
    );
  });

  it('LoadImage needs an uploaded file; uploads are renamed when the name is taken and reused when identical', async () => {
    const f = await startFake();
    const g = buildGraph({ family: 'sdxl', files: { loader: 'checkpoint', checkpoint: 'sd_xl_base_1.0.safetensors' }, prompt: 'p', negativePrompt: '', spec: spec(), initImage: 'never.png' }).graph;
    const loadImage = Object.keys(g).find((id) => g[id]!.class_type === 'LoadImage')!;
    expect((await post(f, { prompt: g })).body.node_errors![loadImage]!.errors).toEqual([
      { type: 'custom_validation_failed', message: 'Custom validation failed for node', details: 'image - Invalid image file: never.png', extra_info: { input_name: 'image' } },
    ]);
    const upload = async (bytes: string) => {
      const form = new FormData();
      form.append('image', new Blob([bytes]), 'init.png');
      form.append('overwrite', 'false');
      return (await fetch(`${f.url}/upload/image`, { method: 'POST', body: form })).json();
    };
    expect(await upload('one')).toEqual({ name: 'init.png', subfolder: '', type: 'input' });
    expect(await upload('one')).toEqual({ name: 'init.png', subfolder: '', type: 'input' });
    expect(await upload('two')).toEqual({ name: 'init (1).png', subfolder: '', type: 'input' });
    const info = (await (await fetch(`${f.url}/api/object_info/LoadImage`)).json()) as Record<string, { input: { required: { image: [string[], object] } } }>;
    expect(info.LoadImage!.input.required.image[0]).toEqual(['init (1).png', 'init.png']);
    expect((await fetch(`${f.url}/object_info/NoSuchNode`).then((r) => r.json()))).toEqual({});
    expect((await fetch(`${f.url}/view?filename=nope.png&type=output`)).status).toBe(404);
    expect((await fetch(`${f.url}/view?filename=../secret&type=output`)).status).toBe(400);
  });
});

/** Polls a condition on the event loop (no wall-clock assertions). */
async function vi_waitFor(condition: () => boolean, attempts = 500): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}
