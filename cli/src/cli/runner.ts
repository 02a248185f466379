/** Carries the exit code of the command that ran out of commander's action handlers. */
import type { Command } from 'commander';

/** Runs command actions and keeps the exit code and the command's name for error messages. */
export class Runner {
  /** The exit code of the action that ran. */
  code = 0;
  /** `token create`, `dev`, … (the command that ran, for messages). */
  command = '';

  /**
   * Wraps an action: commander passes the positional arguments, the options, then the command;
   * `fn` gets the arguments and options and returns the exit code.
   */
  with<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const names: string[] = [];
      for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
      this.command = names.join(' ');
      this.code = await fn(...(args.slice(0, -1) as A));
    };
  }
}
