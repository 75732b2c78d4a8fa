// What a search's answer tells the person, in the app's words: the engine reports notices and
// limits as typed values, and each front end says them in its own terms (the command line names
// its flags, the app its buttons and dialogs).
import type { Limitation, Notice, SearchResults } from './api/types';

function notice(n: Notice): string | null {
  switch (n.kind) {
    case 'empty_query':
      return 'Type something to search for.';
    case 'no_keyword_words':
      return n.by_meaning
        ? 'The query has no words to match by keyword (letters or digits); matched by meaning only.'
        : 'The query has no words to search for (letters or digits).';
    case 'same_photo':
      return `Same photo: ${n.paths.join(', ')}`;
    case 'all_too_weak':
      // The "No results" panel already says how many weaker matches were held back.
      return null;
  }
}

/** The notices of a search, in one line (null: none to show). */
export function describeNotices(results: SearchResults): string | null {
  const lines = (results.notices ?? []).map(notice).filter((n): n is string => n !== null);
  return lines.length ? lines.join(' ') : null;
}

/** What limits a search's results (null: nothing does). */
export function describeLimitation(limitation: Limitation | undefined): string | null {
  switch (limitation) {
    case 'keyword_only':
      return 'Keyword matches only: no model has embedded this library yet. Choose one in Settings.';
    case 'photos_by_name_only':
      return 'Photos match by name and metadata only: no image model has embedded this library yet. Choose one in Settings.';
    default:
      return null;
  }
}
