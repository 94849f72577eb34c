import { beforeEach, describe, expect, it, vi } from 'vitest';
import { localStore } from './local-store';
import { MAX_PRESET_NAME, presetNameProblem, presets, presetsStore, type Preset } from './presets';
import { MAX_HISTORY, historyStore, promptHistory, searchHistory } from './prompt-history';
import { describeSettings, parseLastSettings, parseSettings, settingsFromForm, type CreateSettings } from './settings';
import { initialFormState } from './form-state';

const settings: CreateSettings = { model: 'sdxl', width: 832, height: 1216, steps: 25, guidance: 6.5, sampler: 'dpmpp_2m_karras', batchSize: 2 };

beforeEach(() => localStorage.clear());

describe('localStore', () => {
  it('reads what cannot be parsed as the empty value, keeps one value per scope, and tells listeners', () => {
    const store = localStore('test', (raw) => (Array.isArray(raw) ? (raw as number[]) : []));
    localStorage.setItem('imageflow.create.test.local', '{not json');
    expect(store.get('local')).toEqual([]);
    const listener = vi.fn();
    const stop = store.subscribe(listener);
    store.set('ann', [1, 2]);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.get('ann')).toEqual([1, 2]);
    // The same snapshot until it changes, as useSyncExternalStore needs.
    expect(store.get('ann')).toBe(store.get('ann'));
    expect(store.get('bob')).toEqual([]);
    stop();
  });

  it('keeps working in memory when the browser refuses to store', () => {
    const store = localStore('full', (raw) => (typeof raw === 'number' ? raw : 0));
    const setItem = vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    try {
      store.set('local', 5);
      expect(store.get('local')).toBe(5);
    } finally {
      setItem.mockRestore();
    }
  });
});

describe('prompt history', () => {
  it('lists each prompt once, the latest use first, and at most MAX_HISTORY', () => {
    promptHistory.add('local', 'a', '', 1);
    promptHistory.add('local', 'b', 'blurry', 2);
    promptHistory.add('local', '  a  ', 'text', 3);
    promptHistory.add('local', '   ', '', 4);
    expect(historyStore.get('local')).toEqual([
      { prompt: 'a', negativePrompt: 'text', usedAt: 3 },
      { prompt: 'b', negativePrompt: 'blurry', usedAt: 2 },
    ]);
    for (let i = 0; i < MAX_HISTORY + 10; i++) promptHistory.add('local', `p${i}`, '', i);
    expect(historyStore.get('local')).toHaveLength(MAX_HISTORY);
    expect(historyStore.get('local')[0]!.prompt).toBe(`p${MAX_HISTORY + 9}`);
  });

  it('finds prompts that hold every word searched, in any case and order, in the prompt or its negative', () => {
    const entries = [
      { prompt: 'Neon city at night, rain', negativePrompt: '', usedAt: 1 },
      { prompt: 'a lighthouse at night', negativePrompt: 'rain', usedAt: 2 },
      { prompt: 'a red flower', negativePrompt: '', usedAt: 3 },
    ];
    expect(searchHistory(entries, '  ')).toBe(entries);
    expect(searchHistory(entries, 'NIGHT rain').map((e) => e.prompt)).toEqual(['Neon city at night, rain', 'a lighthouse at night']);
    expect(searchHistory(entries, 'flow')).toEqual([entries[2]]);
    expect(searchHistory(entries, 'tulip')).toEqual([]);
  });

  it('skips entries that are not prompts when reading back', () => {
    localStorage.setItem('imageflow.create.prompt-history.local', JSON.stringify([{ prompt: 'ok', usedAt: 'x' }, { prompt: 3 }, null, 'text', { prompt: '' }]));
    expect(historyStore.get('local')).toEqual([{ prompt: 'ok', negativePrompt: '', usedAt: 0 }]);
  });
});

describe('presets', () => {
  it('needs a name, short and not taken (ignoring case), except by the preset being renamed', () => {
    const list: Preset[] = [{ id: '1', name: 'Portrait', settings }];
    expect(presetNameProblem(list, '  ')).toBe('Give the preset a name.');
    expect(presetNameProblem(list, 'x'.repeat(MAX_PRESET_NAME + 1))).toMatch(/Keep the name to 60 characters/);
    expect(presetNameProblem(list, ' portrait ')).toBe('A preset is already called “portrait”.');
    expect(presetNameProblem(list, 'PORTRAIT', '1')).toBeNull();
    expect(presetNameProblem(list, 'Landscape')).toBeNull();
  });

  it('saves first in the list, renames, removes and puts a removed one back where it was', () => {
    const a = presets.save('local', ' A ', settings);
    const b = presets.save('local', 'B', { ...settings, steps: 10 });
    expect(presetsStore.get('local').map((p) => p.name)).toEqual(['B', 'A']);
    presets.rename('local', a.id, 'Alpha');
    presets.remove('local', b.id);
    expect(presetsStore.get('local').map((p) => p.name)).toEqual(['Alpha']);
    presets.restore('local', b, 0);
    presets.restore('local', b, 0);
    expect(presetsStore.get('local').map((p) => p.name)).toEqual(['B', 'Alpha']);
  });

  it('drops stored presets whose settings the form would not accept', () => {
    localStorage.setItem(
      'imageflow.create.presets.local',
      JSON.stringify([{ id: '1', name: 'ok', settings }, { id: '2', name: 'bad', settings: { ...settings, width: 1020 } }, { id: '3', name: '', settings }]),
    );
    expect(presetsStore.get('local').map((p) => p.id)).toEqual(['1']);
  });
});

describe('settings', () => {
  it('accepts only settings the form accepts', () => {
    expect(parseSettings(settings)).toEqual(settings);
    expect(parseSettings({ ...settings, model: 'sd15' })).toBeNull();
    expect(parseSettings({ ...settings, sampler: 'lcm' })).toBeNull();
    expect(parseSettings({ ...settings, width: 1020 })).toBeNull();
    expect(parseSettings({ ...settings, steps: 151 })).toBeNull();
    expect(parseSettings({ ...settings, batchSize: 0 })).toBeNull();
    expect(parseSettings(null)).toBeNull();
    expect(parseLastSettings({ settings, seed: -1, touched: ['steps', 'nonsense'] })).toEqual({ settings, seed: null, touched: ['steps'] });
  });

  it('reads the form’s settings as Generate would, whatever the prompt', () => {
    const { values } = initialFormState('flux-schnell');
    expect(settingsFromForm(values)).toEqual({ ok: true, settings: { model: 'flux-schnell', width: 1024, height: 1024, steps: 4, guidance: 0, sampler: 'euler', batchSize: 1 } });
    expect(settingsFromForm({ ...values, width: '13' })).toEqual({ ok: false, errors: { width: 'Width must be between 64 and 2048 pixels.' } });
  });

  it('are described in the words a person reads, not their codes', () => {
    expect(describeSettings(settings)).toBe('SDXL · 832 × 1216 · 25 steps · guidance 6.5 · DPM++ 2M Karras · 2 images');
    expect(describeSettings({ ...settings, model: 'flux-dev', sampler: 'euler_a', steps: 1, batchSize: 1 })).toBe('FLUX.1 [dev] · 832 × 1216 · 1 step · guidance 6.5 · Euler a · 1 image');
  });
});
