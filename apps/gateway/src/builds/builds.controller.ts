import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ZodResponse } from 'nestjs-zod';
import { CurrentAccess, RequireRole } from '../auth/auth.decorators';
import type { TenantAccess } from '../auth/principal';
import type { App } from '@nimbus/db';
import { CurrentApp } from '../apps/current-app.decorator';
import { BuildDto, BuildListDto, BuildListQueryDto } from './dto/build.dto';
import { BuildsService, linesSeen } from './builds.service';

@ApiTags('builds')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app/builds')
export class BuildsController {
  constructor(private readonly builds: BuildsService) {}

  /** Newest first. */
  @Get()
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: BuildListDto })
  list(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App, @Query() query: BuildListQueryDto) {
    return this.builds.list(access, app, query.limit);
  }

  @Get(':build')
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: BuildDto })
  get(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App, @Param('build') id: string) {
    return this.builds.get(access, app, id);
  }

  /**
   * The build's output. As text/plain: what there is now. As text/event-stream: every line as a
   * `line` event, live while the build runs, then one `end` event carrying the build.
   */
  @Get(':build/output')
  @RequireRole('viewer')
  @ApiProduces('text/plain', 'text/event-stream')
  @ApiOkResponse({ description: 'The output, or its events', schema: { type: 'string' } })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume an event stream after this event (`line-N`: after line N)',
  })
  async output(
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Param('build') id: string,
    @Headers('accept') accept: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const build = await this.builds.find(access, app, id);
    if (!accept?.includes('text/event-stream')) {
      response.type('text/plain; charset=utf-8').send(await this.builds.output(build));
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    });
    const aborted = new AbortController();
    // Comments keep idle proxies from cutting a quiet build (a long npm install, say).
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    request.on('close', () => {
      clearInterval(keepAlive);
      aborted.abort();
    });
    for await (const event of this.builds.follow(
      access.scope,
      build,
      aborted.signal,
      linesSeen(lastEventId),
    )) {
      if (event.kind === 'line') {
        response.write(`id: ${event.id}\nevent: line\ndata: ${JSON.stringify(event.text)}\n\n`);
      } else {
        const [presented] = await this.builds.present([event.build]);
        response.write(`event: end\ndata: ${JSON.stringify(presented)}\n\n`);
      }
    }
    clearInterval(keepAlive);
    response.end();
  }
}
