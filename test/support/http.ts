/** One HTTP call from a test, its answer's body parsed as JSON when it is JSON (else the text). */
export async function httpJson(
  base: string,
  method: string,
  p: string,
  opts: { auth?: string; body?: unknown; type?: string; accept?: string } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (opts.auth) headers['authorization'] = opts.auth;
  if (opts.accept) headers['accept'] = opts.accept;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(base + p, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}
