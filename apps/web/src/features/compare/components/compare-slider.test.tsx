import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeNode } from '@/test/image-node';
import { CompareSlider, sliderKeyStep } from './compare-slider';

describe('sliderKeyStep', () => {
  it('moves by 1, by 10 with Shift or Page keys, and jumps with Home/End', () => {
    expect(sliderKeyStep('ArrowRight', false, 50)).toBe(51);
    expect(sliderKeyStep('ArrowLeft', true, 50)).toBe(40);
    expect(sliderKeyStep('PageUp', false, 95)).toBe(100);
    expect(sliderKeyStep('Home', false, 50)).toBe(0);
    expect(sliderKeyStep('End', false, 50)).toBe(100);
    expect(sliderKeyStep('a', false, 50)).toBeNull();
  });
});

describe('CompareSlider', () => {
  it('is a keyboard-operable slider that reveals A over B', async () => {
    const user = userEvent.setup();
    render(<CompareSlider a={makeNode({ id: 1 })} b={makeNode({ id: 2 })} />);
    const slider = screen.getByRole('slider', { name: 'Divider between A and B' });
    expect(slider.getAttribute('aria-valuenow')).toBe('50');
    slider.focus();
    await user.keyboard('{ArrowRight}{ArrowRight}');
    expect(slider.getAttribute('aria-valuenow')).toBe('52');
    await user.keyboard('{Shift>}{ArrowLeft}{/Shift}');
    expect(slider.getAttribute('aria-valuenow')).toBe('42');
    await user.keyboard('{End}');
    expect(slider.getAttribute('aria-valuetext')).toBe('100% of A shown');
    expect(screen.getByTestId('compare-slider-a').style.clipPath).toBe('inset(0 0% 0 0)');
  });

  it('follows a pointer drag', () => {
    render(<CompareSlider a={makeNode({ id: 1 })} b={makeNode({ id: 2 })} />);
    const frame = screen.getByTestId('compare-slider');
    frame.getBoundingClientRect = () => ({ left: 0, width: 200, top: 0, height: 200, right: 200, bottom: 200, x: 0, y: 0, toJSON: () => ({}) });
    fireEvent.pointerDown(frame, { button: 0, clientX: 50, pointerId: 1 });
    expect(screen.getByRole('slider').getAttribute('aria-valuenow')).toBe('25');
    fireEvent.pointerMove(frame, { clientX: 150, pointerId: 1 });
    expect(screen.getByRole('slider').getAttribute('aria-valuenow')).toBe('75');
    fireEvent.pointerUp(frame, { pointerId: 1 });
    fireEvent.pointerMove(frame, { clientX: 10, pointerId: 1 });
    expect(screen.getByRole('slider').getAttribute('aria-valuenow')).toBe('75');
  });
});
