import { useEffect, useRef } from 'react';
import { useStoreApi } from '@xyflow/react';
import { drawScene, type Scene } from '../scene';
import { useViewStoreApi } from '../view-store';

/**
 * A big tree zoomed far out, drawn on one canvas that follows React Flow's viewport: thousands of
 * cards in view cost one draw per frame instead of thousands of DOM nodes mounted and unmounted
 * as the view pans. Clicks reach React Flow's pane underneath (the graph hit-tests them);
 * the canvas itself takes the keyboard focus, where the arrow keys move the selection.
 */
export function LineageCanvas({ scene, dark, label }: { scene: Scene; dark: boolean; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const flow = useStoreApi();
  const view = useViewStoreApi();

  useEffect(() => {
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (!element || !ctx) return;
    let frame = 0;
    let drawn = '';
    const draw = () => {
      frame = 0;
      const { transform, width, height } = flow.getState();
      const ratio = window.devicePixelRatio || 1;
      if (element.width !== Math.round(width * ratio) || element.height !== Math.round(height * ratio)) {
        element.width = Math.round(width * ratio);
        element.height = Math.round(height * ratio);
      }
      const look = view.get();
      drawScene(ctx, scene, { x: transform[0], y: transform[1], zoom: transform[2], width, height }, { ...look, dark }, ratio);
      drawn = `${transform.join()}:${width}:${height}`;
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(draw);
    };
    draw();
    const offFlow = flow.subscribe((s) => {
      if (`${s.transform.join()}:${s.width}:${s.height}` !== drawn) schedule();
    });
    const offView = view.subscribe(schedule);
    return () => {
      offFlow();
      offView();
      cancelAnimationFrame(frame);
    };
  }, [scene, dark, flow, view]);

  return <canvas ref={canvas} className="lineage-canvas" tabIndex={0} role="img" aria-label={label} data-testid="lineage-canvas" />;
}
