import { describe, expect, it } from 'vitest';
import { EMPTY, chips, isSearch, parse, request, sameSearch, serialize } from './url';

describe('the search in the address', () => {
  it('round-trips every field', () => {
    const state = {
      q: 'red circle',
      kind: 'photo' as const,
      after: '2024-01',
      before: '2024-12-31',
      folder: '/home/me/Pictures',
      camera: 'Canon',
      like: 'upload:abc',
      weight: 0.8,
      all: true,
      open: 42,
    };
    const query = serialize(state);
    expect(query).toBe(
      '?q=red+circle&kind=photo&after=2024-01&before=2024-12-31&in=%2Fhome%2Fme%2FPictures&camera=Canon&like=upload%3Aabc&w=0.8&all=1&open=42',
    );
    expect(parse(query)).toEqual(state);
  });

  it('leaves defaults out and reads a bare address as the empty search', () => {
    expect(serialize(EMPTY)).toBe('');
    expect(parse('')).toEqual(EMPTY);
    // The weight only matters with a photo.
    expect(serialize({ ...EMPTY, q: 'x', weight: 0.9 })).toBe('?q=x');
  });

  it('ignores malformed values instead of failing', () => {
    const state = parse('?kind=video&w=7&open=-3&all=yes&in=%20%20');
    expect(state.kind).toBeNull();
    expect(state.weight).toBe(0.5);
    expect(state.open).toBeNull();
    expect(state.all).toBe(false);
    expect(state.folder).toBeNull();
  });

  it('makes the engine request, with the weight only beside a photo', () => {
    expect(request({ ...EMPTY, q: ' cats ', kind: 'note' }, 10)).toEqual({
      query: 'cats',
      limit: 10,
      all: false,
      kind: 'note',
    });
    const like = request({ ...EMPTY, like: '7', weight: 0.3, folder: '/p' }, 5);
    expect(like.like).toBe('7');
    expect(like.text_weight).toBe(0.3);
    expect(like.in).toBe('/p');
  });

  it('knows when there is something to search for', () => {
    expect(isSearch(EMPTY)).toBe(false);
    expect(isSearch({ ...EMPTY, q: '   ' })).toBe(false);
    expect(isSearch({ ...EMPTY, like: 'upload:x' })).toBe(true);
  });

  it('does not count the open photo as part of the search', () => {
    expect(sameSearch({ ...EMPTY, q: 'a', open: 3 }, { ...EMPTY, q: 'a' })).toBe(true);
    expect(sameSearch({ ...EMPTY, q: 'a' }, { ...EMPTY, q: 'b' })).toBe(false);
  });

  it('labels the active filters as chips', () => {
    const labels = chips({ ...EMPTY, kind: 'photo', folder: '/home/me/Pictures/', camera: 'Nikon' }).map(
      (c) => c.label,
    );
    expect(labels).toEqual(['Kind: Photos', 'Folder: Pictures', 'Camera: Nikon']);
    expect(chips(EMPTY)).toEqual([]);
  });
});
