import type { CSSProperties, InputHTMLAttributes } from 'react';
import { cn } from '@/lib/cn';

export interface SliderProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'value' | 'onChange' | 'min' | 'max' | 'step'> {
  value: number;
  min: number;
  max: number;
  step?: number;
  onValueChange: (value: number) => void;
}

// Written out in full so Tailwind's scanner sees every class: the filled part of the track is a
// gradient up to --fill, and both engines' track and thumb are styled through their pseudo-elements.
const SLIDER_CLASS = cn(
  'h-5 w-full cursor-pointer appearance-none bg-transparent focus-visible:outline-none disabled:cursor-not-allowed disabled:opacity-60',
  '[--track:var(--color-zinc-200)] dark:[--track:var(--color-zinc-700)]',
  '[&::-webkit-slider-runnable-track]:h-1.5 [&::-webkit-slider-runnable-track]:rounded-full [&::-webkit-slider-runnable-track]:bg-[linear-gradient(to_right,var(--color-indigo-500)_var(--fill),var(--track)_var(--fill))]',
  '[&::-moz-range-track]:h-1.5 [&::-moz-range-track]:rounded-full [&::-moz-range-track]:bg-[linear-gradient(to_right,var(--color-indigo-500)_var(--fill),var(--track)_var(--fill))]',
  '[&::-webkit-slider-thumb]:-mt-[5px] [&::-webkit-slider-thumb]:h-4 [&::-webkit-slider-thumb]:w-4 [&::-webkit-slider-thumb]:appearance-none [&::-webkit-slider-thumb]:rounded-full [&::-webkit-slider-thumb]:bg-white [&::-webkit-slider-thumb]:shadow-[0_1px_3px_rgb(0_0_0/0.3),0_0_0_1px_rgb(0_0_0/0.08)] [&::-webkit-slider-thumb]:transition-transform',
  '[&::-moz-range-thumb]:h-4 [&::-moz-range-thumb]:w-4 [&::-moz-range-thumb]:rounded-full [&::-moz-range-thumb]:border-0 [&::-moz-range-thumb]:bg-white [&::-moz-range-thumb]:shadow-[0_1px_3px_rgb(0_0_0/0.3),0_0_0_1px_rgb(0_0_0/0.08)]',
  'active:[&::-webkit-slider-thumb]:scale-110 focus-visible:[&::-webkit-slider-thumb]:shadow-[0_0_0_3px_var(--color-indigo-400)] focus-visible:[&::-moz-range-thumb]:shadow-[0_0_0_3px_var(--color-indigo-400)]',
);

/** A native range input (keyboard, screen readers and touch for free), styled with a filled track. */
export function Slider({ value, min, max, step = 1, onValueChange, className, style, ...props }: SliderProps) {
  const clamped = Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
  const fill = max > min ? ((clamped - min) / (max - min)) * 100 : 0;
  return (
    <input
      type="range"
      min={min}
      max={max}
      step={step}
      value={clamped}
      onChange={(e) => onValueChange(Number(e.target.value))}
      style={{ '--fill': `${fill}%`, ...style } as CSSProperties}
      className={cn(SLIDER_CLASS, className)}
      {...props}
    />
  );
}
