/**
 * Each reader on constructed and malformed input: what it reads, and that hostile text (cut JSON,
 * wrong types, huge values, `__proto__` keys, cyclic graphs) gives null or a partial recipe
 * without throwing, quickly.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { embedRecipe } from '../recipe-chunks.ts';
import { encodePngTextChunk } from '../png-text.ts';
import { parseInfotext, readA1111, splitParamsLine } from './a1111.ts';
import { readComfyPrompt } from './comfyui.ts';
import { readInvokeDream, readInvokeGraph, readInvokeMetadata, readInvokeSdMetadata, splitBracketNegative } from './invokeai.ts';
import { readNovelAi } from './novelai.ts';
import { readImageflow, readParametersText, readRecipe, readRecipeFromTexts, readRecipeSync } from './index.ts';
import { exactIntegerLiteral, looksLikeJson, putExtra } from './types.ts';

/**
 * Runs a reader on input built to make naive parsing blow up. The readers bound their work by the
 * size of the text, so these finish well inside the test's time limit; `_ms` is what the input took
 * on this machine when measured by hand, kept as a note, never asserted (timings do not belong in tests).
 */
function fast<T>(_ms: number, fn: () => T): T {
  return fn();
}

function graph(nodes: Record<string, { class_type: string; inputs: Record<string, unknown> }>): string {
  return JSON.stringify(nodes);
}

const KSAMPLER = (inputs: Record<string, unknown> = {}) => ({
  class_type: 'KSampler',
  inputs: {
    seed: 1,
    steps: 20,
    cfg: 7,
    sampler_name: 'dpmpp_2m',
    scheduler: 'karras',
    denoise: 1,
    model: ['ckpt', 0],
    positive: ['pos', 0],
    negative: ['neg', 0],
    latent_image: ['latent', 0],
    ...inputs,
  },
});
const BASE_NODES = {
  ckpt: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'model.safetensors' } },
  pos: { class_type: 'CLIPTextEncode', inputs: { text: 'a cat', clip: ['ckpt', 1] } },
  neg: { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['ckpt', 1] } },
  latent: { class_type: 'EmptyLatentImage', inputs: { width: 832, height: 1216, batch_size: 1 } },
};

// ---------------------------------------------------------------------------

describe('types helpers', () => {
  it('putExtra never touches the prototype and bounds what it keeps', () => {
    const extra: Record<string, string> = {};
    putExtra(extra, '__proto__', 'polluted');
    putExtra(extra, 'constructor', { a: 1 });
    putExtra(extra, 'empty', '');
    putExtra(extra, 'nothing', null);
    putExtra(extra, 'long', 'x'.repeat(100_000));
    expect(Object.getPrototypeOf(extra)).toBe(Object.prototype);
    expect(Object.hasOwn(extra, '__proto__')).toBe(true);
    expect(extra.constructor).toBe('{"a":1}');
    expect(Object.hasOwn(extra, 'empty') || Object.hasOwn(extra, 'nothing')).toBe(false);
    expect(extra.long!.length).toBeLessThanOrEqual(4096);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (let i = 0; i < 1000; i++) putExtra(extra, `k${i}`, i);
    expect(Object.keys(extra).length).toBeLessThanOrEqual(200);
  });

  it('finds the exact digits of integers JSON.parse rounds', () => {
    const text = '{"note": "12345678901234567890", "seed": 18446744073709551615, "x": 1234567890123456789.5}';
    const parsed = JSON.parse(text) as { seed: number };
    expect(exactIntegerLiteral(parsed.seed, text)).toBe('18446744073709551615');
    expect(exactIntegerLiteral(42, text)).toBeNull();
  });

  it('tells JSON from prompts', () => {
    expect(looksLikeJson('{"prompt": "a')).toBe(true);
    expect(looksLikeJson('  [{"a": 1}]')).toBe(true);
    expect(looksLikeJson('{}')).toBe(true);
    expect(looksLikeJson('{masterpiece}, 1girl')).toBe(false);
    expect(looksLikeJson('[cat:dog:0.5], garden')).toBe(false);
  });
});

// ---------------------------------------------------------------------------

describe('A1111 infotext', () => {
  it('reads prompt, multi-line negative, quoted and JSON values, LoRA tags and trailing lines', () => {
    const text = [
      'a <lora:styleA:0.8> cat, <lora:detail> hat',
      'Negative prompt: blurry,',
      '  low quality',
      'Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 42, Size: 832x1216, Model hash: abc, Model: sdxl, ' +
        'Lora hashes: "styleA: 123, detail: 456", Hashes: {"model": "abc", "lora:x": "1,2"}, Hires upscale: 2, ' +
        'Hires resize: 1664x2432, Hires steps: 15, Hires upscaler: Latent, Denoising strength: 0.45, Version: v1.9.3',
      'Template: a {cat|dog}',
    ].join('\n');
    const r = readA1111(text)!;
    expect(r.tool).toBe('automatic1111');
    expect(r.prompt).toBe('a <lora:styleA:0.8> cat, <lora:detail> hat');
    expect(r.negative_prompt).toBe('blurry,\n  low quality');
    expect(r.sampler).toBe('DPM++ 2M Karras');
    expect(r.sampler_id).toBe('dpmpp_2m_karras');
    expect([r.steps, r.cfg, r.seed, r.width, r.height]).toEqual([30, 7.5, 42, 832, 1216]);
    expect(r.loras).toEqual([
      { name: 'styleA', weight: 0.8 },
      { name: 'detail', weight: null },
    ]);
    expect(r.extra['Lora hashes']).toBe('styleA: 123, detail: 456');
    expect(r.extra.Hashes).toBe('{"model": "abc", "lora:x": "1,2"}');
    expect(r.extra.Template).toBe('a {cat|dog}');
    expect(r.hires).toEqual({
      upscale: 2,
      upscaler: 'Latent',
      steps: 15,
      width: 1664,
      height: 2432,
      sampler: null,
      scheduler: null,
      cfg: null,
      denoising_strength: 0.45,
    });
    expect(r.denoising_strength).toBe(0.45);
  });

  it('tells Forge, SD.Next and Fooocus from A1111, and reads the FLUX distilled CFG', () => {
    const forge = readA1111('x\nSteps: 20, Sampler: Euler, CFG scale: 1, Distilled CFG Scale: 3.5, Seed: 1, Version: f2.0.1v1.10.1-previous-1')!;
    expect(forge.tool).toBe('forge');
    expect(forge.cfg).toBe(1);
    expect(forge.flux_guidance).toBe(3.5);
    expect(readA1111('x\nSteps: 20, Seed: 1, App: SD.Next, Version: abc')!.tool).toBe('sdnext');
    expect(readA1111('x\nSteps: 20, Seed: 1, Version: Fooocus v2.5.5')!.tool).toBe('fooocus');
  });

  it('keeps values it cannot believe as text, and reads a text without params as a bare prompt', () => {
    const r = readA1111('x\nSteps: 99999999999, Seed: 99999999999999999999, Size: 9999999x1, CFG scale: nan, Clip skip: -3')!;
    expect([r.steps, r.seed, r.width, r.cfg, r.clip_skip]).toEqual([null, null, null, null, null]);
    expect(r.extra).toMatchObject({ Steps: '99999999999', seed: '99999999999999999999', Size: '9999999x1', 'CFG scale': 'nan', 'Clip skip': '-3' });
    const bare = readA1111('  just a prompt\nwith two lines  ')!;
    expect(bare.tool).toBe('unknown');
    expect(bare.prompt).toBe('just a prompt\nwith two lines');
    expect(readA1111('   ')).toBeNull();
  });

  it('never reads JSON as a prompt', () => {
    expect(readA1111('{"prompt": "a cat", "steps": 20}')).toBeNull();
    expect(readA1111('{"prompt": "a cat", "ste')).toBeNull();
    expect(readA1111('[{"a": 1}]')).toBeNull();
  });

  it('keeps a __proto__ key as data', () => {
    const r = readA1111('x\nSteps: 1, __proto__: polluted, constructor: y')!;
    expect(Object.getPrototypeOf(r.extra)).toBe(Object.prototype);
    expect(r.extra.__proto__).toBe('polluted');
    expect(r.extra.constructor).toBe('y');
  });

  it('stays linear on crafted params lines', () => {
    for (const unit of ['a: {, ', 'a: [", ', 'a: ", ', 'Steps: {\n', 'a: "\\", ']) {
      const text = `p\nSteps: 1, ${unit.repeat(Math.floor((60 * 1024) / unit.length))}`;
      fast(300, () => readA1111(text));
    }
    fast(300, () => splitParamsLine(`Steps: 1, ${'k: {"a": [1, {'.repeat(5000)}`));
  });

  it('parses the prompt ending in ":" before the params line', () => {
    const info = parseInfotext('beautiful}:\nSteps: 20, CFG scale: 7');
    expect(info.prompt).toBe('beautiful}:');
    expect(info.params).toEqual([
      ['Steps', '20'],
      ['CFG scale', '7'],
    ]);
  });
});

// ---------------------------------------------------------------------------

describe('ComfyUI graph', () => {
  it('reads a plain KSampler graph with LoRAs, CLIP skip and a primitive text node', () => {
    const text = graph({
      ...BASE_NODES,
      lora1: { class_type: 'LoraLoader', inputs: { lora_name: 'a.safetensors', strength_model: 0.8, strength_clip: 1, model: ['ckpt', 0], clip: ['ckpt', 1] } },
      lora2: { class_type: 'LoraLoaderModelOnly', inputs: { lora_name: 'b.safetensors', strength_model: 0.5, model: ['lora1', 0] } },
      skip: { class_type: 'CLIPSetLastLayer', inputs: { stop_at_clip_layer: -2, clip: ['lora1', 1] } },
      str: { class_type: 'PrimitiveStringMultiline', inputs: { value: '  a dog\n' } },
      pos: { class_type: 'CLIPTextEncode', inputs: { text: ['str', 0], clip: ['skip', 0] } },
      s: KSAMPLER({ model: ['lora2', 0] }),
    });
    const r = readComfyPrompt(text)!;
    expect(r.prompt).toBe('a dog');
    expect(r.negative_prompt).toBe('blurry');
    expect(r.model).toBe('model.safetensors');
    expect(r.loras).toEqual([
      { name: 'a.safetensors', weight: 0.8 },
      { name: 'b.safetensors', weight: 0.5 },
    ]);
    expect(r.clip_skip).toBe(2);
    expect(r.sampler_id).toBe('dpmpp_2m_karras');
    expect([r.width, r.height, r.denoising_strength]).toEqual([832, 1216, null]);
  });

  it('reads the first pass of a hires-fix graph, wherever it sits in the graph', () => {
    const text = graph({
      second: KSAMPLER({ seed: 2, denoise: 0.5, latent_image: ['up', 0] }),
      up: { class_type: 'LatentUpscaleBy', inputs: { samples: ['first', 0], scale_by: 1.5 } },
      first: KSAMPLER({ seed: 1 }),
      ...BASE_NODES,
    });
    const r = readComfyPrompt(text)!;
    expect(r.seed).toBe(1);
    expect(r.extra.sampler_node).toBe('first');
    expect(r.extra.other_sampler_nodes).toBe('second');
  });

  it('follows ControlNet appliers by output, combines, and treats a zeroed negative as none', () => {
    const text = graph({
      ...BASE_NODES,
      extra: { class_type: 'CLIPTextEncodeSDXL', inputs: { text_g: 'garden', text_l: 'flowers', clip: ['ckpt', 1] } },
      comb: { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['pos', 0], conditioning_2: ['extra', 0] } },
      cn: { class_type: 'ControlNetApplyAdvanced', inputs: { positive: ['comb', 0], negative: ['zero', 0], strength: 1 } },
      zero: { class_type: 'ConditioningZeroOut', inputs: { conditioning: ['pos', 0] } },
      s: KSAMPLER({ positive: ['cn', 0], negative: ['cn', 1] }),
    });
    const r = readComfyPrompt(text)!;
    expect(r.prompt).toBe('a cat\ngarden');
    expect(r.extra.positive_node).toBe('pos,extra');
    expect(r.extra.positive_text_l).toBe('flowers');
    expect(r.negative_prompt).toBeNull();
  });

  it('reads SamplerCustom with a CFGGuider and exact seeds beyond 2^53', () => {
    const text = graph({
      ...BASE_NODES,
      noise: { class_type: 'RandomNoise', inputs: { noise_seed: 1 } },
      guider: { class_type: 'CFGGuider', inputs: { cfg: 4.5, model: ['ckpt', 0], positive: ['pos', 0], negative: ['neg', 0] } },
      select: { class_type: 'KSamplerSelect', inputs: { sampler_name: 'euler_ancestral' } },
      sigmas: { class_type: 'KarrasScheduler', inputs: { steps: 12, sigma_max: 14.6, sigma_min: 0.03, rho: 7 } },
      s: { class_type: 'SamplerCustomAdvanced', inputs: { noise: ['noise', 0], guider: ['guider', 0], sampler: ['select', 0], sigmas: ['sigmas', 0], latent_image: ['latent', 0] } },
    }).replace('"noise_seed":1', '"noise_seed":18446744073709551615');
    const r = readComfyPrompt(text)!;
    expect(r.seed).toBeNull();
    expect(r.extra.seed).toBe('18446744073709551615');
    expect([r.cfg, r.steps, r.sampler, r.scheduler, r.sampler_id]).toEqual([4.5, 12, 'euler_ancestral', 'karras', 'euler_a']);
    expect([r.prompt, r.negative_prompt, r.model]).toEqual(['a cat', 'blurry', 'model.safetensors']);
  });

  it('returns null for what is not an API graph', () => {
    for (const text of ['', 'a cat', '[1, 2]', '{"a": 1}', '{"1": {"class_type": "KSampler"', 'null', '{"1": {"class_type": "SaveImage", "inputs": {}}}']) {
      expect(readComfyPrompt(text), text).toBeNull();
    }
  });

  it('survives cycles, self links, dangling links and wrong types', () => {
    const text = graph({
      s: KSAMPLER({ seed: { x: 1 }, steps: 'twenty', cfg: 1e308, sampler_name: 42, positive: ['a', 0], negative: ['missing', 0], latent_image: ['s', 0], model: ['m1', 0] }),
      a: { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['b', 0], conditioning_2: ['a', 0] } },
      b: { class_type: 'ConditioningSetArea', inputs: { conditioning: ['a', 0] } },
      m1: { class_type: 'ModelSamplingDiscrete', inputs: { model: ['m2', 0] } },
      m2: { class_type: 'ModelSamplingDiscrete', inputs: { model: ['m1', 0] } },
      t: { class_type: 'CLIPTextEncode', inputs: { text: ['t', 0] } },
    });
    const r = fast(200, () => readComfyPrompt(text))!;
    expect(r.tool).toBe('comfyui');
    expect([r.seed, r.steps, r.cfg, r.sampler, r.prompt, r.negative_prompt, r.model]).toEqual([null, null, null, null, null, null, null]);
  });

  it('bounds walks through long chains and wide fan-outs', () => {
    const nodes: Record<string, { class_type: string; inputs: Record<string, unknown> }> = { ...BASE_NODES, s: KSAMPLER({ positive: ['c0', 0], latent_image: ['l0', 0] }) };
    for (let i = 0; i < 4000; i++) {
      nodes[`c${i}`] = { class_type: 'ConditioningCombine', inputs: { conditioning_1: [`c${i + 1}`, 0], conditioning_2: [`c${i + 1}`, 0] } };
      nodes[`l${i}`] = { class_type: 'LatentUpscale', inputs: { samples: [`l${i + 1}`, 0] } };
    }
    const r = fast(1000, () => readComfyPrompt(graph(nodes)))!;
    expect(r.prompt).toBeNull();
    expect(r.negative_prompt).toBe('blurry');
  });

  it('ignores __proto__ and constructor node ids', () => {
    const text = `{"__proto__": {"class_type": "KSampler", "inputs": {}}, "constructor": {"prototype": {"polluted": 1}}, ${graph({ ...BASE_NODES, s: KSAMPLER() }).slice(1)}`;
    const r = readComfyPrompt(text)!;
    expect(r.prompt).toBe('a cat');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------

describe('InvokeAI', () => {
  it('reads 4.x+ metadata with LoRAs, image-to-image and the high-resolution fix', () => {
    const r = readInvokeMetadata(
      JSON.stringify({
        app_version: '4.2.0',
        generation_mode: 'sdxl_img2img',
        positive_prompt: 'a cat ',
        negative_prompt: '',
        seed: 7,
        steps: 30,
        cfg_scale: 5,
        scheduler: 'dpmpp_2m_k',
        model: { name: 'juggernaut', base: 'sdxl', hash: 'blake3:x' },
        loras: [{ model: { name: 'detail' }, weight: 0.6 }, { lora: { model_name: 'old' }, weight: 1 }],
        strength: 0.55,
        init_image: 'abc.png',
        hrf_enabled: true,
        hrf_method: 'ESRGAN',
        hrf_strength: 0.4,
        clip_skip: 1,
      }),
    )!;
    expect([r.prompt, r.negative_prompt, r.seed, r.sampler_id, r.model, r.model_hash]).toEqual(['a cat', '', 7, 'dpmpp_2m_karras', 'juggernaut', 'blake3:x']);
    expect(r.loras).toEqual([
      { name: 'detail', weight: 0.6 },
      { name: 'old', weight: 1 },
    ]);
    expect([r.denoising_strength, r.source_image, r.clip_skip]).toEqual([0.55, 'abc.png', 1]);
    expect(r.hires).toMatchObject({ upscaler: 'ESRGAN', denoising_strength: 0.4 });
  });

  it('reads the graph alone, filling core_metadata fields from edges', () => {
    const r = readInvokeGraph(
      JSON.stringify({
        nodes: {
          p: { id: 'p', type: 'string', value: 'a fox' },
          seed: { id: 'seed', type: 'integer', value: 99 },
          core: { id: 'core', type: 'core_metadata', positive_prompt: null, seed: null, steps: 10, scheduler: 'euler' },
        },
        edges: [
          { source: { node_id: 'p', field: 'value' }, destination: { node_id: 'core', field: 'positive_prompt' } },
          { source: { node_id: 'seed', field: 'value' }, destination: { node_id: 'core', field: 'seed' } },
          { source: { node_id: '__proto__', field: 'x' }, destination: { node_id: 'core', field: 'steps' } },
        ],
      }),
    )!;
    expect([r.prompt, r.seed, r.steps, r.sampler]).toEqual(['a fox', 99, 10, 'euler']);
    expect(readInvokeGraph('{"nodes": {"a": {"type": "string"}}}')).toBeNull();
  });

  it('reads 2.x sd-metadata and a Dream line alone', () => {
    expect(splitBracketNegative('a cat [blurry] in a hat [ugly]')).toEqual({ prompt: 'a cat  in a hat ', negative: 'blurry ugly' });
    const sd = readInvokeSdMetadata('{"model_weights": "m", "image": {"prompt": "a cat [dog]", "seed": 5, "sampler": "k_euler_a"}}')!;
    expect([sd.prompt, sd.negative_prompt, sd.seed]).toEqual(['a cat', 'dog', 5]);
    const dream = readInvokeDream('"a \\"quoted\\" cat [blurry]" -s 20 -S 42 -W 512 -H 640 -C 7.5 -A k_euler -f 0.6 -I init.png')!;
    expect([dream.prompt, dream.negative_prompt, dream.steps, dream.seed, dream.width, dream.height, dream.cfg, dream.sampler_id]).toEqual([
      'a "quoted" cat',
      'blurry',
      20,
      42,
      512,
      640,
      7.5,
      'euler',
    ]);
    expect([dream.denoising_strength, dream.source_image]).toEqual([0.6, 'init.png']);
    expect(readInvokeDream('-s 20')).toBeNull();
  });

  it('returns null or partial on malformed metadata', () => {
    for (const text of ['', 'x', '[]', '{"positive_prompt": "a', '"text"']) expect(readInvokeMetadata(text), text).toBeNull();
    const r = readInvokeMetadata('{"positive_prompt": 5, "seed": "x", "steps": -1, "model": [1], "loras": {"a": 1}, "__proto__": {"p": 1}}')!;
    expect([r.prompt, r.seed, r.steps, r.model]).toEqual([null, null, null, null]);
    expect(r.extra.seed).toBe('x');
    expect(readInvokeSdMetadata('{"image": 5}')).toBeNull();
  });
});

// ---------------------------------------------------------------------------

describe('Fooocus, RuinedFooocus, SwarmUI and unknown JSON in parameters', () => {
  it('reads Fooocus JSON with LoRAs, and keeps cut JSON out of the prompt', () => {
    const r = readParametersText(
      JSON.stringify({ prompt: 'a', negative_prompt: 'b', seed: 12, loras: [['x.safetensors', 0.25, 'hash'], ['bad']], resolution: '(1024, 768)', metadata_scheme: 'fooocus' }),
    )!;
    expect(r.tool).toBe('fooocus');
    expect([r.seed, r.width, r.height]).toEqual([12, 1024, 768]);
    expect(r.loras).toEqual([
      { name: 'x.safetensors', weight: 0.25 },
      { name: 'bad', weight: null },
    ]);
    const cut = readParametersText('{"prompt": "a smiling goldfish", "seed": "69')!;
    expect(cut.tool).toBe('unknown');
    expect(cut.prompt).toBeNull();
    expect(cut.extra.parameters).toBe('{"prompt": "a smiling goldfish", "seed": "69');
    const unknown = readParametersText('{"prompt": "a cat", "steps": 20}')!;
    expect([unknown.tool, unknown.prompt]).toEqual(['unknown', null]);
    expect(readParametersText('{"prompt": "a"}', 'parameters', 'fooocus')!.tool).toBe('fooocus');
  });

  it('reads RuinedFooocus by its software key', () => {
    const r = readParametersText('{"Prompt": "a", "Negative": "b", "software": "RuinedFooocus", "denoise": 0.6, "seed": 3}')!;
    expect([r.tool, r.prompt, r.negative_prompt, r.denoising_strength, r.seed]).toEqual(['ruinedfooocus', 'a', 'b', 0.6, 3]);
  });

  it('reads SwarmUI metadata as documented', () => {
    const text = JSON.stringify({
      sui_image_params: {
        prompt: 'a photo of a cat',
        negativeprompt: 'blurry',
        model: 'OfficialStableDiffusion/sd_xl_base_1.0',
        seed: '1',
        steps: 20,
        cfgscale: '7.0',
        aspectratio: '1:1',
        width: 1024,
        height: 1024,
        sampler: 'dpmpp_2m',
        scheduler: 'karras',
        loras: 'a,b',
        loraweights: ['0.5', '1'],
        clipstopatlayer: -2,
        fluxguidancescale: 3.5,
        initimage: 'data:image/png;base64,AAAA',
        initimagecreativity: 0.6,
        refinerupscale: 2,
        refinercontrolpercentage: 0.3,
        automaticvae: true,
        swarm_version: '0.9.3.1',
      },
      sui_extra_data: { date: '2025-01-25', prep_time: '6.11 sec', generation_time: '4.84 sec' },
      sui_models: [{ name: 'OfficialStableDiffusion/sd_xl_base_1.0.safetensors', param: 'model', hash: '0xd7a9' }],
    });
    const r = readParametersText(text)!;
    expect(r.tool).toBe('swarmui');
    expect([r.tool_version, r.prompt, r.negative_prompt, r.model, r.seed, r.steps, r.cfg]).toEqual([
      '0.9.3.1',
      'a photo of a cat',
      'blurry',
      'OfficialStableDiffusion/sd_xl_base_1.0',
      1,
      20,
      7,
    ]);
    expect([r.width, r.height, r.sampler_id, r.clip_skip, r.flux_guidance, r.model_hash]).toEqual([1024, 1024, 'dpmpp_2m_karras', 2, 3.5, '0xd7a9']);
    expect(r.loras).toEqual([
      { name: 'a', weight: 0.5 },
      { name: 'b', weight: 1 },
    ]);
    expect([r.source_image, r.denoising_strength]).toEqual([null, 0.6]);
    expect(r.hires).toMatchObject({ upscale: 2, denoising_strength: 0.3 });
    expect(r.extra).toMatchObject({ aspectratio: '1:1', automaticvae: 'true', date: '2025-01-25', generation_time: '4.84 sec' });
  });

  it('tolerates wrong types in SwarmUI and Fooocus JSON', () => {
    const swarm = readParametersText('{"sui_image_params": {"prompt": ["x"], "seed": {}, "loras": 5, "clipstopatlayer": "a"}}')!;
    expect([swarm.tool, swarm.prompt, swarm.seed, swarm.clip_skip]).toEqual(['swarmui', null, null, null]);
    const fooocus = readParametersText('{"metadata_scheme": "fooocus", "resolution": "(a, b)", "loras": "x", "seed": 1e400}')!;
    expect([fooocus.tool, fooocus.width, fooocus.seed]).toEqual(['fooocus', null, null]);
  });
});

// ---------------------------------------------------------------------------

describe('NovelAI', () => {
  it('reads later versions: prompt in Comment, size, schedule, text-to-image strength kept aside', () => {
    const r = readNovelAi({
      Software: 'NovelAI',
      Description: 'desc',
      Source: 'NovelAI Diffusion V3 7BCCAA2C',
      Comment: JSON.stringify({ prompt: 'a cat', uc: 'blurry', steps: 28, scale: 5, seed: 1, sampler: 'k_dpmpp_2m', noise_schedule: 'karras', width: 832, height: 1216, strength: 0.7, request_type: 'PromptGenerateRequest' }),
    })!;
    expect([r.prompt, r.sampler_id, r.width, r.height, r.denoising_strength, r.extra.strength]).toEqual(['a cat', 'dpmpp_2m_karras', 832, 1216, null, '0.7']);
  });

  it('falls back to the Description when Comment is not JSON', () => {
    const r = readNovelAi({ Software: 'NovelAI', Description: 'a cat', Comment: '{"steps": 2' })!;
    expect([r.prompt, r.steps]).toEqual(['a cat', null]);
    expect(readNovelAi({ Software: 'NovelAI' })).toBeNull();
  });
});

// ---------------------------------------------------------------------------

describe('index', () => {
  async function png(): Promise<Buffer> {
    return sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer();
  }

  it('reads our own chunk first, with FLUX guidance as distilled guidance', async () => {
    const file = Buffer.concat(
      embedRecipe(await png(), {
        nodeId: 5,
        parentId: 2,
        parentSha256: 'ab'.repeat(32),
        actionType: 'img2img',
        model: 'flux-dev',
        provider: 'comfyui',
        prompt: 'a cat',
        negativePrompt: '',
        spec: { width: 1024, height: 768, steps: 28, guidance: 3.5, seed: 9, sampler: 'euler', strength: 0.7, batch_size: 1 },
      }),
    );
    const r = (await readRecipe(file))!;
    expect(r.tool).toBe('imageflow');
    expect([r.prompt, r.model, r.seed, r.steps, r.cfg, r.flux_guidance, r.sampler_id, r.denoising_strength]).toEqual(['a cat', 'flux-dev', 9, 28, null, 3.5, 'euler', 0.7]);
    expect(r.extra).toMatchObject({ node_id: '5', parent_id: '2', action_type: 'img2img', provider: 'comfyui', batch_size: '1', recipe_version: '1' });
    expect(readImageflow('{"spec": 5}')).toBeNull();
    expect(readImageflow(JSON.stringify({ model: 'sdxl', spec: { guidance: 7 } }))!.cfg).toBe(7);
  });

  it('keeps unknown JSON parameters out of the prompt and returns null for non-images', async () => {
    const r = readRecipeFromTexts([{ keyword: 'parameters', text: '{"foo": 1}' }])!;
    expect([r.tool, r.prompt]).toEqual(['unknown', null]);
    expect(r.extra.parameters).toBe('{"foo": 1}');
    expect(await readRecipe(Buffer.from('GIF89a'))).toBeNull();
    expect(await readRecipe(Buffer.alloc(0))).toBeNull();
    expect(readRecipeFromTexts([{ keyword: 'Software', text: 'GIMP' }])).toBeNull();
  });

  it('reads a PNG cut short, and takes the first of repeated keywords', async () => {
    const base = await png();
    const iend = base.length - 12;
    const file = Buffer.concat([
      base.subarray(0, iend),
      encodePngTextChunk({ keyword: 'parameters', text: 'first\nSteps: 1, Seed: 1' }),
      encodePngTextChunk({ keyword: 'parameters', text: 'second\nSteps: 2, Seed: 2' }),
      base.subarray(iend),
    ]);
    expect(readRecipeSync(file)!.prompt).toBe('first');
    expect(readRecipeSync(file.subarray(0, file.length - 40))!.prompt).toBe('first');
    expect(readRecipeSync(file.subarray(0, 40))).toBeNull();
  });

  it('prefers text chunks to the alpha channel', async () => {
    const rgba = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } }).png().toBuffer();
    const iend = rgba.length - 12;
    const file = Buffer.concat([rgba.subarray(0, iend), encodePngTextChunk({ keyword: 'parameters', text: 'a\nSteps: 1' }), rgba.subarray(iend)]);
    expect((await readRecipe(file))!.found_in).toBe('parameters');
    expect(await readRecipe(rgba)).toBeNull();
  });
});
