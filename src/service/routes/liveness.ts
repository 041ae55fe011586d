/**
 * POST /v1/liveness (passive: a live probability per face), POST /v1/liveness/challenges (start an
 * active challenge) and POST /v1/liveness/challenges/:id/frames (one frame of it).
 *
 * Detection, landmarks and encodings run in the worker pool as for every route; the liveness network
 * (a few milliseconds per face) runs in the main thread on the decoded image, loaded on first use.
 */
import type { FastifyInstance } from 'fastify';
import { LikenessError } from '../../errors.js';
import { boxJson } from '../../json.js';
import { loadImage } from '../../image/decode.js';
import { Liveness } from '../../liveness/passive.js';
import { CHALLENGES, type ChallengeKind } from '../../liveness/challenge.js';
import { ChallengeStore } from '../../liveness/store.js';
import { livenessData } from '../../liveness/thresholds.js';
import { distance } from '../../match/distance.js';
import type { ServiceContext } from '../context.js';
import { badRequest, notFound, HttpError } from '../errors.js';
import { deadline, jsonBodyLimit } from '../limits.js';
import { errors, imageBody } from '../schemas.js';
import { oneImage, readInputs } from './inputs.js';

const security = [{ bearerAuth: [] }];

export function livenessRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const c = ctx.config;
  const store = new ChallengeStore();
  let liveness: Promise<Liveness> | undefined;
  const model = process.env.LIKENESS_LIVENESS_MODEL ?? livenessData().defaultModel;
  // A model that cannot load (the human-models files not fetched) is the service's state, not the request's: 503.
  const getLiveness = (): Promise<Liveness> => {
    liveness ??= Liveness.create({ model }).catch((e: unknown) => {
      liveness = undefined;
      if (e instanceof LikenessError && !e.isInputError) throw new HttpError(503, 'E_LIVENESS_UNAVAILABLE', `liveness model ${model} is not available: ${e.message}`);
      throw e;
    });
    return liveness;
  };
  const spec = ctx.encoder.embedder.spec;
  const metric = 'metric' in spec ? spec.metric : 'cosine';

  app.post('/v1/liveness', {
    config: { role: 'recognize' },
    bodyLimit: jsonBodyLimit(c, 1),
    schema: { tags: ['liveness'], summary: "Passive liveness: every face's live probability from a presentation-attack classifier (weak on its own, see docs/liveness.md)", security, body: imageBody, response: errors },
  }, async (request, reply) => {
    const inputs = await readInputs(request, c, ['image'], { image: 'image' });
    const bytes = oneImage(inputs, 'image');
    const [a] = await ctx.inference.detect([{ bytes, source: 'image' }], deadline(reply, c));
    const lv = await getLiveness();
    const img = await loadImage(bytes, { source: 'image', maxPixels: c.maxPixels });
    const faces = await lv.faces(img, a!.faces.map((f) => f.box));
    return { width: a!.width, height: a!.height, model: lv.spec.name, threshold: lv.threshold, faces: faces.map((f) => ({ box: boxJson(f.box), live: f.live, isLive: f.isLive })) };
  });

  app.post('/v1/liveness/challenges', {
    config: { role: 'recognize' },
    bodyLimit: 4096,
    schema: {
      tags: ['liveness'],
      summary: "Start an active challenge: 'turn-left' or 'turn-right' at random, or the `challenge` asked for ('blink', 'turn-left', 'turn-right'); then send frames",
      security,
      body: { type: ['object', 'null'], properties: { challenge: { type: 'string', enum: [...CHALLENGES] } }, additionalProperties: false },
      response: errors,
    },
  }, async (request, reply) => {
    const body = (request.body ?? {}) as { challenge?: ChallengeKind };
    const s = store.create({ ...(body.challenge ? { challenge: body.challenge } : {}), distance: (x, y) => distance(x, y, metric), sameFaceThreshold: ctx.encoder.threshold, params: { timeoutMs: c.challengeTimeoutMs } });
    const st = s.status();
    return reply.status(201).send({ id: s.id, challenge: s.challenge, expiresAt: st.expiresAt, message: st.message, timeoutMs: s.params.timeoutMs, maxFrames: s.params.maxFrames });
  });

  app.post('/v1/liveness/challenges/:id/frames', {
    config: { role: 'recognize' },
    bodyLimit: jsonBodyLimit(c, 1),
    schema: { tags: ['liveness'], summary: "One camera frame of a challenge → { state: 'pending' | 'passed' | 'failed', progress, message, … }", security, body: imageBody, params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] }, response: errors },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const s = store.get(id);
    if (!s) throw notFound(`no liveness challenge with id ${JSON.stringify(id)} (unknown or expired)`);
    const inputs = await readInputs(request, c, ['image'], { image: 'image' });
    const bytes = oneImage(inputs, 'image');
    if (s.status().state !== 'pending') throw new HttpError(409, 'E_CHALLENGE_OVER', `challenge ${id} is already ${s.status().state}`);
    const [a] = await ctx.inference.embed([{ bytes, source: 'image' }], deadline(reply, c));
    const faces = a!.faces.map((f) => {
      if (!f.landmarks) throw badRequest('the service\'s model stack has no 68-point landmark network; a challenge needs one');
      return { landmarks: f.landmarks, embedding: f.embedding };
    });
    return s.addFrame(faces);
  });
}
