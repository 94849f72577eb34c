import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { toast } from 'sonner';
import { ShareButton } from './share-button';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }) }));

const node = { url: '/images/sdxl_abc.png' };
const fullUrl = `${window.location.origin}/images/sdxl_abc.png`;

function setClipboard(writeText: ((text: string) => Promise<void>) | undefined) {
  Object.defineProperty(navigator, 'clipboard', { value: writeText ? { writeText } : undefined, configurable: true });
}

describe('ShareButton', () => {
  beforeEach(() => vi.mocked(toast.success).mockClear());
  afterEach(() => setClipboard(undefined));

  it('copies the full image URL and confirms with a toast', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    setClipboard(writeText);
    render(<ShareButton node={node} />);
    await userEvent.click(screen.getByRole('button', { name: 'Share link' }));
    expect(writeText).toHaveBeenCalledWith(fullUrl);
    expect(toast.success).toHaveBeenCalledWith('Link copied', { description: fullUrl });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('falls back to a selected field in a popover when the clipboard is unavailable', async () => {
    setClipboard(undefined);
    render(<ShareButton node={node} iconOnly />);
    await userEvent.click(screen.getByRole('button', { name: 'Share link' }));
    const field = screen.getByLabelText('Image link') as HTMLInputElement;
    expect(field.value).toBe(fullUrl);
    expect(document.activeElement).toBe(field);
    expect(toast.success).not.toHaveBeenCalled();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByLabelText('Image link')).toBeNull();
  });

  it('falls back when the browser denies the clipboard', async () => {
    setClipboard(vi.fn().mockRejectedValue(new DOMException('denied', 'NotAllowedError')));
    render(<ShareButton node={node} />);
    await userEvent.click(screen.getByRole('button', { name: 'Share link' }));
    expect((screen.getByLabelText('Image link') as HTMLInputElement).value).toBe(fullUrl);
  });

  it('is disabled for a deleted image', () => {
    render(<ShareButton node={{ url: null }} />);
    expect((screen.getByRole('button', { name: 'Share link' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
