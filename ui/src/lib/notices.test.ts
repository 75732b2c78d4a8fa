import { describe, expect, it } from 'vitest';
import type { SearchResults } from './api/types';
import { describeLimitation, describeNotices } from './notices';

function results(notices: SearchResults['notices']): SearchResults {
  return { query: 'fox', mode: 'hybrid', photos: [], notes: [], hidden: { photos: 0, notes: 0 }, notices };
}

describe('describeNotices', () => {
  it('says nothing when there is nothing to say', () => {
    expect(describeNotices(results(undefined))).toBeNull();
    expect(describeNotices(results([]))).toBeNull();
  });

  it('words each notice and joins them', () => {
    const text = describeNotices(
      results([{ kind: 'same_photo', paths: ['/a/fox.jpg', '/b/copy.jpg'] }, { kind: 'no_keyword_words', by_meaning: true }]),
    );
    expect(text).toBe(
      'Same photo: /a/fox.jpg, /b/copy.jpg The query has no words to match by keyword (letters or digits); matched by meaning only.',
    );
    expect(describeNotices(results([{ kind: 'empty_query' }]))).toBe('Type something to search for.');
  });

  it('leaves the weak matches to the No results panel', () => {
    expect(describeNotices(results([{ kind: 'all_too_weak', hidden: 3 }]))).toBeNull();
  });
});

describe('describeLimitation', () => {
  it('words what limits the results', () => {
    expect(describeLimitation(undefined)).toBeNull();
    expect(describeLimitation('keyword_only')).toMatch(/^Keyword matches only/);
    expect(describeLimitation('photos_by_name_only')).toMatch(/^Photos match by name and metadata only/);
  });
});
