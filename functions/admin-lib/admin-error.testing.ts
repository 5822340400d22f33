// For unit tests only: the AdminError a call throws, so a test can assert on its fields.
import { AdminError } from './admin-error';

export function adminErrorOf(run: () => unknown): AdminError {
  try {
    run();
  } catch (error) {
    if (error instanceof AdminError) return error;
    throw error;
  }
  throw new Error('expected an AdminError');
}
