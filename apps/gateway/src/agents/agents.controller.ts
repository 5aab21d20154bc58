import {
  Body,
  Controller,
  Get,
  Headers,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { MAX_REPORTED_IMAGES } from '@nimbus/cluster';
import { Public } from '../auth/auth.decorators';
import { AgentsService } from './agents.service';
import { NodeAuthGuard } from './node-auth.guard';
import { NodeWatchHub } from './node-watch-hub.service';

const labels = z.record(z.string().regex(/^[a-z0-9][a-z0-9./-]{0,62}$/), z.string().max(63));

class NodeRegistrationDto extends createZodDto(
  z.strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'a DNS label or name'),
    address: z.string().min(1).max(253),
    capacity: z.strictObject({ cpuMillis: z.int().positive(), memoryMb: z.int().positive() }),
    labels: labels.default({}),
    runtimes: z.array(z.enum(['process', 'oci'])).min(1),
  }),
) {}

// Agents before the image report renew with no body at all.
class LeaseRenewalDto extends createZodDto(
  z
    .strictObject({
      cachedImages: z
        .array(z.string().regex(/^sha256:[a-f0-9]{64}$/, 'a sha256 image digest'))
        .max(MAX_REPORTED_IMAGES)
        .optional(),
    })
    .default({}),
) {}

class InstanceStatusDto extends createZodDto(
  z.strictObject({
    phase: z.enum(['pending', 'starting', 'running', 'crashloop', 'exited', 'failed', 'lost']),
    ready: z.boolean(),
    restarts: z.int().min(0),
    exitCode: z.int().nullable(),
    reason: z.string().max(100).nullable(),
    message: z.string().max(2000).nullable(),
    lastFailure: z.string().max(2000).nullable().default(null),
    port: z.int().min(1).max(65535).nullable(),
    usage: z.strictObject({ cpuPercent: z.number().min(0), memoryBytes: z.number().min(0) }).nullable(),
  }),
) {}

class LogBatchDto extends createZodDto(
  z.strictObject({
    entries: z
      .array(
        z.strictObject({
          instanceId: z.uuid(),
          stream: z.enum(['stdout', 'stderr']),
          line: z.string().max(16_384),
          at: z.number(),
        }),
      )
      .max(5000),
  }),
) {}

/** Agents come back to the watch at least this often, so a half-open connection is noticed. */
const WATCH_HEARTBEAT_MS = 15_000;
/** A safety net for lost wake-ups: each watch also looks again this often. */
const WATCH_RESYNC_MS = 30_000;

/**
 * The agent protocol (libs/cluster/agent-protocol.ts): not part of the public API, and
 * authenticated by node credentials rather than users' tokens.
 */
@ApiExcludeController()
@Public()
@Controller('v1/agent')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly hub: NodeWatchHub,
  ) {}

  @Post('register')
  register(@Headers('authorization') authorization: string | undefined, @Body() body: NodeRegistrationDto) {
    return this.agents.register(/^Bearer (\S+)$/.exec(authorization ?? '')?.[1], body);
  }

  @Put('lease')
  @UseGuards(NodeAuthGuard)
  lease(@Req() request: Request, @Body() body: LeaseRenewalDto) {
    return this.agents.renewLease(request.node!, body);
  }

  /** A list; with `watch=true`, an event stream of changes after `resourceVersion`. */
  @Get('assignments')
  @UseGuards(NodeAuthGuard)
  async assignments(
    @Req() request: Request,
    @Res() response: Response,
    @Query('watch') watch: string | undefined,
    @Query('resourceVersion') resourceVersion: string | undefined,
  ): Promise<void> {
    const node = request.node!;
    if (watch !== 'true') {
      response.json(await this.agents.list(node));
      return;
    }
    let after = /^\d+$/.test(resourceVersion ?? '') ? BigInt(resourceVersion as string) : 0n;
    // What this watch's agent holds: the assignments listed up to `after`.
    const known = new Set(
      (await this.agents.list(node)).items
        .filter((item) => BigInt(item.resourceVersion) <= after)
        .map((item) => item.instanceId),
    );
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    let running = Promise.resolve();
    let closed = false;
    const send = () => {
      running = running
        .then(async () => {
          if (closed) return;
          const { changed, removed, resourceVersion: next } = await this.agents.changes(node, known, after);
          for (const assignment of changed) {
            const type = known.has(assignment.instanceId) ? 'MODIFIED' : 'ADDED';
            known.add(assignment.instanceId);
            response.write(`event: ${type}\ndata: ${JSON.stringify(assignment)}\n\n`);
          }
          for (const id of removed) {
            known.delete(id);
            response.write(`event: REMOVED\ndata: ${JSON.stringify({ instanceId: id })}\n\n`);
          }
          after = next;
        })
        .catch(() => {
          response.destroy();
        });
    };
    const unsubscribe = this.hub.subscribe(node.id, send);
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), WATCH_HEARTBEAT_MS);
    const resync = setInterval(send, WATCH_RESYNC_MS);
    request.on('close', () => {
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      clearInterval(resync);
    });
    send();
  }

  @Put('instances/:id/status')
  @UseGuards(NodeAuthGuard)
  async status(
    @Req() request: Request,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: InstanceStatusDto,
  ) {
    await this.agents.reportStatus(request.node!, id, body);
    return { ok: true };
  }

  @Post('logs')
  @UseGuards(NodeAuthGuard)
  async logs(@Req() request: Request, @Body() body: LogBatchDto) {
    await this.agents.appendLogs(request.node!, body.entries);
    return { ok: true };
  }
}
