import { describe, expect, it } from 'vitest';
import { nextIndex } from './grid';

// Two rows: three tiles of 100 px, then two wide ones.
const rects = [
  { left: 0, top: 0, width: 100, height: 100 },
  { left: 106, top: 0, width: 100, height: 100 },
  { left: 212, top: 0, width: 100, height: 100 },
  { left: 0, top: 106, width: 150, height: 100 },
  { left: 156, top: 106, width: 150, height: 100 },
];

describe('arrow keys in the photo grid', () => {
  it('goes left and right in order, stopping at the ends', () => {
    expect(nextIndex(rects, 0, 'ArrowRight')).toBe(1);
    expect(nextIndex(rects, 2, 'ArrowRight')).toBe(3);
    expect(nextIndex(rects, 4, 'ArrowRight')).toBeNull();
    expect(nextIndex(rects, 0, 'ArrowLeft')).toBeNull();
  });

  it('goes up and down to the nearest tile of the next row', () => {
    expect(nextIndex(rects, 0, 'ArrowDown')).toBe(3);
    expect(nextIndex(rects, 2, 'ArrowDown')).toBe(4);
    expect(nextIndex(rects, 4, 'ArrowUp')).toBe(2);
    expect(nextIndex(rects, 3, 'ArrowDown')).toBeNull();
  });

  it('ignores other keys', () => {
    expect(nextIndex(rects, 1, 'a')).toBeNull();
    expect(nextIndex(rects, 1, 'End')).toBe(4);
  });
});
