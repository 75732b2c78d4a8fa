// The justified photo grid: rows of equal height that fill the width exactly, each photo at its
// own aspect ratio (as Google Photos and Immich lay out), the last row left at the target height.

export interface Box {
  index: number;
  width: number;
  height: number;
}

export interface Row {
  height: number;
  boxes: Box[];
}

/** Aspect ratio of a photo, with a square for unknown sizes and a clamp for panoramas. */
export function ratio(width: number | null | undefined, height: number | null | undefined): number {
  if (!width || !height) return 1;
  return Math.min(4, Math.max(0.25, width / height));
}

export function justify(ratios: number[], width: number, target: number, gap: number): Row[] {
  const rows: Row[] = [];
  if (width <= 0) return rows;
  let start = 0;
  while (start < ratios.length) {
    let sum = 0;
    let end = start;
    // Add photos until the row, at the target height, is at least as wide as the space.
    while (end < ratios.length) {
      sum += ratios[end];
      end += 1;
      if (sum * target + gap * (end - start - 1) >= width) break;
    }
    const count = end - start;
    const free = width - gap * (count - 1);
    const full = sum * target + gap * (count - 1) >= width;
    const height = full ? free / sum : target;
    const boxes: Box[] = [];
    for (let i = start; i < end; i++) {
      boxes.push({ index: i, width: ratios[i] * height, height });
    }
    rows.push({ height, boxes });
    start = end;
  }
  return rows;
}
