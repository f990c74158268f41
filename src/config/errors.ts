// Errors the user can fix (bad input, a refused label) versus everything else. The action wrapper
// turns these into a clean `setFailed` message; anything else is a bug and gets a stack trace in debug.
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

// The deploy ran and did not succeed (failed gate, rolled back, busy past the deadline...).
// Not a bug: reported as a clean failure with what happened; the CLI exits 1.
export class DeployFailedError extends Error {
  override name = 'DeployFailedError';
  constructor(
    message: string,
    readonly details: { rolledBack?: boolean; needsAttention?: boolean } = {},
  ) {
    super(message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
