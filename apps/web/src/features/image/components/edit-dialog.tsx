import { useId, useState, type ReactNode } from 'react';
import type { ImageNode } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Input } from '@/components/ui/field';
import { cn } from '@/lib/cn';
import { cropError, editedSize, initialEditForm, toEditOps, type EditForm, type Rotation } from '../edit-ops';
import { useDeriveVersion } from '../api';
import { CHECKER } from '../styles';

const ROTATIONS: Rotation[] = [0, 90, 180, 270];

export function EditDialog({ node, open, onClose }: { node: ImageNode; open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title={`Edit image #${node.id}`} description="Makes a new version; this image stays as it is." className="max-w-2xl">
      {open ? <EditForm node={node} onDone={onClose} /> : null}
    </Dialog>
  );
}

function EditForm({ node, onDone }: { node: ImageNode; onDone: () => void }) {
  const size = { width: node.width, height: node.height };
  const [form, setForm] = useState<EditForm>(() => initialEditForm(size));
  const derive = useDeriveVersion();
  const id = useId();
  const error = cropError(form.crop, size);
  const ops = error ? null : toEditOps(form, size);
  const result = editedSize(form);

  const setCrop = (key: keyof EditForm['crop'], value: string) =>
    setForm((f) => ({ ...f, crop: { ...f.crop, [key]: value === '' ? Number.NaN : Number(value) } }));

  const submit = () => {
    if (!ops) return;
    derive.mutate({ request: { parent_id: node.id, action_type: 'edit', edit: ops }, label: 'Edit' }, { onSuccess: onDone });
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      className="grid gap-5 sm:grid-cols-[minmax(0,1fr)_15rem]"
    >
      <EditPreview node={node} form={form} valid={!error} />

      <div className="space-y-4">
        <fieldset>
          <legend className="mb-1.5 text-sm font-medium">Crop</legend>
          <div className="grid grid-cols-2 gap-2">
            {(['left', 'top', 'width', 'height'] as const).map((key) => (
              <label key={key} className="block">
                <span className="mb-1 block text-xs capitalize text-zinc-500 dark:text-zinc-400">{key}</span>
                <Input
                  type="number"
                  inputMode="numeric"
                  min={key === 'width' || key === 'height' ? 1 : 0}
                  max={key === 'left' || key === 'width' ? node.width : node.height}
                  step={1}
                  value={Number.isNaN(form.crop[key]) ? '' : form.crop[key]}
                  onChange={(e) => setCrop(key, e.target.value)}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${id}-crop-error` : undefined}
                  aria-label={`Crop ${key}`}
                  className="h-8 py-1 tabular-nums"
                />
              </label>
            ))}
          </div>
          {error ? (
            <p id={`${id}-crop-error`} role="alert" className="mt-1.5 text-xs text-red-600 dark:text-red-400">
              {error}
            </p>
          ) : null}
        </fieldset>

        <fieldset>
          <legend className="mb-1.5 text-sm font-medium">Rotate</legend>
          <div className="grid grid-cols-4 gap-1 rounded-lg bg-zinc-100 p-0.5 dark:bg-zinc-800">
            {ROTATIONS.map((deg) => (
              <label
                key={deg}
                className={cn(
                  'flex h-7 cursor-pointer items-center justify-center rounded-md text-sm font-medium has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-500',
                  form.rotate === deg ? 'bg-white shadow-sm dark:bg-zinc-950' : 'text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100',
                )}
              >
                <input
                  type="radio"
                  name={`${id}-rotate`}
                  value={deg}
                  checked={form.rotate === deg}
                  onChange={() => setForm((f) => ({ ...f, rotate: deg }))}
                  className="sr-only"
                  aria-label={`Rotate ${deg}°`}
                />
                {deg}°
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset className="flex flex-wrap gap-x-5 gap-y-2">
          <legend className="sr-only">Mirror</legend>
          <Check label="Flip" hint="top ↔ bottom" checked={form.flip} onChange={(flip) => setForm((f) => ({ ...f, flip }))} />
          <Check label="Flop" hint="left ↔ right" checked={form.flop} onChange={(flop) => setForm((f) => ({ ...f, flop }))} />
        </fieldset>

        <Slider label="Brightness" value={form.brightness} onChange={(brightness) => setForm((f) => ({ ...f, brightness }))} />
        <Slider label="Contrast" value={form.contrast} onChange={(contrast) => setForm((f) => ({ ...f, contrast }))} />

        <p className="text-xs text-zinc-500 dark:text-zinc-400" aria-live="polite">
          Result: {Number.isNaN(result.width) ? '?' : result.width} × {Number.isNaN(result.height) ? '?' : result.height}
          {ops ? '' : error ? '' : ' · no changes yet'}
        </p>
      </div>

      <div className="sticky bottom-0 -mx-5 flex flex-wrap justify-end gap-2 border-t border-zinc-200 bg-white px-5 py-4 sm:col-span-2 dark:border-zinc-800 dark:bg-zinc-900">
        <Button variant="ghost" onClick={() => setForm(initialEditForm(size))} className="mr-auto">
          Reset
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={!ops || derive.isPending}>
          {derive.isPending ? 'Starting…' : 'Apply edit'}
        </Button>
      </div>
    </form>
  );
}

function Check({ label, hint, checked, onChange }: { label: string; hint: string; checked: boolean; onChange: (value: boolean) => void }) {
  return (
    <label className="inline-flex cursor-pointer items-center gap-2 text-sm">
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        className="h-4 w-4 rounded border-zinc-300 accent-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-500"
      />
      <span className="font-medium">{label}</span>
      <span className="text-xs text-zinc-500 dark:text-zinc-400">{hint}</span>
    </label>
  );
}

function Slider({ label, value, onChange }: { label: string; value: number; onChange: (value: number) => void }) {
  const id = useId();
  return (
    <div>
      <div className="mb-1 flex items-center justify-between text-sm">
        <label htmlFor={id} className="font-medium">
          {label}
        </label>
        <output htmlFor={id} className="font-mono text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
          {value.toFixed(2)}
        </output>
      </div>
      <input
        id={id}
        type="range"
        min={0}
        max={2}
        step={0.05}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
        className="w-full accent-indigo-600"
      />
    </div>
  );
}

/** A CSS rendition of the edit: cheap, close to what the server will make. */
function EditPreview({ node, form, valid }: { node: ImageNode; form: EditForm; valid: boolean }): ReactNode {
  const src = node.url ?? node.thumbnail_url;
  const { crop } = form;
  const result = editedSize(form);
  const quarter = form.rotate === 90 || form.rotate === 270;
  const ratio = valid ? result.width / result.height : node.width / node.height;
  return (
    <div className={`${CHECKER} flex h-56 items-center justify-center rounded-xl bg-zinc-100 p-3 ring-1 ring-inset ring-zinc-200 sm:h-full sm:min-h-72 dark:bg-zinc-950 dark:ring-zinc-800`} style={{ containerType: 'size' }}>
      {src && valid ? (
        <div
          className="relative overflow-hidden rounded shadow-md"
          style={{ width: `min(100cqw, calc(100cqh * ${ratio}))`, aspectRatio: `${result.width} / ${result.height}` }}
          aria-label="Preview of the edit"
          role="img"
        >
          <div
            className="absolute left-1/2 top-1/2 overflow-hidden"
            style={{
              width: quarter ? `${(result.height / result.width) * 100}%` : '100%',
              height: quarter ? `${(result.width / result.height) * 100}%` : '100%',
              transform: `translate(-50%, -50%) scale(${form.flop ? -1 : 1}, ${form.flip ? -1 : 1}) rotate(${form.rotate}deg)`,
            }}
          >
            <img
              src={src}
              alt=""
              className="absolute max-w-none"
              style={{
                width: `${(node.width / crop.width) * 100}%`,
                height: `${(node.height / crop.height) * 100}%`,
                left: `${(-crop.left / crop.width) * 100}%`,
                top: `${(-crop.top / crop.height) * 100}%`,
                filter: `brightness(${form.brightness}) contrast(${form.contrast})`,
              }}
            />
          </div>
        </div>
      ) : (
        <p className="text-sm text-zinc-500">{src ? 'Fix the crop to see a preview.' : 'No pixels to preview.'}</p>
      )}
    </div>
  );
}
