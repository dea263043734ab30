import fs from 'node:fs';
import path from 'node:path';
import type { SupergraphManager } from '@apollo/gateway';
import type { Logger } from '../subgraphs/kit/logger';
import { StartupError } from '../subgraphs/kit/env';

/** How long to wait for a burst of file events (editors write in several steps) to settle. */
const SETTLE_MS = 200;

/**
 * Serves a static supergraph file and hot-reloads it when the file changes. A new
 * file that does not build (bad SDL, failed composition) is refused and the
 * gateway keeps serving the previous supergraph.
 */
export class FileSupergraphManager implements SupergraphManager {
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current = '';

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  private read(): string {
    try {
      return fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new StartupError(`cannot read SUPERGRAPH_PATH ${this.file} (${code}): run \`npm run compose\``);
    }
  }

  async initialize({ update }: Parameters<SupergraphManager['initialize']>[0]) {
    this.current = this.read();
    // Watch the folder, not the file: editors and `compose` replace the file by renaming.
    this.watcher = fs.watch(path.dirname(this.file), (_event, name) => {
      if (name !== path.basename(this.file)) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(update), SETTLE_MS);
    });
    return {
      supergraphSdl: this.current,
      cleanup: async () => {
        clearTimeout(this.timer);
        this.watcher?.close();
      },
    };
  }

  private reload(update: (sdl: string) => void): void {
    let next: string;
    try {
      next = this.read();
    } catch (error) {
      this.logger.error({ err: error }, 'supergraph file unreadable; keeping the current one');
      return;
    }
    if (next === this.current) return;
    try {
      update(next);
      this.current = next;
      this.logger.info({ file: this.file }, 'supergraph reloaded');
    } catch (error) {
      this.logger.error(
        { reason: error instanceof Error ? error.message : String(error) },
        'new supergraph is invalid; keeping the current one',
      );
    }
  }
}
