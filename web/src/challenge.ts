/**
 * The "Liveness check" panel: the webcam, a challenge from the service (blink, or turn the head to
 * the left or right), frames sent one by one to POST /v1/liveness/challenges/:id/frames, the
 * progress and the verdict. The check itself happens on the server, from the frames' landmarks.
 */
import type { Api } from './api.js';
import { describe } from './api.js';
import { grabFrame, startCamera, stopCamera } from './camera.js';
import { byTestId, setMessage } from './dom.js';

const INSTRUCTIONS = { blink: 'Look at the camera, then blink once.', 'turn-left': 'Look at the camera, then turn your head to your left.', 'turn-right': 'Look at the camera, then turn your head to your right.' } as const;
/** Pause between frames (the service takes one frame at a time). */
const FRAME_GAP_MS = 150;

export function setupChallenge(getApi: () => Api): { leave: () => void; reset: () => void } {
  const video = byTestId<HTMLVideoElement>('liveness-video');
  const start = byTestId<HTMLButtonElement>('liveness-start');
  const task = byTestId('liveness-task');
  const progress = byTestId<HTMLProgressElement>('liveness-progress');
  const verdict = byTestId('liveness-verdict');
  const error = byTestId('liveness-error');
  let run = 0;
  let controller: AbortController | undefined;

  const stop = (): void => {
    run++;
    controller?.abort();
    controller = undefined;
    stopCamera(video);
    start.disabled = false;
  };

  start.addEventListener('click', async () => {
    stop();
    const mine = ++run;
    start.disabled = true;
    setMessage(error, '');
    verdict.textContent = '';
    verdict.dataset.state = '';
    progress.value = 0;
    try {
      await startCamera(video);
      const c = await getApi().startChallenge();
      task.textContent = INSTRUCTIONS[c.challenge];
      task.dataset.challenge = c.challenge;
      controller = new AbortController();
      for (;;) {
        if (mine !== run) return;
        const { blob } = await grabFrame(video, 640, 0.8);
        const s = await getApi().challengeFrame(c.id, blob, controller.signal);
        progress.value = s.progress;
        verdict.dataset.state = s.state;
        if (s.state !== 'pending') {
          verdict.textContent = s.state === 'passed' ? 'Passed: a live person did the challenge.' : `Failed: ${s.message}.`;
          break;
        }
        verdict.textContent = s.message;
        await new Promise((r) => setTimeout(r, FRAME_GAP_MS));
      }
    } catch (e) {
      if (mine === run && !(e instanceof DOMException && e.name === 'AbortError')) setMessage(error, describe(e));
    } finally {
      if (mine === run) {
        stopCamera(video);
        start.disabled = false;
      }
    }
  });

  return {
    leave: stop,
    reset: () => {
      stop();
      task.textContent = '';
      verdict.textContent = '';
      progress.value = 0;
      setMessage(error, '');
    },
  };
}
