import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { ReactFlowProvider } from '@xyflow/react';
import { makeNode } from '@/test/image-node';
import { descendantCounts, indexTree, pathTo } from '../tree';
import { LineageGraph } from './lineage-graph';

beforeEach(() => {
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
    },
  );
});
afterEach(() => vi.unstubAllGlobals());

//   1 ── 2 ── 3
//   └─── 4
const nodes = [makeNode({ id: 1 }), makeNode({ id: 2, parent_id: 1, depth: 1 }), makeNode({ id: 3, parent_id: 2, depth: 2 }), makeNode({ id: 4, parent_id: 1, depth: 1 })];
const index = indexTree(nodes);
const descendants = descendantCounts(index);
const NOTHING = new Set<number>();

function graph(selected: number, matches: ReadonlySet<number>, collapsed: ReadonlySet<number> = NOTHING) {
  return (
    // A size of its own: jsdom lays nothing out.
    <ReactFlowProvider initialWidth={1000} initialHeight={800}>
      <LineageGraph
        index={index}
        descendants={descendants}
        nodes={nodes}
        collapsed={collapsed}
        direction="TB"
        selected={selected}
        path={pathTo(selected, index.byId)}
        picked={[]}
        matches={matches}
        onToggleCollapsed={() => {}}
        onActivate={() => {}}
        onOpen={() => {}}
      />
    </ReactFlowProvider>
  );
}

describe('the lineage graph during a find', () => {
  it('draws the path to the current match, and marks the other matches', () => {
    const { container, rerender } = render(graph(3, new Set([3, 4])));
    const card = (id: number) => container.querySelector(`[data-testid="lineage-node-${id}"] .lineage-card`)!;
    const onPath = (parent: number, child: number) => container.querySelector(`[data-testid="lineage-edge-${parent}-${child}"] path.react-flow__edge-path`)!.hasAttribute('data-on-path');
    const look = (id: number) => `${card(id).getAttribute('data-emphasis')}${card(id).hasAttribute('data-match') ? '+match' : ''}`;

    expect([1, 2, 3, 4].map(look)).toEqual(['path', 'path', 'selected+match', 'none+match']);
    expect([onPath(1, 2), onPath(2, 3), onPath(1, 4)]).toEqual([true, true, false]);

    // The next match: the path follows the selection.
    rerender(graph(4, new Set([3, 4])));
    expect([1, 2, 3, 4].map(look)).toEqual(['path', 'none', 'none+match', 'selected+match']);
    expect([onPath(1, 2), onPath(2, 3), onPath(1, 4)]).toEqual([false, false, true]);

    // The find cleared: no marks left, the selection stays.
    rerender(graph(4, NOTHING));
    expect([1, 2, 3, 4].map(look)).toEqual(['path', 'none', 'none', 'selected']);
  });

  it('tells on a folded branch how many matches it hides', () => {
    const { rerender } = render(graph(1, new Set([3, 4]), new Set([2])));
    const fold = screen.getByRole('button', { name: 'Expand branch #2 (1 hidden, 1 match)' });
    expect(fold.textContent).toBe('+1 · 1 found');
    expect(fold.title).toBe('Show 1 hidden version; 1 of them matches the find');
    // Without a find, only the count of what it hides.
    rerender(graph(1, NOTHING, new Set([2])));
    expect(screen.getByRole('button', { name: 'Expand branch #2 (1 hidden)' }).textContent).toBe('+1');
  });
});

describe('the keyboard on the lineage graph', () => {
  it('moves focus to the card an arrow key selects, but not away from where the keyboard went before the frame', () => {
    const frames: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => frames.push(callback));
    const { container } = render(
      <>
        <input aria-label="elsewhere" />
        {graph(1, NOTHING)}
      </>,
    );
    const cardOf = (id: number) => container.querySelector<HTMLElement>(`.lineage-flow .react-flow__node[data-id="${id}"]`)!;
    const runFrames = () => frames.splice(0).forEach((callback) => callback(0));

    cardOf(1).focus();
    fireEvent.keyDown(cardOf(1), { key: 'ArrowDown' });
    runFrames();
    expect(document.activeElement).toBe(cardOf(2));

    // Ctrl+F, or a click into a field, between the key and the frame: the keyboard stays there.
    fireEvent.keyDown(cardOf(2), { key: 'ArrowDown' });
    screen.getByLabelText('elsewhere').focus();
    runFrames();
    expect(document.activeElement).toBe(screen.getByLabelText('elsewhere'));
  });
});
