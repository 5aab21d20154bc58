import { Body, Controller, Get, Headers, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ZodResponse } from 'nestjs-zod';
import type { App } from '@nimbus/db';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { CurrentApp } from '../apps/current-app.decorator';
import { AppLogsService, type LogLine } from './app-logs.service';
import {
  EventListDto,
  EventsQueryDto,
  FormationListDto,
  InstanceDto,
  LogLinesDto,
  LogsQueryDto,
  PsDto,
  RestartDto,
  RestartedDto,
  RunCreatedDto,
  RunDto,
  ScaleDto,
} from './dto/process.dto';
import { FormationService } from './formation.service';
import { ProcessesService } from './processes.service';
import { RunsService } from './runs.service';

/** How often an idle event stream says it is still there. */
const SSE_KEEPALIVE_MS = 15_000;

@ApiTags('processes')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app')
export class ProcessesController {
  constructor(
    private readonly processes: ProcessesService,
    private readonly formation: FormationService,
    private readonly runs: RunsService,
    private readonly logs: AppLogsService,
  ) {}

  /** The formation, every instance with its state, and the latest rollout. */
  @Get('ps')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: PsDto })
  ps(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App) {
    return this.processes.ps(access, app);
  }

  /** Sets replicas and sizes per process type (`ps:scale web=3`). */
  @Patch('formation')
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: FormationListDto })
  scale(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Body() body: ScaleDto,
    @RequestId() requestId: string | null,
  ) {
    return this.formation.scale(principal, access, app, body.updates, requestId);
  }

  /** Replaces the instances (of one type), new before old, so capacity never drops. */
  @Post('ps/restart')
  @RequireRole('developer')
  @ZodResponse({ status: 201, type: RestartedDto })
  restart(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Body() body: RestartDto,
    @RequestId() requestId: string | null,
  ) {
    return this.formation.restart(principal, access, app, body.type, requestId);
  }

  /** Starts a one-off instance (`nimbus run`); follow its output from `logCursor`. */
  @Post('runs')
  @RequireRole('developer')
  @ZodResponse({ status: 201, type: RunCreatedDto })
  async run(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Body() body: RunDto,
    @RequestId() requestId: string | null,
  ) {
    const logCursor = await this.logs.cursor(app.id);
    const instance = await this.runs.run(principal, access, app, body.command, requestId);
    return { instance, logCursor };
  }

  @Get('instances/:id')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: InstanceDto })
  instance(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App, @Param('id') id: string) {
    return this.processes.instance(access, app, id);
  }

  /** What the system did with the app: rollouts, scheduling, crashes. Newest first. */
  @Get('events')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: EventListDto })
  events(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App, @Query() query: EventsQueryDto) {
    return this.processes.events(access, app, query.limit);
  }

  /**
   * The app's recent log lines (JSON). With Accept: text/event-stream, a live tail: each line a
   * `line` event (id = its stream position, for Last-Event-ID); following one instance, an `end`
   * event carries it once it has exited.
   */
  @Get('logs')
  @RequireRole('viewer')
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ description: 'Log lines, oldest first', type: LogLinesDto })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Tail from after this line' })
  async logLines(
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Query() query: LogsQueryDto,
    @Headers('accept') accept: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const filter = { type: query.type, instance: query.instance };
    const strip = ({ id: _id, ...line }: LogLine) => line;
    if (!accept?.includes('text/event-stream')) {
      response.json((await this.logs.recent(app.id, query.num, filter)).map(strip));
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
    });
    const aborted = new AbortController();
    // Comments keep idle proxies from cutting a quiet tail.
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
    request.on('close', () => {
      clearInterval(keepAlive);
      aborted.abort();
    });
    let after = lastEventId && /^\d+-\d+$/.test(lastEventId) ? lastEventId : null;
    if (!after) {
      const recent = await this.logs.recent(app.id, query.num, filter);
      for (const line of recent)
        response.write(`id: ${line.id}\nevent: line\ndata: ${JSON.stringify(strip(line))}\n\n`);
      after = recent.at(-1)?.id ?? (await this.logs.cursor(app.id));
    }
    let ended: InstanceDto | null = null;
    const stillGoing = async () => {
      if (!query.instance) return true;
      const instance = await this.processes.instance(access, app, query.instance);
      if (instance.state === 'exited' || instance.state === 'lost' || instance.state === 'failed')
        ended = instance;
      return ended === null;
    };
    const idleMs = query.instance ? 250 : 1000;
    for await (const line of this.logs.follow(app.id, after, filter, aborted.signal, stillGoing, idleMs))
      response.write(`id: ${line.id}\nevent: line\ndata: ${JSON.stringify(strip(line))}\n\n`);
    if (ended) response.write(`event: end\ndata: ${JSON.stringify(ended)}\n\n`);
    clearInterval(keepAlive);
    response.end();
  }
}
