import { SAMPLERS, SAMPLER_LABELS } from '@imageflow/shared';
import { describe, expect, it } from 'vitest';
import {
  a1111LegacyNameFor,
  a1111NameFor,
  comfyFor,
  invokeNameFor,
  samplerIdFromA1111,
  samplerIdFromAnyName,
  samplerIdFromComfy,
  samplerIdFromInvoke,
  samplerIdFromKDiffusion,
} from './samplers.ts';

describe('sampler mapping round trips', () => {
  for (const id of SAMPLERS) {
    it(id, () => {
      const a1111 = a1111NameFor(id);
      expect(samplerIdFromA1111(a1111.sampler, a1111.scheduler)).toBe(id);
      expect(a1111LegacyNameFor(id)).toBe(SAMPLER_LABELS[id]);
      expect(samplerIdFromA1111(a1111LegacyNameFor(id))).toBe(id);
      for (const family of ['sdxl', 'flux'] as const) {
        const comfy = comfyFor(id, family);
        expect(samplerIdFromComfy(comfy.sampler_name, comfy.scheduler)).toBe(id);
      }
      expect(samplerIdFromInvoke(invokeNameFor(id))).toBe(id);
      expect(samplerIdFromAnyName(id)).toBe(id);
    });
  }
});

describe('samplerIdFromA1111', () => {
  it('splits the schedule out of the name and takes the stated schedule type', () => {
    expect(samplerIdFromA1111('DPM++ 2M Karras')).toBe('dpmpp_2m_karras');
    expect(samplerIdFromA1111('DPM++ 2M', 'Karras')).toBe('dpmpp_2m_karras');
    // From 1.9, "Automatic" is Karras for DPM++ 2M; before, the bare name was the plain sampler.
    expect(samplerIdFromA1111('DPM++ 2M', 'Automatic')).toBe('dpmpp_2m_karras');
    expect(samplerIdFromA1111('DPM++ 2M')).toBe('dpmpp_2m');
    expect(samplerIdFromA1111('DPM++ 2M', 'Uniform')).toBe('dpmpp_2m');
    expect(samplerIdFromA1111('dpm++ 2m karras')).toBe('dpmpp_2m_karras');
  });

  it('keeps the id of samplers whose schedule our ids do not distinguish', () => {
    expect(samplerIdFromA1111('Euler a', 'Automatic')).toBe('euler_a');
    expect(samplerIdFromA1111('Euler a', 'Karras')).toBe('euler_a');
    expect(samplerIdFromA1111('Euler', 'Automatic')).toBe('euler');
    expect(samplerIdFromA1111('DPM++ SDE Karras')).toBe('dpmpp_sde');
    expect(samplerIdFromA1111('UniPC')).toBe('uni_pc');
    expect(samplerIdFromA1111('DDIM')).toBe('ddim');
    expect(samplerIdFromA1111('DPM2')).toBe('dpm_2');
    expect(samplerIdFromA1111('Heun')).toBe('heun');
  });

  it('has no id for samplers we do not offer', () => {
    for (const name of ['DPM++ 2M SDE', 'DPM++ 2M SDE Karras', 'DPM2 a', 'DPM2 a Karras', 'LMS', 'PLMS', 'LCM', 'DPM++ 3M SDE', 'Restart', '', '__proto__', 'constructor']) {
      expect(samplerIdFromA1111(name), name).toBeNull();
    }
  });

  it('reads ComfyUI names written into A1111 text by ComfyUI metadata nodes', () => {
    expect(samplerIdFromA1111('euler_ancestral_karras')).toBe('euler_a');
    expect(samplerIdFromA1111('dpmpp_2m_karras')).toBe('dpmpp_2m_karras');
    expect(samplerIdFromA1111('dpmpp_2m_sde_gpu_karras')).toBeNull();
  });
});

describe('samplerIdFromComfy / InvokeAI / k-diffusion names', () => {
  it('maps ComfyUI sampler_name + scheduler', () => {
    expect(samplerIdFromComfy('dpmpp_2m', 'karras')).toBe('dpmpp_2m_karras');
    expect(samplerIdFromComfy('dpmpp_2m', 'normal')).toBe('dpmpp_2m');
    expect(samplerIdFromComfy('euler_ancestral', 'karras')).toBe('euler_a');
    expect(samplerIdFromComfy('uni_pc', 'normal')).toBe('uni_pc');
    expect(samplerIdFromComfy('dpmpp_sde_gpu', 'karras')).toBe('dpmpp_sde');
    expect(samplerIdFromComfy('ddim', 'ddim_uniform')).toBe('ddim');
    for (const name of ['dpmpp_2m_sde_gpu', 'uni_pc_bh2', 'lcm', 'euler_cfg_pp', '__proto__', 'toString']) {
      expect(samplerIdFromComfy(name, 'normal'), name).toBeNull();
    }
  });

  it('maps InvokeAI scheduler names', () => {
    expect(samplerIdFromInvoke('dpmpp_2m_k')).toBe('dpmpp_2m_karras');
    expect(samplerIdFromInvoke('euler_a')).toBe('euler_a');
    expect(samplerIdFromInvoke('unipc')).toBe('uni_pc');
    expect(samplerIdFromInvoke('kdpm_2')).toBe('dpm_2');
    expect(samplerIdFromInvoke('lms')).toBeNull();
    expect(samplerIdFromInvoke('hasOwnProperty')).toBeNull();
  });

  it('maps k-diffusion names (NovelAI, InvokeAI 2.x)', () => {
    expect(samplerIdFromKDiffusion('k_euler_ancestral')).toBe('euler_a');
    expect(samplerIdFromKDiffusion('k_euler')).toBe('euler');
    expect(samplerIdFromKDiffusion('k_dpmpp_2m', 'karras')).toBe('dpmpp_2m_karras');
    expect(samplerIdFromKDiffusion('k_dpmpp_2m', 'native')).toBe('dpmpp_2m');
    expect(samplerIdFromKDiffusion('k_lms')).toBeNull();
    expect(samplerIdFromKDiffusion('ddim_v3')).toBeNull();
  });
});
