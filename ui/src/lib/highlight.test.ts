import { describe, expect, it } from 'vitest';
import { pieces } from './highlight';

const marked = (snippet: string, ranges: [number, number][]) =>
  pieces(snippet, ranges)
    .map((p) => (p.mark ? `[${p.text}]` : p.text))
    .join('');

describe('marking matched words', () => {
  it('marks the ranges and keeps the rest', () => {
    expect(marked('the kitchen budget', [[4, 11]])).toBe('the [kitchen] budget');
    expect(marked('abc', [])).toBe('abc');
    expect(marked('abc', [[0, 3]])).toBe('[abc]');
  });

  it('counts code points as the engine does, not UTF-16 units', () => {
    // The emoji is one character for Rust and two UTF-16 units for JavaScript.
    expect(marked('🍜 ramen in Ōsaka', [[2, 7], [11, 16]])).toBe('🍜 [ramen] in [Ōsaka]');
    expect(marked('crème brûlée', [[6, 12]])).toBe('crème [brûlée]');
  });

  it('sorts, clamps and merges overlapping ranges', () => {
    expect(marked('one two three', [[8, 13], [0, 3], [1, 2]])).toBe('[one] two [three]');
    expect(marked('short', [[3, 99]])).toBe('sho[rt]');
    expect(marked('short', [[4, 2]])).toBe('short');
  });
});
