import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { makeNode } from '@/test/image-node';
import { ParamsDiff, PromptDiff, RecipeDiffView, showParam } from './recipe-diff-view';

describe('PromptDiff', () => {
  it('strikes removed words and marks added ones', () => {
    render(<PromptDiff label="Prompt" a="a lighthouse at sunset" b="a lighthouse at night, stars" />);
    const diff = screen.getByTestId('diff-prompt');
    const removed = diff.querySelectorAll('del');
    const added = diff.querySelectorAll('ins');
    expect([...removed].map((n) => n.textContent)).toEqual(['removed: sunset']);
    expect([...added].map((n) => n.textContent)).toEqual(['added: night, stars']);
    expect(screen.getByText('changed')).toBeTruthy();
  });

  it('says "same" for identical prompts', () => {
    render(<PromptDiff label="Negative prompt" a="blurry" b="blurry" />);
    expect(screen.getByText('same')).toBeTruthy();
    expect(screen.getByTestId('diff-negative-prompt').querySelector('del, ins')).toBeNull();
  });
});

describe('ParamsDiff', () => {
  it('lists every setting and emphasises the changed ones', () => {
    const a = makeNode({ id: 1 });
    const b = makeNode({ id: 2, seed: 7, action_type: 'variation', parent_id: 1, spec_json: { ...a.spec_json, seed: 7, steps: 30 } });
    render(<ParamsDiff a={a} b={b} />);
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(11); // header + 10 settings
    const changed = [...table.querySelectorAll('tr[data-changed]')].map((row) => row.querySelector('th')!.textContent);
    expect(changed).toEqual(['Seed (changed)', 'Steps (changed)', 'Action (changed)']);
    expect(screen.getByText(/3 of 10 changed/)).toBeTruthy();
    expect(within(screen.getByRole('row', { name: /Seed/ })).getByText('7')).toBeTruthy();
  });

  it('says when all settings are the same', () => {
    const a = makeNode({ id: 1 });
    render(<ParamsDiff a={a} b={{ ...a, id: 2 }} />);
    expect(screen.getByText(/all the same/)).toBeTruthy();
  });
});

describe('RecipeDiffView', () => {
  it('shows prompt, negative prompt and settings', () => {
    render(<RecipeDiffView a={makeNode({ id: 1 })} b={makeNode({ id: 2, negative_prompt: 'blurry, people' })} />);
    expect(screen.getByRole('heading', { name: /Recipe changes/ })).toBeTruthy();
    const negative = screen.getByTestId('diff-negative-prompt');
    expect(negative.querySelector('ins')!.textContent).toBe('added: , people');
    // Read without the screen-reader markers, the line is B's prompt with no stray space.
    negative.querySelectorAll('.sr-only').forEach((n) => n.remove());
    expect(negative.textContent).toBe('blurry, people');
  });
});

describe('showParam', () => {
  it('names providers as people do: the builtin engine, a file brought in, the backends by their own names', () => {
    expect(showParam('provider', 'builtin')).toBe('Builtin (not AI)');
    expect(showParam('provider', 'upload')).toBe('None (uploaded file)');
    expect(showParam('provider', 'comfyui')).toBe('ComfyUI');
    expect(showParam('provider', 'my-gpu-box')).toBe('my-gpu-box');
    expect(showParam('model', 'upload')).toBe('None (uploaded file)');
    expect(showParam('sampler', 'euler_a')).toBe('Euler a');
    expect(showParam('action_type', 'upscale')).toBe('Upscale');
    expect(showParam('seed', null)).toBe('—');
  });
});
