import { type FileHandle, open } from 'node:fs/promises';

/**
 * fsyncs one folder so that renames into it survive a power loss, with group commit: callers that
 * ask while a sync runs share the next one, so concurrent enqueues cost one folder fsync, not one each.
 */
export class FolderSync {
  private handle: Promise<FileHandle | undefined> | undefined;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly folder: string) {}

  /** Resolves once a folder fsync that started after this call has finished. */
  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.next ??= this.running.then(() => {
      this.next = undefined;
      return this.sync();
    });
    return this.next;
  }

  async close(): Promise<void> {
    const handle = await this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    // Not every platform lets a folder be opened for fsync (Windows); there the rename is all we get.
    this.handle ??= open(this.folder, 'r').catch(() => undefined);
    const handle = await this.handle;
    await handle?.sync();
  }
}
