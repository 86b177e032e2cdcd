// Calls to the API with the signed-in key (a Bearer header: never in a URL, never in a cookie).

/**
 * A refused or failed API call: `status` (0: no response), the API's `detail` as one readable string and, for
 * a 422 about fields, its `errors` ([{field, message}]).
 */
export class ApiError extends Error {
  constructor(status, detail, errors = []) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.errors = errors;
  }

  /** True for a missing, invalid or insufficient key: the console signs out. */
  get signsOut() {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * `api` and `download` bound to a key.
 * @param {string} key the admin API key
 * @param {(error: ApiError) => void} onSignOut called when the API refuses the key (401, 403)
 */
export function createClient(key, onSignOut) {
  async function send(method, path, body) {
    const headers = {Authorization: `Bearer ${key}`, Accept: "application/json"};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                    credentials: "omit", cache: "no-store"});
    } catch (error) {
      throw new ApiError(0, error.message);
    }
    if (!response.ok) {
      const {detail, errors} = await readError(response);
      const error = new ApiError(response.status, detail, errors);
      if (error.signsOut) onSignOut(error);
      throw error;
    }
    return response;
  }

  return {
    /** The JSON of `method path` (null for an empty body); rejects with ApiError. */
    async api(method, path, body) {
      const response = await send(method, path, body);
      const text = await response.text();
      return text ? JSON.parse(text) : null;
    },

    /** Fetches `path` and saves its body as `filename` (exports). */
    async download(path, filename) {
      const blob = await (await send("GET", path)).blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = filename;
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
  };
}

/** The `detail` of an error response as one string, and its field `errors` when it has them. */
async function readError(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    return {detail: `${response.status} ${response.statusText}`, errors: []};
  }
  const detail = typeof body?.detail === "string" ? body.detail : JSON.stringify(body?.detail ?? body);
  return {detail, errors: Array.isArray(body?.errors) ? body.errors : []};
}
