/** A usage mistake in an option's value; the CLI prints it with a pointer to `--help` (exit code 2). */
export class OptionError extends Error {
  override readonly name = 'OptionError';
}
