import { useQuery } from '@tanstack/react-query';
import { api, must, type Schemas } from '../api/client';
import { appPath, type AppRef } from '../api/paths';

type AppStatus = Schemas['AppDto_Output']['status'];

const WORDS: Record<AppStatus, string> = {
  undeployed: 'not deployed',
  deploying: 'deploying',
  crashed: 'crashed',
  idle: 'idle at zero',
  stopped: 'stopped',
  starting: 'starting',
  running: 'running',
};

/** How an app is doing, as the API says it in one word. */
export function StatusBadge({ status }: { status: AppStatus | undefined }) {
  return <span className={`state state-${status ?? 'unknown'}`}>{status ? WORDS[status] : '…'}</span>;
}

export const psQueryKey = (ref: AppRef) => ['ps', ref.tenant, ref.namespace, ref.app];

export function usePs(ref: AppRef) {
  return useQuery({
    queryKey: psQueryKey(ref),
    queryFn: () =>
      must(api.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/ps', { params: appPath(ref) })),
    refetchInterval: 3000,
  });
}
