/** The path parameters of everything inside one app, as the API's routes name them. */
export interface AppRef {
  tenant: string;
  namespace: string;
  app: string;
}

export const appPath = (ref: AppRef) => ({ path: ref });

/** Where a live stream of the app is read (EventSource sends the session cookie itself). */
export function appStreamUrl(ref: AppRef, tail: string, query: Record<string, string | undefined> = {}) {
  const base = `/v1/tenants/${encodeURIComponent(ref.tenant)}/namespaces/${encodeURIComponent(
    ref.namespace,
  )}/apps/${encodeURIComponent(ref.app)}/${tail}`;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, value);
  const text = search.toString();
  return text ? `${base}?${text}` : base;
}
