/**
 * Webhook signatures, Stripe-style: `Likeness-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>" with the webhook's secret>`. The receiver recomputes the HMAC over the raw body
 * it received (before parsing it), compares in constant time and refuses old timestamps (replays).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'likeness-signature';

/** The header value for `body` sent at `t` (unix seconds). */
export function signWebhook(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

export interface VerifyWebhookOptions {
  /** Oldest accepted timestamp, in seconds before now (default 300); Infinity accepts any age. */
  toleranceSeconds?: number;
  /** Now, unix seconds (default the clock). */
  now?: number;
}

/**
 * Whether `header` (the Likeness-Signature value) signs `body` (the raw request body, as received)
 * with `secret`, within the timestamp tolerance. Several v1= entries are accepted (secret rotation).
 */
export function verifyWebhookSignature(secret: string, body: string | Uint8Array, header: string | null | undefined, options: VerifyWebhookOptions = {}): boolean {
  if (!header || !secret) return false;
  let t: number | undefined;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d+$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) sigs.push(v.toLowerCase());
  }
  if (t === undefined || sigs.length === 0) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const expected = createHmac('sha256', secret).update(`${t}.${text}`, 'utf8').digest();
  return sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
