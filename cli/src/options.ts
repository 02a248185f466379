/** A usage mistake in an option's value; the CLI prints it with the usage (exit code 2). */
export class OptionError extends Error {}
