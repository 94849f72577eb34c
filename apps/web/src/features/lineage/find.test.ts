import { describe, expect, it } from 'vitest';
import { makeNode } from '@/test/image-node';
import { randomTree } from '@/test/trees';
import { buildFindIndex, findMatches, matchIndexOf, normalizeText, parseQuery, stepMatch } from './find';
import { indexTree } from './tree';

//        1 lighthouse
//      /   \
//     2     5 harbour
//    / \      \
//   3   4      6
const tree = [
  makeNode({ id: 1, prompt: 'A Lighthouse on a cliff at sunset', negative_prompt: 'fog', seed: 42 }),
  makeNode({ id: 2, parent_id: 1, prompt: 'a lighthouse in the fog, Café lights', seed: 7 }),
  makeNode({ id: 3, parent_id: 2, prompt: 'LIGHTHOUSE at night, stormy sea', seed: 1234 }),
  makeNode({ id: 4, parent_id: 2, prompt: 'a red-roofed cottage', seed: 42 }),
  makeNode({ id: 5, parent_id: 1, prompt: 'été au port: harbour boats', seed: 99 }),
  makeNode({ id: 6, parent_id: 5, prompt: 'harbour boats at night, lighthouse beam', seed: 5 }),
];
const find = buildFindIndex(indexTree(tree));
const matching = (query: string) => findMatches(find, parseQuery(query));

describe('normalizeText', () => {
  it('lowers the case and drops accents', () => {
    expect(normalizeText('Café ÉTÉ Ångström naïve')).toBe('cafe ete angstrom naive');
  });
});

describe('findMatches', () => {
  it('finds the nodes whose prompt has every word, whatever the case and accents, in the tree’s depth-first order', () => {
    expect(find.ids).toEqual([1, 2, 3, 4, 5, 6]);
    expect(matching('lighthouse')).toEqual([1, 2, 3, 6]);
    expect(matching('LightHouse NIGHT')).toEqual([3, 6]);
    expect(matching('cafe')).toEqual([2]);
    expect(matching('ÉTÉ')).toEqual([5]);
    expect(matching('  ete   harbour ')).toEqual([5]);
  });

  it('matches the start of a word, not its middle', () => {
    expect(matching('light')).toEqual([1, 2, 3, 6]);
    expect(matching('house')).toEqual([]);
    expect(matching('roof')).toEqual([4]);
    expect(matching('red-roofed')).toEqual([4]);
  });

  it('does not search the negative prompt', () => {
    expect(matching('fog')).toEqual([2]);
  });

  it('takes #id for an image and a number for a seed (or a word starting with it)', () => {
    expect(matching('#4')).toEqual([4]);
    expect(matching('#4 cottage')).toEqual([4]);
    expect(matching('#4 lighthouse')).toEqual([]);
    expect(matching('42')).toEqual([1, 4]);
    expect(matching('42 lighthouse')).toEqual([1]);
    expect(matching('#77')).toEqual([]);
  });

  it('finds nothing for an empty query or one without letters or digits', () => {
    expect(matching('')).toEqual([]);
    expect(matching('  ')).toEqual([]);
    expect(parseQuery(' , - ')).toEqual([]);
    expect(matching('zebra lighthouse')).toEqual([]);
  });

  it('keeps the order of a big tree and finds the same as a plain scan', () => {
    const shape = randomTree(10_000, 5);
    const words = ['fox', 'owl', 'river', 'moon', 'forest'];
    const nodes = shape.map((n) => makeNode({ ...n, prompt: `${words[n.id % 5]} under a ${words[(n.id * 7) % 5]} sky`, seed: n.id % 100 }));
    const big = buildFindIndex(indexTree(nodes));
    const found = findMatches(big, parseQuery('owl MOON'));
    const expected = nodes.filter((n) => n.prompt.includes('owl') && n.prompt.includes('moon')).map((n) => n.id);
    expect([...found].sort((a, b) => a - b)).toEqual(expected);
    const positions = found.map((id) => big.order.get(id)!);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});

describe('stepping through matches', () => {
  const matches = matching('lighthouse'); // [1, 2, 3, 6]

  it('knows where the selection is among the matches', () => {
    expect(matchIndexOf(find, matches, 3)).toBe(2);
    expect(matchIndexOf(find, matches, 4)).toBe(-1);
  });

  it('steps forward and back from the current match, wrapping round', () => {
    expect(stepMatch(find, matches, 2, 1)).toBe(3);
    expect(stepMatch(find, matches, 6, 1)).toBe(1);
    expect(stepMatch(find, matches, 1, -1)).toBe(6);
    expect(stepMatch(find, matches, 3, -1)).toBe(2);
  });

  it('keeps a matching selection for a new query, and goes to the next match after one that does not match', () => {
    expect(stepMatch(find, matches, 3, 0)).toBe(3);
    // #4 lies between 3 and 5 in the tree's order.
    expect(stepMatch(find, matches, 4, 0)).toBe(6);
    expect(stepMatch(find, matches, 4, 1)).toBe(6);
    expect(stepMatch(find, matches, 4, -1)).toBe(3);
    // After the last match, round to the first.
    expect(stepMatch(find, matching('cottage'), 6, 1)).toBe(4);
  });

  it('goes nowhere without matches', () => {
    expect(stepMatch(find, [], 1, 1)).toBeNull();
  });
});
