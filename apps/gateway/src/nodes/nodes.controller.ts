import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { createZodDto, ZodResponse } from 'nestjs-zod';
import { z } from 'zod';
import { CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { NodesService } from './nodes.service';

export const nodeSchema = z.object({
  name: z.string(),
  address: z.string(),
  status: z.enum(['Ready', 'NotReady']),
  cordoned: z.boolean(),
  draining: z.boolean(),
  cpuMillis: z.int(),
  memoryMb: z.int(),
  allocatedCpuMillis: z.int(),
  allocatedMemoryMb: z.int(),
  instances: z.int(),
  labels: z.record(z.string(), z.string()),
  runtimes: z.array(z.string()),
  leaseRenewedAt: z.iso.datetime(),
});
class NodeDto extends createZodDto(nodeSchema) {}
class NodeListDto extends createZodDto(z.array(nodeSchema)) {}

/** The machines instances run on: platform administrators only. */
@ApiTags('nodes')
@ApiBearerAuth()
@Controller('v1/nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @ZodResponse({ status: 200, type: NodeListDto })
  list(@CurrentPrincipal() principal: Principal) {
    return this.nodes.list(principal);
  }

  /** No new instances are placed on it. */
  @Post(':name/cordon')
  @HttpCode(200)
  @ZodResponse({ status: 200, type: NodeDto })
  cordon(@CurrentPrincipal() principal: Principal, @Param('name') name: string) {
    return this.nodes.set(principal, name, { cordoned: true });
  }

  @Post(':name/uncordon')
  @HttpCode(200)
  @ZodResponse({ status: 200, type: NodeDto })
  uncordon(@CurrentPrincipal() principal: Principal, @Param('name') name: string) {
    return this.nodes.set(principal, name, { cordoned: false, draining: false });
  }

  /** Cordons it and moves its instances elsewhere, each replaced before it is stopped. */
  @Post(':name/drain')
  @HttpCode(200)
  @ZodResponse({ status: 200, type: NodeDto })
  drain(@CurrentPrincipal() principal: Principal, @Param('name') name: string) {
    return this.nodes.set(principal, name, { cordoned: true, draining: true });
  }
}
