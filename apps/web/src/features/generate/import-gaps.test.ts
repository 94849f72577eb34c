import { describe, expect, it } from 'vitest';
import { makeNode } from '@/test/image-node';
import { A1111_RECIPE, a1111Node, comfyNode, importedNode } from '@/test/imported-nodes';
import { importGaps } from './import-gaps';

describe('what an imported recipe states that the form cannot take', () => {
  it('is nothing to say for an image made here', () => {
    expect(importGaps(makeNode())).toBeNull();
  });

  it('names a checkpoint that is not one of ours', () => {
    expect(importGaps(a1111Node())).toEqual({
      tool: 'AUTOMATIC1111',
      notes: ['Model “realistic_realisticVisionV20_v20” is not one of ours: the model chosen below stands in for it.'],
    });
  });

  it('explains a seed beyond ours, the scheduler, and CFG beside FLUX guidance', () => {
    expect(importGaps(comfyNode())!.notes).toEqual([
      'Model “flux1-dev-fp8.safetensors”: FLUX.1 [dev] stands in for it.',
      'Scheduler “simple” has no setting here.',
      'Seed 972054013131368 is beyond the seeds ImageFlow takes (0 to 4,294,967,295): a new one is drawn for each run.',
      'CFG scale 1 has no field of its own here: Guidance takes the FLUX guidance, 3.5.',
    ]);
  });

  it('lists a sampler we lack, a size we cannot make, hires fix, LoRAs and clip skip', () => {
    const recipe = {
      ...A1111_RECIPE,
      model: null,
      sampler: 'DPM++ 2M SDE',
      sampler_id: null,
      scheduler: 'Karras',
      width: 500,
      height: 412,
      hires: { upscale: 1.5, upscaler: 'ESRGAN', steps: 10, width: null, height: null, sampler: null, scheduler: null, cfg: null, denoising_strength: 0.3 },
      loras: [{ name: 'detail', weight: 0.8 }],
      clip_skip: 2,
    };
    const node = importedNode(recipe, { width: 750, height: 618, spec_json: { width: 750, height: 618, steps: 15, guidance: 5, seed: 1, imported: recipe } });
    expect(importGaps(node)!.notes).toEqual([
      'Sampler “DPM++ 2M SDE” is not offered here: choose one below.',
      'Scheduler “Karras” has no setting here.',
      'Size 500 × 412 can’t be made here (sides are multiples of 8, 64 to 2048): 744 × 616 is used.',
      'The hires fix (×1.5, ESRGAN) is not run here: upscale the result afterwards.',
      'The LoRA (detail 0.8) can’t be applied here.',
      'Clip skip 2 has no setting here.',
    ]);
  });
});
