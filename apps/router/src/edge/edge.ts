import { accessSync, constants } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { EdgeCertificate } from '@nimbus/cluster';
import { ConfigError } from '@nimbus/config';
import { openForEdge } from '@nimbus/crypto';
import type { Logger } from '@nimbus/logging';
import type { AppRoute } from '../routing/balancer';
import type { RouterConfig } from '../router.config';
import { EdgeController } from './edge-controller';
import { EdgeTraffic } from './edge-traffic';
import { renderEdgeConfig } from './haproxy-config';
import { HaproxyProcess } from './haproxy-process';
import { HaproxySocket } from './haproxy-socket';
import { preparePlatformCertificate } from './platform-certificate';

export interface EdgeOptions {
  config: RouterConfig;
  /** The Nimbus router's own port, where HAProxy sends what it does not route itself. */
  fallbackPort: number;
  routes: () => Iterable<AppRoute>;
  /** Apps' certificates, served over HTTPS for their own names. */
  certificates: () => ReadonlyMap<string, EdgeCertificate>;
  /** Where the access log goes (HAProxy writes it): standard output, unless a test looks. */
  accessLog: Writable;
  logger: Logger;
}

export interface RunningEdge {
  /** Where app traffic goes. */
  url: string;
  /** The same over HTTPS, when NIMBUS_ROUTER_TLS_PORT is set. */
  tlsUrl: string | undefined;
  traffic: EdgeTraffic;
  /** Applies the table now (after a change announced by the table). */
  sync(): Promise<void>;
  /** Rejects unless HAProxy answers on its runtime socket now: for /readyz. */
  check(): Promise<void>;
  /** Soft stop: HAProxy stops accepting, what is in flight finishes (up to the drain timeout). */
  close(): Promise<void>;
}

/** An executable by path, or by name on PATH. */
function findOnPath(binary: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = binary.includes('/') ? [binary] : path.split(delimiter).map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

/** The HAProxy binary, or a start-up error that says how to get one. */
export function resolveHaproxy(binary: string): string {
  const found = findOnPath(binary);
  if (found) return found;
  throw new ConfigError([
    `NIMBUS_HAPROXY: ${binary} not found${binary.includes('/') ? '' : ' on PATH'}; install Debian's haproxy ` +
      '(apt-get install haproxy) or set NIMBUS_EDGE=node to route with the Node router alone',
  ]);
}

const RUNTIME_DIR = /^nimbus-edge-(\d+)-/;

/**
 * Removes the runtime directories of routers that died without cleaning up (SIGKILL): each is
 * named after its router's PID, and HAProxy died with that router.
 */
async function removeOrphanedRuntimeDirs(logger: Logger): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const pid = Number(RUNTIME_DIR.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
    logger.debug({ dir: name }, 'edge: removed the runtime directory of a router gone');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Port 0 means any free port; HAProxy cannot say which it took, so one is chosen here. */
async function concretePort(host: string, port: number): Promise<number> {
  if (port !== 0) return port;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, host, resolve));
  const chosen = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return chosen;
}

/** Starts HAProxy in front of the Node router and keeps it programmed from the endpoint table. */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const { config, logger } = options;
  const binary = resolveHaproxy(config.NIMBUS_HAPROXY);
  await removeOrphanedRuntimeDirs(logger);
  const dir = await mkdtemp(join(tmpdir(), `nimbus-edge-${process.pid}-`));
  const mapPaths = { hosts: join(dir, 'hosts.map'), wildcards: join(dir, 'wildcards.map') };
  const socket = new HaproxySocket(join(dir, 'admin.sock'));
  const port = await concretePort(config.HOST, config.NIMBUS_ROUTER_PORT);
  const tlsPort =
    config.NIMBUS_ROUTER_TLS_PORT === undefined
      ? undefined
      : await concretePort(config.HOST, config.NIMBUS_ROUTER_TLS_PORT);
  const configPath = join(dir, 'haproxy.cfg');
  let tls:
    | { port: number; certificatePath: string; appCertificatesPath: string; redirectsMapPath: string }
    | undefined;
  if (tlsPort !== undefined) {
    const certificate = await preparePlatformCertificate(
      { certFile: config.NIMBUS_TLS_CERT, keyFile: config.NIMBUS_TLS_KEY, domain: config.NIMBUS_DOMAIN },
      dir,
    ).catch(async (error: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw error;
    });
    tls = {
      port: tlsPort,
      certificatePath: certificate.path,
      appCertificatesPath: join(dir, 'apps.crt-list'),
      redirectsMapPath: join(dir, 'redirects.map'),
    };
    if (!config.NIMBUS_EDGE_KEY)
      logger.warn("edge: NIMBUS_EDGE_KEY is not set: apps' own certificates are not served");
    const log = { notAfter: certificate.notAfter, domain: config.NIMBUS_DOMAIN };
    if (certificate.selfSigned) {
      logger.warn(log, 'edge: HTTPS with a self-signed certificate; set NIMBUS_TLS_CERT and NIMBUS_TLS_KEY');
    } else logger.info(log, 'edge: HTTPS with the platform certificate');
  }
  await Promise.all([
    writeFile(mapPaths.hosts, ''),
    writeFile(mapPaths.wildcards, ''),
    ...(tls ? [writeFile(tls.appCertificatesPath, ''), writeFile(tls.redirectsMapPath, '')] : []),
    writeFile(
      configPath,
      renderEdgeConfig({
        listen: { host: config.HOST, port },
        tls,
        fallback: { host: '127.0.0.1', port: options.fallbackPort },
        socketPath: join(dir, 'admin.sock'),
        hostsMapPath: mapPaths.hosts,
        wildcardsMapPath: mapPaths.wildcards,
        slots: config.NIMBUS_EDGE_SLOTS,
        serversPerSlot: config.NIMBUS_EDGE_SERVERS_PER_APP,
        threads: config.NIMBUS_ROUTER_WORKERS,
        connectTimeoutMs: config.NIMBUS_ROUTER_CONNECT_TIMEOUT,
        upstreamTimeoutMs: config.NIMBUS_ROUTER_UPSTREAM_TIMEOUT,
        accessLog: config.NIMBUS_ACCESS_LOG,
      }),
    ),
  ]);
  const edgeKey = config.NIMBUS_EDGE_KEY;
  const controller = new EdgeController({
    routes: options.routes,
    tls: tls && {
      crtList: tls.appCertificatesPath,
      // Names only: the keys stay in HAProxy's memory and are never written to disk.
      certificatePrefix: join(dir, 'apps') + '/',
      redirectsMap: tls.redirectsMapPath,
      certificates: options.certificates,
      open: edgeKey && ((id, certificate) => openForEdge(edgeKey, id, certificate.sealed)),
    },
    socket,
    slots: config.NIMBUS_EDGE_SLOTS,
    mapPaths,
    logger,
  });
  const haproxy = new HaproxyProcess({
    binary,
    setpriv: findOnPath('setpriv'),
    configPath,
    socket,
    accessLog: options.accessLog,
    logger,
    onRestart: () => void controller.sync(),
  });
  const traffic = new EdgeTraffic({ socket, backendOfApp: () => controller.backendOfApp, logger });
  try {
    await haproxy.start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  controller.start();
  traffic.start();
  logger.info(
    { haproxyPid: haproxy.pid, slots: config.NIMBUS_EDGE_SLOTS, dir },
    'edge: haproxy programmed by this router',
  );
  return {
    url: `http://${config.HOST}:${port}`,
    tlsUrl: tls && `https://${config.HOST}:${tls.port}`,
    traffic,
    sync: () => controller.sync(),
    check: async () => void (await socket.send('show info')),
    close: async () => {
      traffic.stop();
      await controller.stop();
      // A second past the router's own drain: the 503s it then sends held requests pass through.
      await haproxy.stop(config.NIMBUS_ROUTER_DRAIN_TIMEOUT + 1_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
