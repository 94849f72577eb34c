import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ImageNode } from '@imageflow/shared';
import { makeNode } from '@/test/image-node';
import { ImageViewer } from './image-viewer';

/** decode() of every <img>, settled by the test. */
let decodes: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

beforeEach(() => {
  decodes = [];
  Object.defineProperty(HTMLImageElement.prototype, 'decode', {
    configurable: true,
    value: () => new Promise<void>((resolve, reject) => decodes.push({ resolve, reject })),
  });
});
afterEach(() => {
  delete (HTMLImageElement.prototype as { decode?: unknown }).decode;
  vi.restoreAllMocks();
});

const huge = makeNode({ id: 7, width: 8192, height: 8192 });
const scale = () => Number(screen.getByTestId('viewer-image').dataset.scale);
const zoom = () => screen.getByRole('toolbar', { name: 'Zoom and view' }).querySelector('output')!.textContent;
const offset = () => screen.getByTestId('viewer-image').style.transform;

describe('ImageViewer', () => {
  it('keeps the thumbnail, scaled to the image, until the full image has decoded', async () => {
    render(<ImageViewer node={huge} className="h-96" />);
    const full = screen.getByRole('img', { name: /^Image #7/ });
    const thumbnail = screen.getByTestId('viewer-thumbnail');
    expect(thumbnail.getAttribute('src')).toBe('/thumbs/sdxl_7.webp');
    expect(thumbnail.className).toContain('h-full w-full');
    expect(full.className).toContain('opacity-0');
    // Loaded is not decoded: the thumbnail stays.
    fireEvent.load(full);
    expect(screen.getByTestId('viewer-thumbnail')).toBeTruthy();
    expect(screen.getByText('Loading the full image…')).toBeTruthy();

    await act(async () => decodes[0]!.resolve());
    expect(screen.queryByTestId('viewer-thumbnail')).toBeNull();
    expect(full.className).toContain('opacity-100');
    expect(screen.queryByText('Loading the full image…')).toBeNull();
  });

  it('says when the full image cannot be loaded, over the thumbnail', async () => {
    render(<ImageViewer node={huge} />);
    fireEvent.error(screen.getByRole('img', { name: /^Image #7/ }));
    await act(async () => decodes[0]!.reject(new Error('EncodingError')));
    expect(screen.getByRole('alert').textContent).toBe('The image file could not be loaded.');
    expect(screen.getByTestId('viewer-thumbnail')).toBeTruthy();
  });

  it('fits, zooms in and out, shows 1:1, and fits again, from the buttons and the keys', async () => {
    const user = userEvent.setup();
    render(<ImageViewer node={huge} />);
    // jsdom's frame is 800 × 600: fitted 20 px from its sides and top, and clear of the bar below (60 px).
    expect(scale()).toBeCloseTo(520 / 8192);
    expect(zoom()).toBe('6%');
    expect(screen.getByRole('button', { name: 'Fit to the frame' }).getAttribute('aria-pressed')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Zoom in' }));
    expect(scale()).toBeCloseTo((520 / 8192) * 1.5);
    await user.click(screen.getByRole('button', { name: 'Actual size (1:1)' }));
    expect(zoom()).toBe('100%');
    expect(screen.getByRole('button', { name: 'Actual size (1:1)' }).getAttribute('aria-pressed')).toBe('true');
    // 1:1 shows the middle of the image, where the middle of the fitted image was (above the bar).
    expect(offset()).toBe(`translate(${400 - 4096}px, ${280 - 4096}px)`);
    await user.click(screen.getByRole('button', { name: 'Fit to the frame' }));
    expect(zoom()).toBe('6%');

    await user.keyboard('1');
    expect(zoom()).toBe('100%');
    await user.keyboard('-');
    expect(zoom()).toBe('67%');
    await user.keyboard('+');
    expect(zoom()).toBe('100%');
    await user.keyboard('0');
    expect(zoom()).toBe('6%');
    // Never past fit on the way out.
    expect((screen.getByRole('button', { name: 'Zoom out' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('zooms with the wheel around the pointer, and pans by dragging once zoomed', () => {
    render(<ImageViewer node={huge} />);
    const stage = screen.getByTestId('viewer-stage');
    const fitted = scale();
    const [x0, y0] = offset().match(/-?[\d.]+/g)!.map(Number);
    fireEvent.wheel(stage, { deltaY: -400, clientX: 400, clientY: 300 });
    const zoomed = scale();
    expect(zoomed).toBeGreaterThan(fitted);
    // The point of the image under the pointer stays where it was.
    const [x, y] = offset().match(/-?[\d.]+/g)!.map(Number);
    expect(x! + ((400 - x0!) / fitted) * zoomed).toBeCloseTo(400);
    expect(y! + ((300 - y0!) / fitted) * zoomed).toBeCloseTo(300);

    fireEvent.pointerDown(stage, { pointerId: 1, button: 0, clientX: 400, clientY: 300 });
    fireEvent.pointerMove(stage, { pointerId: 1, clientX: 450, clientY: 280 });
    fireEvent.pointerUp(stage, { pointerId: 1, clientX: 450, clientY: 280 });
    const [x2, y2] = offset().match(/-?[\d.]+/g)!.map(Number);
    expect(x2).toBeCloseTo(x! + 50);
    expect(y2).toBeCloseTo(y! - 20);
    expect(scale()).toBe(zoomed);

    // Double-click: back to fit.
    fireEvent.doubleClick(stage, { clientX: 10, clientY: 10 });
    expect(scale()).toBeCloseTo(520 / 8192);
  });

  it('goes fullscreen and back', async () => {
    const user = userEvent.setup();
    Object.defineProperty(document, 'fullscreenEnabled', { configurable: true, value: true });
    let current: Element | null = null;
    Object.defineProperty(document, 'fullscreenElement', { configurable: true, get: () => current });
    const change = () => document.dispatchEvent(new Event('fullscreenchange'));
    const request = vi.fn(function (this: Element) {
      current = this;
      change();
      return Promise.resolve();
    });
    Object.defineProperty(HTMLElement.prototype, 'requestFullscreen', { configurable: true, value: request });
    Object.defineProperty(document, 'exitFullscreen', {
      configurable: true,
      value: vi.fn(() => {
        current = null;
        change();
        return Promise.resolve();
      }),
    });
    try {
      render(<ImageViewer node={huge} />);
      await user.click(screen.getByRole('button', { name: 'Fullscreen' }));
      expect(request).toHaveBeenCalledTimes(1);
      expect(current).toBe(screen.getByRole('group', { name: 'Image #7 viewer' }));
      await user.click(screen.getByRole('button', { name: 'Leave fullscreen' }));
      expect(current).toBeNull();
      await user.keyboard('f');
      expect(screen.getByRole('button', { name: 'Leave fullscreen' })).toBeTruthy();
    } finally {
      for (const key of ['fullscreenEnabled', 'fullscreenElement', 'exitFullscreen'] as const) delete (document as unknown as Record<string, unknown>)[key];
      delete (HTMLElement.prototype as { requestFullscreen?: unknown }).requestFullscreen;
    }
  });

  it('offers no fullscreen where the browser has none', () => {
    render(<ImageViewer node={huge} />);
    expect(screen.queryByRole('button', { name: 'Fullscreen' })).toBeNull();
  });

  it('goes to the previous and next image with the arrow keys and the side buttons, not while typing', async () => {
    const user = userEvent.setup();
    const onGo = vi.fn();
    const previous = makeNode({ id: 8 });
    const next = makeNode({ id: 6 });
    const page = (node: ImageNode, before: ImageNode, after: ImageNode) => (
      <>
        <input aria-label="Notes" />
        <ImageViewer node={node} previous={before} next={after} onGo={onGo} />
      </>
    );
    const { rerender } = render(page(huge, previous, next));
    await user.keyboard('{ArrowRight}');
    expect(onGo).toHaveBeenLastCalledWith(next);
    // Pressed again before #6 is shown: these neighbours are the last image's, so the press is dropped.
    await user.keyboard('{ArrowLeft}');
    expect(onGo).toHaveBeenCalledTimes(1);
    // #6 shown, with its own neighbours.
    rerender(page(next, huge, makeNode({ id: 5 })));
    await user.keyboard('{ArrowLeft}');
    expect(onGo).toHaveBeenLastCalledWith(huge);
    expect(onGo).toHaveBeenCalledTimes(2);
    rerender(page(huge, previous, next));
    await user.click(screen.getByRole('button', { name: 'Next image (#6)' }));
    expect(onGo).toHaveBeenCalledTimes(3);
    await user.click(screen.getByLabelText('Notes'));
    await user.keyboard('{ArrowLeft}1');
    expect(onGo).toHaveBeenCalledTimes(3);
    expect(zoom()).toBe('6%');
  });

  it('has no way past the first or last image', async () => {
    const user = userEvent.setup();
    const onGo = vi.fn();
    render(<ImageViewer node={huge} previous={null} next={makeNode({ id: 6 })} onGo={onGo} />);
    expect(screen.queryByRole('button', { name: /^Previous image/ })).toBeNull();
    await user.keyboard('{ArrowLeft}');
    expect(onGo).not.toHaveBeenCalled();
  });

  it('downloads the PNG and, for an upload, the original file as it came', () => {
    const upload = makeNode({
      id: 9,
      action_type: 'upload',
      request_params: { original_filename: 'holiday.jpg', bytes: 2048 },
      original: { url: '/originals/orig_9.jpg', sha256: 'cd'.repeat(32), bytes: 2048, content_type: 'image/jpeg' },
    });
    const { rerender } = render(<ImageViewer node={upload} downloads />);
    const png = screen.getByRole('link', { name: 'Download the PNG' });
    expect(png.getAttribute('href')).toBe('/images/sdxl_9.png');
    expect(png.getAttribute('download')).toBe('sdxl_9.png');
    const original = screen.getByRole('link', { name: 'Download the original (JPEG)' });
    expect(original.getAttribute('href')).toBe('/originals/orig_9.jpg');
    expect(original.getAttribute('download')).toBe('holiday.jpg');
    // Where downloads are not offered (a share link decides its own), none.
    rerender(<ImageViewer node={upload} />);
    expect(screen.queryByRole('link', { name: /^Download/ })).toBeNull();
  });
});
