/** Something a test file opened that must be closed by the end of the file. */
export interface TrackedResource {
  readonly description: string;
  /** Resolves true once the resource is closed. */
  isClosed(): boolean | Promise<boolean>;
}

/**
 * Tracks resources opened through the harness (connection pools, Temporal workers and clients)
 * and reports the ones still open.
 */
export class LeakTracker {
  private readonly resources = new Set<TrackedResource>();

  track<T extends TrackedResource>(resource: T): T {
    this.resources.add(resource);
    return resource;
  }

  /** Descriptions of the resources still open; closed ones are forgotten. */
  async open(): Promise<string[]> {
    const open: string[] = [];
    for (const r of this.resources) {
      if (await r.isClosed()) this.resources.delete(r);
      else open.push(r.description);
    }
    return open;
  }

  /** Throws naming every resource still open. */
  async assertNoLeaks(when: string): Promise<void> {
    const open = await this.open();
    if (open.length > 0) {
      throw new Error(`${when}: ${open.length} resource(s) left open (close them in the test):\n${open.map((d) => `- ${d}`).join('\n')}`);
    }
  }
}
