/**
 * Training progress: a live bar (step, loss, tokens/s, ETA) on a terminal, plain log lines
 * every `logInterval` steps otherwise. Other output goes through `log` so it never tears the bar.
 */
import cliProgress from 'cli-progress';

export interface StepReport {
  step: number;
  loss: number;
  lr: number;
  tokensPerSec: number;
}

export interface Progress {
  /** After each step (`step` is the number of steps done). */
  update(report: StepReport): void;
  /** A line of text (an evaluation, a sample, a notice). */
  log(text: string): void;
  stop(): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `tty`: draw a bar on stderr; else log plain lines to stdout. */
export function createProgress(options: {
  tty: boolean;
  startStep: number;
  maxIters: number;
  logInterval: number;
  tokensPerStep: number;
}): Progress {
  const { startStep, maxIters, logInterval, tokensPerStep } = options;
  const eta = (r: StepReport) => formatDuration(((maxIters - r.step) * tokensPerStep) / r.tokensPerSec);
  const line = (r: StepReport) =>
    `step ${r.step}/${maxIters}  loss ${r.loss.toFixed(4)}  lr ${r.lr.toExponential(2)}  ${Math.round(r.tokensPerSec)} tok/s  eta ${eta(r)}`;

  if (!options.tty) {
    return {
      update(r) {
        if (r.step % logInterval === 0 || r.step === maxIters) console.log(line(r));
      },
      log: (text) => console.log(text),
      stop() {},
    };
  }

  const bars = new cliProgress.MultiBar(
    { format: 'step {value}/{total} |{bar}| loss {loss} | {tps} tok/s | eta {etaText}', hideCursor: true, barsize: 24 },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(maxIters, startStep, { loss: '-', tps: '-', etaText: '-' });
  return {
    update(r) {
      bar.update(r.step, { loss: r.loss.toFixed(4), tps: Math.round(r.tokensPerSec), etaText: eta(r) });
    },
    log: (text) => bars.log(`${text}\n`),
    stop: () => {
      bars.update(); // flush lines logged since the last redraw
      bars.stop();
    },
  };
}
