import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import {
  AppListChanges,
  AppListQuery,
  type AppListChangeListener,
  type AppWithStatusFacts,
  type TenantScope,
} from '@nimbus/db';
import type { Logger } from '@nimbus/logging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { LOGGER } from '../infra/logger.token';
import { PrismaService } from '../infra/prisma.service';

/**
 * App lists, the API's most frequent read, served from memory while PostgreSQL says they have not
 * changed, as Kubernetes' API server serves lists from its watch cache: triggers announce every
 * committed change to what a list shows with the tenant's id (AppListChanges), and that tenant's
 * lists are read again. While the announcements are not heard, every list is read.
 *
 * A list read while a change could have slipped past is not kept: a read is kept only if no
 * announcement for its tenant, no loss of the connection, and no write through this gateway came
 * between its start and its end. Writes through this gateway forget every list before they are
 * answered, so whoever made a change sees it in their next list here; on another gateway it shows
 * once the announcement arrives, milliseconds after the commit.
 */
@Injectable()
export class AppListCache implements AppListChangeListener, OnModuleInit, OnModuleDestroy {
  private readonly lists = new Map<string, Map<string, AppWithStatusFacts[]>>();
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private live = false;
  private writing = 0;
  private readonly changes: AppListChanges;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly prisma: PrismaService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.changes = new AppListChanges(config.DATABASE_URL, this, (error) =>
      logger.warn(
        { err: error },
        'app list changes not heard: lists are read from the database until they are',
      ),
    );
  }

  onModuleInit(): void {
    this.changes.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.changes.stop();
  }

  /** The namespace's apps by name with their status facts; shared: not to be changed. */
  async list(scope: TenantScope, namespaceId: string): Promise<readonly AppWithStatusFacts[]> {
    const kept = this.live ? this.lists.get(scope.tenantId)?.get(namespaceId) : undefined;
    if (kept) return kept;
    const epoch = this.epoch;
    const generation = this.generations.get(scope.tenantId) ?? 0;
    const read = await new AppListQuery(this.prisma.pool).list(scope, namespaceId);
    const unchanged = epoch === this.epoch && generation === (this.generations.get(scope.tenantId) ?? 0);
    if (this.live && this.writing === 0 && unchanged) {
      const ofTenant = this.lists.get(scope.tenantId) ?? new Map<string, AppWithStatusFacts[]>();
      this.lists.set(scope.tenantId, ofTenant.set(namespaceId, read));
    }
    return read;
  }

  /**
   * Express middleware: a write to a tenant's resources through this gateway forgets every list
   * when it starts and once it is answered, and none read meanwhile is kept.
   */
  forgetOnWrites() {
    return (request: Request, response: Response, next: NextFunction): void => {
      if (request.method === 'GET' || request.method === 'HEAD' || !request.path.startsWith('/v1/tenants/'))
        return next();
      this.writing += 1;
      this.forgetAll();
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        this.writing -= 1;
        this.forgetAll();
      };
      // Emitted in the tick that hands the answer to the socket, before anything the writer
      // sends next can be read.
      response.once('finish', end);
      response.once('close', end);
      next();
    };
  }

  changed(tenantId: string): void {
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
    this.lists.delete(tenantId);
  }

  listening(): void {
    this.forgetAll();
    this.live = true;
  }

  deaf(): void {
    this.live = false;
    this.forgetAll();
  }

  private forgetAll(): void {
    this.lists.clear();
    this.epoch += 1;
  }
}
