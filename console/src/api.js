// The API as the console calls it: same-origin, the session cookie, the CSRF token on every
// write, and every failure turned into a sentence a person can act on (zh.js).
import { failure } from './zh.js';

let csrf = '';

export function setCsrf(token) { csrf = token || ''; }

export class ApiError extends Error {
  constructor(status, problem) {
    super(failure(status, problem));
    this.status = status;
    this.problem = problem;
  }
}

/** Calls the API; answers the JSON body (null for 204). A 401 means the session has ended,
 *  unless @p options.refusal401 says this call's 401 is a refusal of what was sent (a wrong
 *  current password). @throws ApiError */
export async function api(method, path, body, extraHeaders = {}, options = {}) {
  const headers = { Accept: 'application/json', ...extraHeaders };
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, null);
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !(options.refusal401 && options.refusal401(data))) window.dispatchEvent(new CustomEvent('wangge:signed-out'));
    throw err;
  }
  return data;
}

/** A fresh key per user intent: a retried submit is the same report, not two. */
export function idempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
