/**
 * Bearer-key authentication and roles. A route declares the role it needs in its config
 * (`config: { role: 'recognize' | 'admin' }`); routes without one are public (health, readiness,
 * metrics, the API description, the web page). `admin` keys can do everything `recognize` keys can.
 * No key or an unknown key → 401 E_UNAUTHORIZED; a valid key of too weak a role → 403 E_FORBIDDEN.
 */
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from './errors.js';
import type { ApiKeyInfo, KeyStore, Role } from './keys.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a route needs; absent: public. */
    role?: Role;
  }
  interface FastifyRequest {
    /** The caller's key, once authenticated. */
    apiKey?: ApiKeyInfo;
  }
}

const RANK: Record<Role, number> = { recognize: 1, admin: 2 };

/** An onRequest hook: checks the key against the route's role before the body is read. */
export function authenticate(keys: KeyStore) {
  return async (request: FastifyRequest): Promise<void> => {
    const needed = request.routeOptions.config.role;
    if (!needed) return;
    const header = request.headers.authorization;
    if (!header) throw unauthorized('an API key is required: send "Authorization: Bearer <key>"');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized('the Authorization header must be "Bearer <key>"');
    const key = keys.verify(m[1]!);
    if (!key) throw unauthorized('the API key is not valid');
    request.apiKey = key;
    if (RANK[key.role] < RANK[needed]) throw forbidden(`this needs an ${needed} key; the key given is a ${key.role} key`);
  };
}
