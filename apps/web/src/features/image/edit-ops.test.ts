import { describe, expect, it } from 'vitest';
import { cropError, editedSize, initialEditForm, toEditOps } from './edit-ops';

const size = { width: 512, height: 384 };

describe('edit ops', () => {
  it('sends nothing for an untouched form', () => {
    expect(toEditOps(initialEditForm(size), size)).toBeNull();
  });

  it('sends only what changes', () => {
    const form = { ...initialEditForm(size), rotate: 90 as const, flop: true, brightness: 1.2000001 };
    expect(toEditOps(form, size)).toEqual({ rotate: 90, flop: true, brightness: 1.2 });
  });

  it('sends a crop smaller than the image', () => {
    const form = { ...initialEditForm(size), crop: { left: 10, top: 20, width: 100, height: 50 } };
    expect(toEditOps(form, size)).toEqual({ crop: { left: 10, top: 20, width: 100, height: 50 } });
  });

  it('explains a crop outside the image', () => {
    expect(cropError({ left: 0, top: 0, width: 512, height: 384 }, size)).toBeNull();
    expect(cropError({ left: 100, top: 0, width: 500, height: 10 }, size)).toMatch(/at most 512/);
    expect(cropError({ left: 0, top: 0, width: 0, height: 10 }, size)).toMatch(/at least 1/);
    expect(cropError({ left: 1.5, top: 0, width: 10, height: 10 }, size)).toMatch(/whole numbers/);
  });

  it('computes the result size after a quarter turn', () => {
    expect(editedSize({ ...initialEditForm(size), rotate: 270 })).toEqual({ width: 384, height: 512 });
  });
});
