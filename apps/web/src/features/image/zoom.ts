/**
 * Zoom and pan of an image in a frame, as pure arithmetic: the view is the scale of the image
 * (1 = one image pixel per CSS pixel, "1:1") and where its top-left corner sits in the frame.
 */
export interface Size {
  width: number;
  height: number;
}

export interface View {
  scale: number;
  x: number;
  y: number;
}

/** How far out and in the view may go: from the smaller of fit and 1:1, to 8× the larger. */
export interface ScaleLimits {
  min: number;
  max: number;
}

/** Room kept free inside the frame at fit, in px: the same all round, or per side. */
export type Margin = number | Insets;
export interface Insets {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

function sides(margin: Margin) {
  return typeof margin === 'number' ? { top: margin, right: margin, bottom: margin, left: margin } : margin;
}

/** Each zoom step (button, key) multiplies or divides the scale by this. */
export const ZOOM_STEP = 1.5;

/** The scale at which the whole image fits the frame, `margin` px from its edges. */
export function fitScale(image: Size, frame: Size, margin: Margin = 0): number {
  if (!(image.width > 0 && image.height > 0 && frame.width > 0 && frame.height > 0)) return 1;
  const m = sides(margin);
  return Math.max(0.001, Math.min((frame.width - m.left - m.right) / image.width, (frame.height - m.top - m.bottom) / image.height));
}

export function scaleLimits(image: Size, frame: Size, margin: Margin = 0): ScaleLimits {
  const fit = fitScale(image, frame, margin);
  return { min: Math.min(fit, 1), max: Math.max(fit, 1) * 8 };
}

/** Each axis: centred where the image is smaller than the frame, else never showing past its edges. */
export function clampView(view: View, image: Size, frame: Size): View {
  const axis = (offset: number, content: number, room: number) => (content <= room ? (room - content) / 2 : Math.min(0, Math.max(room - content, offset)));
  return { scale: view.scale, x: axis(view.x, image.width * view.scale, frame.width), y: axis(view.y, image.height * view.scale, frame.height) };
}

/** The image at `scale`, centred. */
export function centredView(image: Size, frame: Size, scale: number): View {
  return clampView({ scale, x: (frame.width - image.width * scale) / 2, y: (frame.height - image.height * scale) / 2 }, image, frame);
}

/** The whole image, centred in the frame less its margin. */
export function fitView(image: Size, frame: Size, margin: Margin = 0): View {
  const scale = fitScale(image, frame, margin);
  const m = sides(margin);
  return {
    scale,
    x: m.left + (frame.width - m.left - m.right - image.width * scale) / 2,
    y: m.top + (frame.height - m.top - m.bottom - image.height * scale) / 2,
  };
}

/** Zooms to `scale` (within the limits) keeping the image point under `at` (frame px) where it is. */
export function zoomAround(view: View, scale: number, at: { x: number; y: number }, image: Size, frame: Size, limits: ScaleLimits): View {
  const next = Math.min(limits.max, Math.max(limits.min, scale));
  const ratio = next / view.scale;
  return clampView({ scale: next, x: at.x - (at.x - view.x) * ratio, y: at.y - (at.y - view.y) * ratio }, image, frame);
}

/** Moves the image by (dx, dy) frame px, never past its edges. */
export function panBy(view: View, dx: number, dy: number, image: Size, frame: Size): View {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, image, frame);
}

/** The scale a wheel turn leads to: smooth for trackpads (and pinches, sent as ctrl+wheel), a step per notch of a mouse. */
export function wheelScale(scale: number, deltaY: number, deltaMode: number, pinch: boolean): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return scale * Math.exp(-pixels * (pinch ? 0.01 : 0.002));
}

/** The scale as people read it, in whole percents: "7%", "100%". */
export function scaleText(scale: number): string {
  return `${Math.round(scale * 100)}%`;
}
