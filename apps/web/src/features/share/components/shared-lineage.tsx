import '@xyflow/react/dist/style.css';
import '@/features/lineage/lineage.css';
import { useCallback, useMemo, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import type { ImageNode } from '@imageflow/shared';
import { LineageGraph } from '@/features/lineage/components/lineage-graph';
import { collapseOffPath, descendantCounts, indexTree } from '@/features/lineage/tree';

export interface SharedLineageProps {
  /** The nodes of the shared set, as the link gives them. */
  nodes: readonly ImageNode[];
  /** Highlighted throughout: the shared image, or the path down to it. */
  highlight: readonly number[];
  /** The node shown large. */
  selected: number;
  onSelect: (id: number) => void;
}

/** Trees bigger than this open folded down to the highlighted path, as on the lineage page. */
const FOCUS_VIEW_ABOVE = 200;

/**
 * The lineage graph of the studio over the nodes a share link gives, and nothing else: it asks
 * the server for nothing. A click (or Enter) on a node shows it large.
 */
export default function SharedLineage({ nodes, highlight, selected, onSelect }: SharedLineageProps) {
  const index = useMemo(() => indexTree(nodes), [nodes]);
  const descendants = useMemo(() => descendantCounts(index), [index]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(() =>
    nodes.length > FOCUS_VIEW_ABOVE ? collapseOffPath(index, highlight) : new Set<number>(),
  );
  const toggleCollapsed = useCallback((id: number) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const onActivate = useCallback((id: number) => onSelect(id), [onSelect]);

  return (
    <ReactFlowProvider>
      <LineageGraph
        index={index}
        descendants={descendants}
        nodes={nodes}
        collapsed={collapsed}
        direction="TB"
        selected={selected}
        path={highlight}
        picked={[]}
        onToggleCollapsed={toggleCollapsed}
        onActivate={onActivate}
        onOpen={onSelect}
        minimap={false}
      />
    </ReactFlowProvider>
  );
}
