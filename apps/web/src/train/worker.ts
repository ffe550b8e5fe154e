/**
 * The training worker: the model, the backend and the training loop live here, so the page never
 * freezes. It starts backends in the order of `TRAIN_BACKENDS` (protocol.ts), keeps runs in the
 * browser's storage (store.ts) and hands every request of protocol.ts to session.ts, which does
 * the work. The page's client (client.ts) first tells it the page's URL, where Tiny Shakespeare
 * may be served beside the page.
 *
 * The listener is set before anything else is loaded: the modules behind it await WebAssembly at
 * their top level (tiktoken), and a module worker drops messages that arrive while its script is
 * still being evaluated and has no listener. So messages wait in a queue until the session is ready.
 */
import type { Report, Request } from './protocol';
import type { PageMessage, TrainSession } from './session';

/** The worker's global scope, as far as it is used here (this project's lib is the DOM's). */
const scope = globalThis as unknown as {
  postMessage(message: Report): void;
  onmessage: ((event: MessageEvent<Request | PageMessage>) => void) | null;
};

let session: TrainSession | undefined;
/** Why the worker could not load, once it could not: every request is then answered with it. */
let failed: string | undefined;
const waiting: Array<Request | PageMessage> = [];

function receive(message: Request | PageMessage): void {
  if (failed !== undefined) {
    if (message.type !== 'page') scope.postMessage({ type: 'error', message: failed });
  } else if (session === undefined) waiting.push(message);
  else if (message.type === 'page') session.setBase(message.base);
  else void session.handle(message);
}

scope.onmessage = (event) => receive(event.data);

async function load(): Promise<void> {
  const [{ selectBackend }, { TrainSession }, { opfsStore }] = await Promise.all([
    import('../backend'),
    import('./session'),
    import('./store'),
  ]);
  session = new TrainSession({
    store: opfsStore(),
    post: (report) => scope.postMessage(report),
    startBackend: (choice, order) => selectBackend(choice, order),
  });
  for (const message of waiting.splice(0)) receive(message);
}

load().catch((error: Error) => {
  failed = `The training worker could not load (${error.message}); reload the page. Runs in storage are kept.`;
  scope.postMessage({ type: 'error', message: failed });
  for (const message of waiting.splice(0)) receive(message); // each waiting request hears it too
});
