import { memo } from 'react';
import { BaseEdge, getSmoothStepPath, useStore, type EdgeProps, type ReactFlowState } from '@xyflow/react';
import type { LineageFlowEdge } from '../graph';
import { useEdgeOnPath } from '../view-store';

/** Labels are unreadable below this zoom; skipping them saves measuring a thousand texts. */
const LABEL_ZOOM = 0.35;
const labelsVisible = (s: ReactFlowState) => s.transform[2] >= LABEL_ZOOM;

/** Parent → child, labelled with the action, drawn bold along the highlighted path. */
function LineageEdgeView({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data }: EdgeProps<LineageFlowEdge>) {
  const onPath = useEdgeOnPath(data!.child);
  const showLabel = useStore(labelsVisible);
  const [path] = getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 10 });
  // The label sits on the edge's own last segment, which no sibling edge shares.
  const horizontal = data!.direction === 'LR';
  const labelX = horizontal ? targetX - 34 : targetX;
  const labelY = horizontal ? targetY : targetY - 15;
  return (
    <BaseEdge
      path={path}
      className={onPath ? 'lineage-edge lineage-edge--path' : 'lineage-edge'}
      data-on-path={onPath ? '' : undefined}
      label={showLabel ? data!.action : undefined}
      labelX={labelX}
      labelY={labelY}
      labelShowBg
      labelBgPadding={[4, 1]}
      labelBgBorderRadius={4}
      labelStyle={{ fontSize: 10, fontWeight: onPath ? 600 : 500 }}
      interactionWidth={0}
    />
  );
}

export const LineageEdge = memo(LineageEdgeView);
