import type { AppRoute } from '../routing/balancer';
import { isLeaving, type EdgeServer, type EdgeState } from './edge-state';
import { PARKED, slotBackend } from './haproxy-config';

/** Which map a host entry lives in. */
export type MapName = 'hosts' | 'wildcards';

/** One runtime API command, and the answers that mean it worked. */
export interface EdgeCommand {
  command: string;
  success: RegExp;
}

export interface EdgePlan {
  commands: EdgeCommand[];
  /** App id → its slot's backend, for the counters. */
  backendOfApp: Map<string, string>;
  /** Apps that found no free slot: the Nimbus router serves them meanwhile. */
  unslotted: string[];
  /** Apps with more instances than a slot has servers: HAProxy sends to as many as it has. */
  crowded: string[];
}

export interface PlanOptions {
  slots: number;
  mapPaths: Record<MapName, string>;
}

interface Instance {
  address: string;
  port: number;
}

interface DesiredApp {
  key: string;
  hosts: string[];
  wildcards: string[];
  instances: Instance[];
}

const SUCCESS = {
  quiet: /^\s*$/,
  setAddress: /changed|no need to change/i,
};

const targetOf = ({ address, port }: Instance): string => `${address}:${port}`;

/** Routes grouped by app: one app may answer on several hosts (its own and custom domains). */
function desiredApps(routes: Iterable<AppRoute>): DesiredApp[] {
  const apps = new Map<string, DesiredApp>();
  for (const route of routes) {
    // An entry an older orchestrator wrote names no app: its host stands alone.
    const key = route.appId || `host:${route.host}`;
    let app = apps.get(key);
    if (!app) {
      app = { key, hosts: [], wildcards: [], instances: [] };
      apps.set(key, app);
    }
    if (route.host.startsWith('*.')) app.wildcards.push(route.host.slice(2));
    else app.hosts.push(route.host);
    // Every host of an app lists the same instances; the first host's list is the app's.
    if (app.instances.length === 0) {
      const seen = new Set<string>();
      for (const upstream of route.upstreams) {
        const instance = { address: upstream.host, port: upstream.port };
        if (seen.has(targetOf(instance))) continue;
        seen.add(targetOf(instance));
        app.instances.push(instance);
      }
    }
  }
  return [...apps.values()];
}

/**
 * What to tell HAProxy so that it routes as the table says: pure, from what HAProxy holds now
 * (level-triggered: a lost command or a restarted HAProxy is repaired by the next pass).
 *
 * An app keeps the slot its hosts point at; a new app takes the lowest slot nobody points at and
 * nothing is left in service or in flight in. Within a slot, an instance keeps the server that
 * has its address; a new one takes a server out of service with no request left in flight.
 * Within a pass, new instances are in service before a host points at them, and an instance
 * leaves service (its requests in flight finish) only after that.
 */
export function planEdge(desired: Iterable<AppRoute>, actual: EdgeState, options: PlanOptions): EdgePlan {
  const apps = desiredApps(desired);
  const slotOf = new Map<string, string>();
  const taken = new Set<string>();
  for (const app of apps) {
    const current =
      app.hosts.map((host) => actual.hosts.get(host)).find(Boolean) ??
      app.wildcards.map((parent) => actual.wildcards.get(parent)).find(Boolean);
    if (current && !taken.has(current)) {
      slotOf.set(app.key, current);
      taken.add(current);
    }
  }
  const pointedAt = new Set([...actual.hosts.values(), ...actual.wildcards.values()]);
  const unslotted: string[] = [];
  let candidate = 0;
  for (const app of apps) {
    if (slotOf.has(app.key)) continue;
    for (; candidate < options.slots; candidate++) {
      const backend = slotBackend(candidate);
      const idle = (actual.servers.get(backend) ?? []).every(
        (server) => !server.inService && server.sessions === 0,
      );
      if (!taken.has(backend) && !pointedAt.has(backend) && idle) break;
    }
    if (candidate >= options.slots) {
      unslotted.push(app.key);
      continue;
    }
    const backend = slotBackend(candidate++);
    slotOf.set(app.key, backend);
    taken.add(backend);
  }

  const adds: EdgeCommand[] = [];
  const maps: EdgeCommand[] = [];
  const retire: EdgeCommand[] = [];
  const crowded: string[] = [];
  const wanted = { hosts: new Map<string, string>(), wildcards: new Map<string, string>() };
  const keptServers = new Map<string, Set<string>>();
  for (const app of apps) {
    const backend = slotOf.get(app.key);
    if (!backend) continue;
    for (const host of app.hosts) wanted.hosts.set(host, backend);
    for (const parent of app.wildcards) wanted.wildcards.set(parent, backend);
    const { commands, kept, missing } = placeInstances(
      backend,
      app.instances,
      actual.servers.get(backend) ?? [],
    );
    adds.push(...commands);
    keptServers.set(backend, kept);
    if (missing > 0) crowded.push(app.key);
  }
  for (const name of ['hosts', 'wildcards'] as const) {
    const path = options.mapPaths[name];
    for (const [key, backend] of wanted[name]) {
      const current = actual[name].get(key);
      if (current === backend) continue;
      const verb = current === undefined ? 'add' : 'set';
      maps.push({ command: `${verb} map ${path} ${key} ${backend}`, success: SUCCESS.quiet });
    }
    for (const key of actual[name].keys()) {
      if (!wanted[name].has(key)) maps.push({ command: `del map ${path} ${key}`, success: SUCCESS.quiet });
    }
  }
  for (const [backend, servers] of actual.servers) {
    const keep = keptServers.get(backend);
    for (const server of servers) {
      if (keep?.has(server.name)) continue;
      const target = `${backend}/${server.name}`;
      if (server.inService) {
        retire.push({ command: `set server ${target} state maint`, success: SUCCESS.quiet });
      } else if (isLeaving(server) && server.sessions === 0) {
        // Its requests are done: pointed nowhere, it needs no watching until it is given again.
        retire.push({
          command: `set server ${target} addr ${PARKED.address} port ${PARKED.port}`,
          success: SUCCESS.setAddress,
        });
      }
    }
  }
  const backendOfApp = new Map<string, string>();
  for (const app of apps) {
    const backend = slotOf.get(app.key);
    if (backend && !app.key.startsWith('host:')) backendOfApp.set(app.key, backend);
  }
  return { commands: [...adds, ...maps, ...retire], backendOfApp, unslotted, crowded };
}

/**
 * One slot's servers for an app's instances: the server that has an instance's address keeps it
 * (back in service if it was leaving); a new instance takes a server out of service with nothing
 * in flight (a server still finishing requests for a gone instance is left to finish).
 */
function placeInstances(
  backend: string,
  instances: readonly Instance[],
  servers: readonly EdgeServer[],
): { commands: EdgeCommand[]; kept: Set<string>; missing: number } {
  const commands: EdgeCommand[] = [];
  const kept = new Set<string>();
  const byTarget = new Map<string, EdgeServer>();
  // In service first: of two servers with one address, the one serving it keeps it.
  for (const server of [...servers].sort((a, b) => Number(b.inService) - Number(a.inService))) {
    if (!byTarget.has(targetOf(server))) byTarget.set(targetOf(server), server);
  }
  const newcomers: Instance[] = [];
  for (const instance of instances) {
    const server = byTarget.get(targetOf(instance));
    if (!server || kept.has(server.name)) {
      newcomers.push(instance);
      continue;
    }
    kept.add(server.name);
    if (!server.inService) {
      commands.push({ command: `set server ${backend}/${server.name} state ready`, success: SUCCESS.quiet });
    }
  }
  const free = servers.filter(
    (server) => !server.inService && server.sessions === 0 && !kept.has(server.name),
  );
  let missing = 0;
  for (const instance of newcomers) {
    const server = free.shift();
    if (!server) {
      missing++;
      continue;
    }
    kept.add(server.name);
    const target = `${backend}/${server.name}`;
    commands.push(
      {
        command: `set server ${target} addr ${instance.address} port ${instance.port}`,
        success: SUCCESS.setAddress,
      },
      { command: `set server ${target} state ready`, success: SUCCESS.quiet },
    );
  }
  return { commands, kept, missing };
}
