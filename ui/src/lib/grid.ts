// Arrow-key movement through a grid of tiles laid out in rows of varying widths: left and
// right go through the order, up and down to the tile of the row above or below whose centre
// is nearest.

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function nextIndex(rects: Rect[], from: number, key: string): number | null {
  if (from < 0 || from >= rects.length) return null;
  if (key === 'ArrowRight') return from + 1 < rects.length ? from + 1 : null;
  if (key === 'ArrowLeft') return from > 0 ? from - 1 : null;
  if (key === 'Home') return 0;
  if (key === 'End') return rects.length - 1;
  if (key !== 'ArrowDown' && key !== 'ArrowUp') return null;
  const here = rects[from];
  const centre = here.left + here.width / 2;
  const down = key === 'ArrowDown';
  // The nearest row in that direction, then the tile in it nearest our centre.
  const tops = rects
    .map((r) => r.top)
    .filter((top) => (down ? top > here.top + 1 : top < here.top - 1));
  if (!tops.length) return null;
  const row = down ? Math.min(...tops) : Math.max(...tops);
  let best: number | null = null;
  let bestDistance = Infinity;
  rects.forEach((r, i) => {
    if (Math.abs(r.top - row) > 1) return;
    const distance = Math.abs(r.left + r.width / 2 - centre);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  });
  return best;
}
