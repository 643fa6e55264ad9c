// Same-origin calls to the API through the web app's /api proxy. The session cookie is
// httpOnly (page scripts never see the token); unsafe methods carry the CSRF token.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter, info = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.info = info;  // the error body's other fields (a 412's `current`)
  }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

const FALLBACK = {
  401: "You were logged out. Please log in again.",
  404: "We couldn't find that.",
  413: "That's too much code or input to send at once.",
  429: "That's a lot of clicks! Wait a moment and try again.",
  503: "The computers are very busy right now.",
};

export function retryAfterSeconds(value, fallback = 2) {
  const n = Number.parseInt(value || "", 10);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, 60) : fallback;
}

export async function api(path, { method = "GET", body, keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  let response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      keepalive,
    });
  } catch {
    throw new ApiError(0, "NETWORK", "We can't reach Code Runner. Check your internet connection.");
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(
      response.status,
      error.code || `HTTP_${response.status}`,
      // a page's 401 means the session ended (sign-in is never called from here): say it kindly
      (response.status === 401 ? FALLBACK[401] : error.message) || FALLBACK[response.status] || "Something went wrong.",
      response.headers.get("Retry-After"),
      error,
    );
  }
  return { status: response.status, data };
}
