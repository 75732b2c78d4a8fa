// Splitting a snippet into plain and marked pieces. The engine counts offsets in Unicode code
// points (Rust chars); JavaScript strings index UTF-16 units, so an emoji or a letter outside
// the BMP before a match would shift every mark if the offsets were used on the string directly.

export interface Piece {
  text: string;
  mark: boolean;
}

export function pieces(snippet: string, ranges: ReadonlyArray<readonly [number, number]>): Piece[] {
  const chars = Array.from(snippet);
  const sorted = ranges
    .map(([s, e]) => [Math.max(0, s), Math.min(chars.length, e)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const out: Piece[] = [];
  let at = 0;
  for (const [start, end] of sorted) {
    if (end <= at) continue;
    const from = Math.max(start, at);
    if (from > at) out.push({ text: chars.slice(at, from).join(''), mark: false });
    out.push({ text: chars.slice(from, end).join(''), mark: true });
    at = end;
  }
  if (at < chars.length) out.push({ text: chars.slice(at).join(''), mark: false });
  return out;
}
