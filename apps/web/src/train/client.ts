/**
 * The page's end of the training worker: starts worker.ts (a module worker, bundled by Vite),
 * sends it `Request`s and hands its `Report`s to listeners. A worker that crashes or cannot start
 * (a script that fails to load, a message that cannot be read) becomes an 'error' report in words,
 * so a view always hears what happened. Runs already in storage are safe either way.
 */
import type { Report, Request } from './protocol';
import type { PageMessage } from './session';

export class TrainClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<(report: Report) => void>();

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<Report>) => this.emit(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      const what = event.message ? `it crashed: ${event.message}` : 'it could not start (its script did not load)';
      this.emit({
        type: 'error',
        message: `The training worker stopped, ${what}. Reload the page to go on; runs in storage are kept at their last checkpoint.`,
      });
    };
    this.worker.onmessageerror = () =>
      this.emit({ type: 'error', message: 'A message from the training worker could not be read; reload the page.' });
    // Before any request: where the page is (Tiny Shakespeare may be served beside it).
    this.worker.postMessage({ type: 'page', base: new URL('./', location.href).href } satisfies PageMessage);
  }

  /** Sends a request (its buffers are copied, not moved: the page keeps them). */
  send(request: Request): void {
    this.worker.postMessage(request);
  }

  /** Calls `listener` with every report; returns what stops it. */
  onReport(listener: (report: Report) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the worker at once (a run in training keeps its last stored checkpoint). */
  terminate(): void {
    this.worker.terminate();
    this.listeners.clear();
  }

  private emit(report: Report): void {
    for (const listener of this.listeners) listener(report);
  }
}
