// Errors from Trove, typed by kind: the UI words them per kind (a missing folder is said
// inline, an expired page key switches the whole page to its explanation).

import type { ErrorKind } from '../api/types';

export class TroveError extends Error {
  readonly kind: ErrorKind | 'network';
  readonly status: number;

  constructor(kind: ErrorKind | 'network', message: string, status = 0) {
    super(message);
    this.name = 'TroveError';
    this.kind = kind;
    this.status = status;
  }
}

/** The error an HTTP answer stands for: the API's JSON shape when it has one. */
export async function fromResponse(response: Response): Promise<TroveError> {
  let kind: ErrorKind = statusKind(response.status);
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = await response.json();
    if (body && typeof body.error?.message === 'string') {
      message = body.error.message;
      if (typeof body.error.kind === 'string') kind = body.error.kind as ErrorKind;
    }
  } catch {
    // Not JSON (a proxy's page): keep the status's meaning.
  }
  return new TroveError(kind, message, response.status);
}

function statusKind(status: number): ErrorKind {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'unauthorized';
    case 404:
      return 'not_found';
    case 409:
      return 'busy';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported';
    case 503:
      return 'machine';
    default:
      return 'internal';
  }
}

/** A sentence for any error. */
export function describe(error: unknown): string {
  if (error instanceof TroveError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
