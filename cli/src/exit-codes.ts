/**
 * The `weft` command's exit codes. Scripts may rely on them: they are part of the CLI's interface
 * (documented in `weft --help` and cli/README.md).
 */
export const EXIT = {
  /** The command did what it was asked; every partition it waited for is fresh. */
  ok: 0,
  /**
   * The work failed: the server or the database could not be reached, the API answered an error
   * (not found, forbidden, …), a request was cancelled, or every partition waited for failed.
   */
  failed: 1,
  /** The command line is wrong (unknown command or option, a bad value): nothing was done. */
  usage: 2,
  /** Partly failed: some partitions waited for are fresh, others failed or are blocked. */
  partial: 3,
  /** `--timeout` passed while waiting; the requests go on (follow them in the UI or run the command again). */
  timeout: 4,
  /** Interrupted (Ctrl-C) while waiting; submitted requests go on. */
  interrupted: 130,
} as const;

/** The table printed at the end of `weft --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0    ok: done; every partition waited for is fresh
  1    failed: the work failed (a server or database not reachable, an error from the API such as
       not found or forbidden, a cancelled request, every partition waited for failed)
  2    usage error: unknown command or option, or a bad value; nothing was done
  3    partly failed: some partitions waited for are fresh, others failed or are blocked
  4    timed out (--timeout) while waiting; the requests go on
  130  interrupted (Ctrl-C) while waiting; the requests go on`;
