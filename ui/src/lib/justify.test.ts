import { describe, expect, it } from 'vitest';
import { justify, ratio } from './justify';

describe('the justified grid', () => {
  it('fills every full row to the exact width', () => {
    const ratios = [1.5, 1, 0.75, 1.33, 1.5, 2, 1, 1, 0.66, 1.5];
    const rows = justify(ratios, 1000, 200, 6);
    for (const row of rows.slice(0, -1)) {
      const width = row.boxes.reduce((sum, b) => sum + b.width, 0) + 6 * (row.boxes.length - 1);
      expect(width).toBeCloseTo(1000, 6);
      // Rows may shrink below the target to fit, never grow past it much.
      expect(row.height).toBeLessThanOrEqual(200);
    }
    // Every photo once, in order.
    expect(rows.flatMap((r) => r.boxes.map((b) => b.index))).toEqual(ratios.map((_, i) => i));
  });

  it('leaves a short last row at the target height', () => {
    const rows = justify([1, 1], 1000, 200, 6);
    expect(rows).toHaveLength(1);
    expect(rows[0].height).toBe(200);
    expect(rows[0].boxes[1].width).toBe(200);
  });

  it('keeps each photo at its aspect ratio', () => {
    const rows = justify([2, 0.5, 1, 3], 800, 180, 4);
    for (const row of rows) {
      for (const box of row.boxes) {
        expect(box.width / box.height).toBeCloseTo([2, 0.5, 1, 3][box.index], 6);
      }
    }
  });

  it('guards against unknown and extreme sizes', () => {
    expect(ratio(null, 100)).toBe(1);
    expect(ratio(10000, 100)).toBe(4);
    expect(ratio(100, 10000)).toBe(0.25);
    expect(justify([1, 2], 0, 200, 6)).toEqual([]);
  });
});
