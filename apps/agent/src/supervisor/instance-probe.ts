import type { Assignment } from '@nimbus/cluster';
import type { HttpCheck } from '@nimbus/domain';
import { probeHttp, probeTcp, type ProbeResult } from './probes';
import type { SavedInstance } from './supervisor-deps';

/** One probe: the image's check if it declares one, else the assignment's probe. */
export async function probeInstance(
  check: HttpCheck | null,
  readiness: Assignment['readiness'],
  saved: SavedInstance,
): Promise<ProbeResult> {
  if (check) return probeHttp(check, saved.port);
  switch (readiness.type) {
    case 'http':
      return probeHttp({ path: readiness.path, timeout: 1 }, saved.port);
    case 'uptime':
      return Date.now() - saved.startedAt >= readiness.ms ? { ok: true } : { ok: false, failure: 'starting' };
    case 'tcp':
      return probeTcp(saved.port);
  }
}
