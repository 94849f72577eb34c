import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen } from '@testing-library/react';
import { toast } from 'sonner';
import { AppProviders } from './providers';

/** A screen `width` px wide, as matchMedia tells it. */
function screenOf(width: number) {
  vi.stubGlobal(
    'matchMedia',
    vi.fn((query: string) => ({
      matches: width >= Number(/min-width:\s*(\d+)px/.exec(query)?.[1] ?? 0),
      media: query,
      addEventListener: () => {},
      removeEventListener: () => {},
    })),
  );
}

async function showToast() {
  render(<AppProviders>{null}</AppProviders>);
  act(() => void toast.success('Preset “Portrait” saved'));
  await screen.findByText('Preset “Portrait” saved');
  return document.querySelector<HTMLElement>('[data-sonner-toaster]')!;
}

describe('toasts', () => {
  afterEach(() => {
    act(() => toast.dismiss());
    vi.unstubAllGlobals();
  });

  it('on a phone or a tablet come in at the top, just below the header, and can be closed', async () => {
    screenOf(390);
    const toaster = await showToast();
    expect(toaster.dataset.yPosition).toBe('top');
    expect(toaster.dataset.xPosition).toBe('center');
    expect(toaster.style.getPropertyValue('--mobile-offset-top')).toBe('calc(var(--header-bottom, 3.5rem) + 0.75rem)');
    expect(toaster.style.getPropertyValue('--offset-top')).toBe('calc(var(--header-bottom, 3.5rem) + 0.75rem)');
    expect(screen.getByRole('button', { name: 'Close toast' })).toBeTruthy();
    expect(screen.getByRole('region', { name: /^Notifications/ }).getAttribute('aria-live')).toBe('polite');
  });

  it('on a wide screen keep to the corner below right', async () => {
    screenOf(1280);
    const toaster = await showToast();
    expect(toaster.dataset.yPosition).toBe('bottom');
    expect(toaster.dataset.xPosition).toBe('right');
  });
});
