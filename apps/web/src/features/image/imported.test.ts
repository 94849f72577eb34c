import { describe, expect, it } from 'vitest';
import { makeNode } from '@/test/image-node';
import { A1111_RECIPE, a1111Node } from '@/test/imported-nodes';
import { formatName, formatStated, importedFromOf, importedRecipeOf, modelLabel, recognisedTool, samplerLabel, toolName } from './imported';

describe('imported recipes', () => {
  it('reads the recipe an upload states, and nothing from an image made here', () => {
    const recipe = importedRecipeOf(a1111Node());
    expect(recipe).toMatchObject({ tool: 'automatic1111', prompt: 'photo of a duck', seed: 235284042, sampler: 'UniPC', sampler_id: 'uni_pc', width: 512, height: 400 });
    expect(importedRecipeOf(makeNode())).toBeNull();
  });

  it('keeps to what it can trust in a recipe of unexpected shape', () => {
    const odd = makeNode({ spec_json: { imported: { ...A1111_RECIPE, tool: 'photoshop' } } });
    expect(importedRecipeOf(odd)).toBeNull();
    const messy = importedRecipeOf(
      makeNode({ spec_json: { imported: { tool: 'comfyui', steps: '20', sampler_id: 'lcm', loras: [{ name: 'a', weight: 0.5 }, { weight: 1 }, 'b'], extra: { ok: 'yes', n: 3 } } } }),
    );
    expect(messy).toMatchObject({ tool: 'comfyui', steps: null, sampler_id: null, loras: [{ name: 'a', weight: 0.5 }], extra: { ok: 'yes' }, hires: null });
  });

  it('names tools as they name themselves, with the version they state', () => {
    expect(toolName({ tool: 'automatic1111', tool_version: 'v1.10.1' })).toBe('AUTOMATIC1111 v1.10.1');
    expect(toolName({ tool: 'sdnext', tool_version: null })).toBe('SD.Next');
    expect(recognisedTool(a1111Node())).toBe('AUTOMATIC1111');
    expect(recognisedTool(makeNode({ spec_json: { imported_from: { tool: 'imageflow', node_id: 7 } } }))).toBe('ImageFlow');
    expect(recognisedTool(makeNode())).toBeNull();
    expect(importedFromOf(makeNode({ spec_json: { imported_from: { tool: 'imageflow', node_id: 7 } } }))).toEqual({ nodeId: 7, recordedAction: null });
  });

  it('says samplers, models, numbers and formats as people do', () => {
    expect(samplerLabel('dpmpp_2m_karras')).toBe('DPM++ 2M Karras');
    expect(samplerLabel('lcm')).toBe('lcm');
    expect(samplerLabel(undefined)).toBeUndefined();
    expect(modelLabel('flux-dev')).toBe('FLUX.1 [dev]');
    expect(modelLabel('upload')).toBe('None (uploaded file)');
    expect(formatStated(7)).toBe('7');
    expect(formatStated(0.30000000000000004)).toBe('0.3');
    expect(formatStated(972054013131368)).toBe('972054013131368');
    expect(formatName('image/jpeg')).toBe('JPEG');
  });
});
