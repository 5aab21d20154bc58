import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { NodeAuthGuard } from '../agents/node-auth.guard';
import { Public } from '../auth/auth.decorators';
import { AgentMetricsService } from './agent-metrics.service';
import { AgentMetricsDto } from './dto/metrics.dto';

/** The agents' side of metrics (libs/cluster's agent protocol): node credentials, not users'. */
@ApiExcludeController()
@Public()
@Controller('v1/agent')
export class AgentMetricsController {
  constructor(private readonly metrics: AgentMetricsService) {}

  /** Every second, the node's running instances' CPU and memory. */
  @Post('metrics')
  @HttpCode(200)
  @UseGuards(NodeAuthGuard)
  record(@Req() request: Request, @Body() body: AgentMetricsDto) {
    return this.metrics.record(request.node!, body);
  }
}
