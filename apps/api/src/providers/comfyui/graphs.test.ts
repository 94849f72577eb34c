import fs from 'node:fs';
import { SAMPLERS, type Spec } from '@imageflow/shared';
import { describe, expect, it } from 'vitest';
import {
  WorkflowError,
  applyWorkflow,
  buildGraph,
  checkWorkflowMode,
  comfySampler,
  familyOf,
  graphModelName,
  graphSeed,
  parseWorkflow,
  placeholderValues,
  type ApiGraph,
  type ModelFiles,
} from './graphs.ts';

const EXAMPLE = new URL('./examples/sdxl-workflow.json', import.meta.url);

const spec = (over: Partial<Spec> = {}): Spec => ({
  width: 832,
  height: 1216,
  steps: 30,
  guidance: 6.5,
  seed: 123456789,
  sampler: 'dpmpp_2m_karras',
  strength: 0.55,
  batch_size: 1,
  ...over,
});

const SDXL: ModelFiles = { loader: 'checkpoint', checkpoint: 'sd_xl_base_1.0.safetensors' };
const FLUX_SPLIT: ModelFiles = {
  loader: 'split',
  unet: 'flux1-dev.safetensors',
  clip: ['t5xxl_fp16.safetensors', 'clip_l.safetensors'],
  vae: 'ae.safetensors',
  weightDtype: 'default',
  clipType: 'flux',
};

/** The node of a class (exactly one expected). */
function only(graph: ApiGraph, classType: string): [string, ApiGraph[string]] {
  const found = Object.entries(graph).filter(([, n]) => n.class_type === classType);
  expect(found, classType).toHaveLength(1);
  return found[0]!;
}

/** Every link points at an existing node. */
function expectLinksResolve(graph: ApiGraph): void {
  for (const [id, node] of Object.entries(graph)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (Array.isArray(value)) {
        expect(value, `${id}.${input}`).toHaveLength(2);
        expect(graph[value[0] as string], `${id}.${input} → ${String(value[0])}`).toBeDefined();
        expect(Number.isInteger(value[1])).toBe(true);
      }
    }
  }
}

describe('comfySampler', () => {
  it('maps every sampler id to a ComfyUI sampler_name + scheduler', () => {
    const sdxl = Object.fromEntries(SAMPLERS.map((s) => [s, comfySampler(s, 'sdxl')]));
    expect(sdxl).toEqual({
      euler: { sampler_name: 'euler', scheduler: 'normal' },
      euler_a: { sampler_name: 'euler_ancestral', scheduler: 'normal' },
      heun: { sampler_name: 'heun', scheduler: 'normal' },
      dpm_2: { sampler_name: 'dpm_2', scheduler: 'normal' },
      dpmpp_2m: { sampler_name: 'dpmpp_2m', scheduler: 'normal' },
      dpmpp_2m_karras: { sampler_name: 'dpmpp_2m', scheduler: 'karras' },
      dpmpp_sde: { sampler_name: 'dpmpp_sde', scheduler: 'normal' },
      ddim: { sampler_name: 'ddim', scheduler: 'ddim_uniform' },
      uni_pc: { sampler_name: 'uni_pc', scheduler: 'normal' },
    });
  });

  it('uses the simple schedule for FLUX unless karras is asked for', () => {
    expect(comfySampler('euler', 'flux')).toEqual({ sampler_name: 'euler', scheduler: 'simple' });
    expect(comfySampler('ddim', 'flux')).toEqual({ sampler_name: 'ddim', scheduler: 'simple' });
    expect(comfySampler('dpmpp_2m_karras', 'flux')).toEqual({ sampler_name: 'dpmpp_2m', scheduler: 'karras' });
  });

  it('knows the family of each model', () => {
    expect(familyOf('sdxl')).toBe('sdxl');
    expect(familyOf('flux-dev')).toBe('flux');
    expect(familyOf('flux-schnell')).toBe('flux');
  });
});

describe('buildGraph', () => {
  it('SDXL text-to-image: checkpoint → 2 prompts → empty latent → KSampler → decode → save', () => {
    const built = buildGraph({ family: 'sdxl', files: SDXL, prompt: 'a fox', negativePrompt: 'blurry', spec: spec({ batch_size: 2 }) });
    const g = built.graph;
    expectLinksResolve(g);
    const [ckpt, loader] = only(g, 'CheckpointLoaderSimple');
    expect(loader.inputs).toEqual({ ckpt_name: 'sd_xl_base_1.0.safetensors' });
    const texts = Object.entries(g).filter(([, n]) => n.class_type === 'CLIPTextEncode');
    expect(texts.map(([, n]) => n.inputs)).toEqual([
      { text: 'a fox', clip: [ckpt, 1] },
      { text: 'blurry', clip: [ckpt, 1] },
    ]);
    const [latent, empty] = only(g, 'EmptyLatentImage');
    expect(empty.inputs).toEqual({ width: 832, height: 1216, batch_size: 2 });
    const [sampler, ks] = only(g, 'KSampler');
    expect(ks.inputs).toEqual({
      seed: 123456789,
      steps: 30,
      cfg: 6.5,
      sampler_name: 'dpmpp_2m',
      scheduler: 'karras',
      denoise: 1,
      model: [ckpt, 0],
      positive: [texts[0]![0], 0],
      negative: [texts[1]![0], 0],
      latent_image: [latent, 0],
    });
    const [decode, vd] = only(g, 'VAEDecode');
    expect(vd.inputs).toEqual({ samples: [sampler, 0], vae: [ckpt, 2] });
    const [save, si] = only(g, 'SaveImage');
    expect(si.inputs).toEqual({ filename_prefix: 'ImageFlow', images: [decode, 0] });
    expect(built).toMatchObject({ outputNodes: [save], samplerNode: sampler, seed: 123456789, backendModel: 'sd_xl_base_1.0.safetensors' });
    expect(Object.keys(g)).toHaveLength(7);
  });

  it('FLUX split files: UNET + dual CLIP (flux) + VAE, FluxGuidance, SD3 latent, cfg 1', () => {
    const built = buildGraph({ family: 'flux', files: FLUX_SPLIT, prompt: 'a fox', negativePrompt: '', spec: spec({ guidance: 3.5, sampler: 'euler', steps: 20 }) });
    const g = built.graph;
    expectLinksResolve(g);
    const [unet, u] = only(g, 'UNETLoader');
    expect(u.inputs).toEqual({ unet_name: 'flux1-dev.safetensors', weight_dtype: 'default' });
    const [clip, c] = only(g, 'DualCLIPLoader');
    expect(c.inputs).toEqual({ clip_name1: 't5xxl_fp16.safetensors', clip_name2: 'clip_l.safetensors', type: 'flux' });
    const [vae, v] = only(g, 'VAELoader');
    expect(v.inputs).toEqual({ vae_name: 'ae.safetensors' });
    const [guidance, fg] = only(g, 'FluxGuidance');
    expect(fg.inputs.guidance).toBe(3.5);
    expect(g[(fg.inputs.conditioning as [string, number])[0]]!.inputs).toEqual({ text: 'a fox', clip: [clip, 0] });
    const [latent, l] = only(g, 'EmptySD3LatentImage');
    expect(l.inputs).toEqual({ width: 832, height: 1216, batch_size: 1 });
    expect(Object.values(g).some((n) => n.class_type === 'EmptyLatentImage')).toBe(false);
    const [, ks] = only(g, 'KSampler');
    expect(ks.inputs).toMatchObject({ cfg: 1, sampler_name: 'euler', scheduler: 'simple', steps: 20, denoise: 1, model: [unet, 0], positive: [guidance, 0], latent_image: [latent, 0] });
    expect(only(g, 'VAEDecode')[1].inputs.vae).toEqual([vae, 0]);
    expect(built.backendModel).toBe('flux1-dev.safetensors');
  });

  it('FLUX from one checkpoint still gets FluxGuidance, the SD3 latent and cfg 1', () => {
    const g = buildGraph({ family: 'flux', files: { loader: 'checkpoint', checkpoint: 'flux1-schnell-fp8.safetensors' }, prompt: 'p', negativePrompt: '', spec: spec({ guidance: 0 }) }).graph;
    expectLinksResolve(g);
    expect(only(g, 'CheckpointLoaderSimple')[1].inputs.ckpt_name).toBe('flux1-schnell-fp8.safetensors');
    expect(only(g, 'FluxGuidance')[1].inputs.guidance).toBe(0);
    only(g, 'EmptySD3LatentImage');
    expect(only(g, 'KSampler')[1].inputs.cfg).toBe(1);
  });

  it('image-to-image: LoadImage(uploaded name) → VAEEncode as the latent, denoise = strength', () => {
    const g = buildGraph({ family: 'sdxl', files: SDXL, prompt: 'p', negativePrompt: '', spec: spec(), initImage: 'init (1).png' }).graph;
    expectLinksResolve(g);
    const [load, li] = only(g, 'LoadImage');
    expect(li.inputs).toEqual({ image: 'init (1).png' });
    const [encode, ve] = only(g, 'VAEEncode');
    expect(ve.inputs).toEqual({ pixels: [load, 0], vae: [only(g, 'CheckpointLoaderSimple')[0], 2] });
    const ks = only(g, 'KSampler')[1];
    expect(ks.inputs.latent_image).toEqual([encode, 0]);
    expect(ks.inputs.denoise).toBe(0.55);
    expect(Object.values(g).some((n) => n.class_type.startsWith('Empty'))).toBe(false);
    expect(Object.values(g).some((n) => n.class_type === 'RepeatLatentBatch')).toBe(false);
  });

  it('image-to-image batches repeat the encoded latent', () => {
    const g = buildGraph({ family: 'flux', files: FLUX_SPLIT, prompt: 'p', negativePrompt: '', spec: spec({ batch_size: 3 }), initImage: 'x.png' }).graph;
    expectLinksResolve(g);
    const [repeat, r] = only(g, 'RepeatLatentBatch');
    expect(r.inputs).toEqual({ samples: [only(g, 'VAEEncode')[0], 0], amount: 3 });
    expect(only(g, 'KSampler')[1].inputs.latent_image).toEqual([repeat, 0]);
  });
});

describe('user workflows', () => {
  const text = fs.readFileSync(EXAMPLE, 'utf8');

  it('loads the shipped example and lists its placeholders', () => {
    const wf = parseWorkflow(text, 'sdxl-workflow.json');
    expect(wf.img2img).toBe(false);
    expect(wf.outputNodes).toEqual(['9']);
    expect([...wf.placeholders].sort()).toEqual(
      ['batch_size', 'guidance', 'height', 'negative_prompt', 'prompt', 'sampler', 'scheduler', 'seed', 'steps', 'strength', 'width'].sort(),
    );
  });

  it('fills placeholders: exact numeric ones become numbers, text stays text, embedded ones are interpolated', () => {
    const wf = parseWorkflow(text, 'sdxl-workflow.json');
    const g = applyWorkflow(wf, placeholderValues('sdxl', 'a "quoted" fox {{seed}}', 'ugly', spec({ seed: 7, batch_size: 2 }), undefined));
    expect(g['3']!.inputs).toEqual({
      seed: 7,
      steps: 30,
      cfg: 6.5,
      sampler_name: 'dpmpp_2m',
      scheduler: 'karras',
      denoise: 1, // text-to-image denoises fully, whatever the recipe's strength
      model: ['4', 0],
      positive: ['6', 0],
      negative: ['7', 0],
      latent_image: ['5', 0],
    });
    expect(g['5']!.inputs).toEqual({ width: 832, height: 1216, batch_size: 2 });
    // The prompt's own text is not re-scanned for placeholders.
    expect(g['6']!.inputs.text).toBe('a "quoted" fox {{seed}}');
    expect(g['7']!.inputs.text).toBe('ugly, blurry, watermark');
    // The loaded workflow is not modified.
    expect(wf.graph['3']!.inputs.seed).toBe('{{seed}}');
    expect(graphModelName(g)).toBe('sd_xl_base_1.0.safetensors');
    expect(graphSeed(g)).toBe(7);
  });

  const expectError = (fn: () => unknown, pattern: RegExp) => {
    expect(fn).toThrow(WorkflowError);
    expect(fn).toThrow(pattern);
  };

  it('rejects unknown placeholders, naming node and input', () => {
    const bad = text.replace('"{{steps}}"', '"{{step}}"');
    expectError(() => parseWorkflow(bad, 'w.json'), /w\.json uses unknown placeholder: \{\{step\}\} in node 3 \(KSampler\) input "steps"\. Known placeholders: \{\{prompt\}\}/);
  });

  it('requires {{prompt}}', () => {
    expectError(() => parseWorkflow(text.replace('"{{prompt}}"', '"a fixed prompt"'), 'w.json'), /has no \{\{prompt\}\} placeholder/);
  });

  it('explains the UI format, bad JSON and nodes without class_type', () => {
    expectError(() => parseWorkflow(JSON.stringify({ nodes: [], links: [], version: 0.4 }), 'ui.json'), /UI format, not the API format.*Export \(API\)/);
    expectError(() => parseWorkflow('{"3": ', 'x.json'), /x\.json is not valid JSON/);
    expectError(() => parseWorkflow('{"3": {"inputs": {}}}', 'x.json'), /node 3 has no class_type/);
    expectError(() => parseWorkflow('[]', 'x.json'), /JSON object of nodes/);
  });

  it('{{init_image}} makes an image-to-image workflow: refused for text-to-image, required for image-to-image', () => {
    const i2i = JSON.parse(text);
    i2i['10'] = { class_type: 'LoadImage', inputs: { image: '{{init_image}}' } };
    i2i['11'] = { class_type: 'VAEEncode', inputs: { pixels: ['10', 0], vae: ['4', 2] } };
    i2i['3'].inputs.latent_image = ['11', 0];
    delete i2i['5'];
    const wf = parseWorkflow(JSON.stringify(i2i), 'i2i.json');
    expect(wf.img2img).toBe(true);
    expectError(() => checkWorkflowMode(wf, false), /uses \{\{init_image\}\}, so it can only do image-to-image/);
    expectError(() => applyWorkflow(wf, placeholderValues('sdxl', 'p', '', spec(), undefined)), /text-to-image/);
    const g = applyWorkflow(wf, placeholderValues('sdxl', 'p', '', spec(), 'up (2).png'));
    expect(g['10']!.inputs.image).toBe('up (2).png');
    expect(g['3']!.inputs.denoise).toBe(0.55);

    const t2i = parseWorkflow(text, 't2i.json');
    expectError(() => checkWorkflowMode(t2i, true), /has no \{\{init_image\}\} placeholder/);
  });
});
