import { Slider } from '@/components/ui/slider';
import { inputClass } from '@/components/ui/field';
import { cn } from '@/lib/cn';

/**
 * A number with a slider under it. The number input is the one labelled control (typing, arrow
 * keys, screen readers); the slider repeats it for pointer and touch, so it is hidden from the
 * accessibility tree and the tab order rather than being a second control with the same name.
 */
export function NumberSliderField({
  id,
  label,
  value,
  onChange,
  min,
  max,
  step,
  error,
  hint,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  min: number;
  max: number;
  step: number;
  error?: string;
  hint?: string;
}) {
  const numeric = Number(value);
  const decimals = step < 1 ? String(step).split('.')[1]?.length ?? 0 : 0;
  return (
    <div className="space-y-1.5">
      <div className="flex items-center justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium text-zinc-700 dark:text-zinc-300">
          {label}
        </label>
        <div className="w-16 shrink-0">
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={min}
          max={max}
          step={step}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
          className={cn(inputClass, 'h-7 px-2 py-0 text-right tabular-nums', error && 'ring-red-400 dark:ring-red-700')}
        />
        </div>
      </div>
      <Slider
        aria-hidden
        tabIndex={-1}
        value={Number.isFinite(numeric) ? numeric : min}
        min={min}
        max={max}
        step={step}
        onValueChange={(v) => onChange(decimals ? v.toFixed(decimals).replace(/\.?0+$/, '') : String(v))}
      />
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
