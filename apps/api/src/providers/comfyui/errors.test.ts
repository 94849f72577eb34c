import { describe, expect, it } from 'vitest';
import {
  comboOptions,
  describeExecutionError,
  describeInterrupted,
  describePromptRejection,
  listedOptions,
  parsePythonStringList,
  unlistedChoices,
  type DescribeContext,
} from './errors.ts';

const ctx: DescribeContext = { url: 'http://10.0.0.5:8188', backend: 'gpu-box', model: 'sdxl' };

/** A 400 body as execution.validate_prompt builds it for a checkpoint that is not installed. */
const missingCheckpoint = (details: string, inputConfig: unknown) => ({
  error: {
    type: 'prompt_outputs_failed_validation',
    message: 'Prompt outputs failed validation',
    details: `Value not in list: ${details}`,
    extra_info: {},
  },
  node_errors: {
    '1': {
      errors: [
        {
          type: 'value_not_in_list',
          message: 'Value not in list',
          details,
          extra_info: { input_name: 'ckpt_name', input_config: inputConfig, received_value: 'x.safetensors' },
        },
      ],
      dependent_outputs: ['7'],
      class_type: 'CheckpointLoaderSimple',
    },
  },
});

describe('parsePythonStringList', () => {
  it("reads Python's str(list) of strings, with either quote and escapes", () => {
    expect(parsePythonStringList("['a.safetensors', 'b c.ckpt']")).toEqual(['a.safetensors', 'b c.ckpt']);
    expect(parsePythonStringList(`["it's.safetensors", 'back\\\\slash', 'q\\'s']`)).toEqual(["it's.safetensors", 'back\\slash', "q's"]);
    expect(parsePythonStringList('[]')).toEqual([]);
    expect(parsePythonStringList('(list of length 25)')).toBeUndefined();
    expect(parsePythonStringList("['unterminated]")).toBeUndefined();
  });

  it('reads combo options in both object_info shapes', () => {
    expect(comboOptions([['a', 'b'], { tooltip: 't' }])).toEqual(['a', 'b']);
    expect(comboOptions(['COMBO', { options: ['x', 'y'] }])).toEqual(['x', 'y']);
    expect(comboOptions(['INT', { min: 0 }])).toBeUndefined();
  });
});

describe('describePromptRejection', () => {
  it('a model that is not installed: names it, lists what the server has, and the config key to set', () => {
    const body = missingCheckpoint("ckpt_name: 'x.safetensors' not in ['a.safetensors', 'b.safetensors']", [['a.safetensors', 'b.safetensors'], {}]);
    const msg = describePromptRejection(body, ctx);
    expect(msg).toContain("model 'x.safetensors' is not installed on the ComfyUI server at http://10.0.0.5:8188");
    expect(msg).toContain('node 1 (CheckpointLoaderSimple), input ckpt_name');
    expect(msg).toContain('it has: a.safetensors, b.safetensors');
    expect(msg).toContain("Set models.sdxl.checkpoint for backend 'gpu-box' in imageflow.config.json");
    expect(msg).toContain("models/checkpoints");
  });

  it('reads the list from details when input_config is absent, and asks for a lookup when it was elided', () => {
    const listed = missingCheckpoint("ckpt_name: 'x.safetensors' not in ['a.safetensors']", undefined);
    expect(listedOptions(listed.node_errors['1'].errors[0]!)).toEqual(['a.safetensors']);
    expect(unlistedChoices(listed)).toEqual([]);

    const elided = missingCheckpoint("ckpt_name: 'x.safetensors' not in (list of length 25)", null);
    expect(unlistedChoices(elided)).toEqual([{ classType: 'CheckpointLoaderSimple', inputName: 'ckpt_name' }]);
    const msg = describePromptRejection(elided, { ...ctx, choices: (c, i) => (c === 'CheckpointLoaderSimple' && i === 'ckpt_name' ? ['m1.safetensors', 'm2.safetensors'] : undefined) });
    expect(msg).toContain('it has: m1.safetensors, m2.safetensors');
  });

  it('points at the workflow file when the graph came from one', () => {
    const body = missingCheckpoint("ckpt_name: 'x.safetensors' not in ['a.safetensors']", undefined);
    const msg = describePromptRejection(body, { ...ctx, workflow: '/cfg/sdxl.json', graph: { '1': { class_type: 'CheckpointLoaderSimple', inputs: {}, _meta: { title: 'Base model' } } } });
    expect(msg).toContain('Edit node 1 (CheckpointLoaderSimple "Base model") in the workflow file /cfg/sdxl.json');
  });

  it('samplers, missing inputs, wiring and the init image', () => {
    const body = {
      error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
      node_errors: {
        '5': {
          class_type: 'KSampler',
          dependent_outputs: ['7'],
          errors: [
            { type: 'value_not_in_list', message: 'Value not in list', details: "sampler_name: 'euler_x' not in ['euler', 'heun']", extra_info: { input_name: 'sampler_name', received_value: 'euler_x' } },
            { type: 'required_input_missing', message: 'Required input is missing', details: 'seed', extra_info: { input_name: 'seed' } },
            { type: 'return_type_mismatch', message: 'Return type mismatch between linked nodes', details: 'model, received_type(VAE) mismatch input_type(MODEL)', extra_info: { input_name: 'model' } },
            { type: 'value_smaller_than_min', message: 'Value 0 smaller than min of 1', details: 'steps', extra_info: { input_name: 'steps', received_value: 0 } },
          ],
        },
        '8': {
          class_type: 'LoadImage',
          dependent_outputs: ['7'],
          errors: [{ type: 'custom_validation_failed', message: 'Custom validation failed for node', details: 'image - Invalid image file: up.png', extra_info: { input_name: 'image' } }],
        },
      },
    };
    const msg = describePromptRejection(body, ctx);
    expect(msg).toMatch(/^ComfyUI at http:\/\/10\.0\.0\.5:8188 rejected the job: /);
    expect(msg).toContain("sampler 'euler_x' is not available on the ComfyUI server at http://10.0.0.5:8188 (node 5 (KSampler)); it offers: euler, heun");
    expect(msg).toContain('node 5 (KSampler) is missing its required input "seed"');
    expect(msg).toContain('wrongly wired input: model, received_type(VAE) mismatch input_type(MODEL)');
    expect(msg).toContain('node 5 (KSampler) input steps: Value 0 smaller than min of 1: steps');
    expect(msg).toContain('the init image is missing on the ComfyUI server at http://10.0.0.5:8188 (node 8 (LoadImage)): image - Invalid image file: up.png');
  });

  it('whole-graph errors: missing node type, no outputs, bare strings', () => {
    const missing = {
      error: {
        type: 'missing_node_type',
        message: "Node 'FluxGuidance' not found. The custom node may not be installed.",
        details: "Node ID '#5'",
        extra_info: { node_id: '5', class_type: 'FluxGuidance', node_title: 'FluxGuidance' },
      },
      node_errors: {},
    };
    expect(describePromptRejection(missing, ctx)).toBe(
      "ComfyUI at http://10.0.0.5:8188 does not have the node type 'FluxGuidance' (Node ID '#5'). Update ComfyUI to a current version.",
    );
    expect(describePromptRejection(missing, { ...ctx, workflow: 'w.json' })).toContain('Install the custom node the workflow w.json needs');
    expect(
      describePromptRejection({ error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, node_errors: [] }, { ...ctx, workflow: 'w.json' }),
    ).toContain('the workflow has no output node; add a SaveImage node to w.json');
    expect(describePromptRejection({ error: 'no prompt', node_errors: [] }, ctx)).toBe('ComfyUI at http://10.0.0.5:8188 rejected the job: no prompt');
    expect(describePromptRejection('garbage', ctx)).toContain('without saying why');
  });
});

describe('describeExecutionError', () => {
  it('names the node and the exception, with a hint for out-of-memory', () => {
    const msg = describeExecutionError(
      { prompt_id: 'p', node_id: '5', node_type: 'KSampler', exception_type: 'torch.OutOfMemoryError', exception_message: 'CUDA out of memory. Tried to allocate 2.00 GiB\n' },
      { ...ctx, graph: { '5': { class_type: 'KSampler', inputs: {}, _meta: { title: 'Sampler' } } } },
    );
    expect(msg).toBe(
      'ComfyUI at http://10.0.0.5:8188 failed while running node 5 (KSampler "Sampler"): torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. The GPU ran out of memory: try a smaller size or batch, or start ComfyUI with --lowvram.',
    );
    expect(describeExecutionError({ node_type: 'CheckpointLoaderSimple', exception_message: 'bad header' }, ctx)).toContain('The model file may be damaged');
    expect(describeInterrupted(ctx)).toContain('interrupted on the ComfyUI server');
  });
});
