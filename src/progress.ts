/**
 * Progress of long work on stderr: a cli-progress bar (ETA, rate) on a terminal, otherwise a line
 * every 10 % ("label: n/total (p%), ETA s"), so logs of batch jobs show the work is moving.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(done: number): void;
  stop(): void;
}

/** Work on fewer items than this is not reported (it ends in seconds). */
export const PROGRESS_MIN_ITEMS = 10;

export function progressReporter(total: number, label: string, tty: boolean): Progress {
  if (tty) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted} | {rate} img/s`, stream: process.stderr, hideCursor: true, etaBuffer: 200 },
      cliProgress.Presets.shades_classic,
    );
    const t0 = performance.now();
    bar.start(total, 0, { rate: '0' });
    return {
      tick: (n: number) => bar.update(n, { rate: (n / ((performance.now() - t0) / 1000)).toFixed(1) }),
      stop: () => bar.stop(),
    };
  }
  const t0 = performance.now();
  let next = 0.1;
  return {
    tick: (n: number) => {
      if (n / total >= next || n === total) {
        const s = (performance.now() - t0) / 1000;
        const eta = n > 0 ? (s / n) * (total - n) : 0;
        process.stderr.write(`${label}: ${n}/${total} (${Math.round((100 * n) / total)}%), ETA ${Math.round(eta)} s\n`);
        next = Math.floor((n / total) * 10 + 1) / 10;
      }
    },
    stop: () => {},
  };
}

/** A reporter when there are at least PROGRESS_MIN_ITEMS items, else one that prints nothing. */
export function progressFor(total: number, label: string, tty = process.stderr.isTTY === true): Progress {
  return total >= PROGRESS_MIN_ITEMS ? progressReporter(total, label, tty) : { tick: () => {}, stop: () => {} };
}
