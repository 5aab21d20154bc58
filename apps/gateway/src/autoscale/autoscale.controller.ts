import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { App } from '@nimbus/db';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { CurrentApp } from '../apps/current-app.decorator';
import {
  AutoscalerDto,
  AutoscalerListDto,
  AutoscalerRemovedDto,
  SetAutoscalerDto,
} from './dto/autoscale.dto';
import { AutoscaleService } from './autoscale.service';

@ApiTags('autoscale')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app/autoscale')
export class AutoscaleController {
  constructor(private readonly autoscale: AutoscaleService) {}

  /** The app's autoscaled process types, with their instances now and whether they are idle. */
  @Get()
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: AutoscalerListDto })
  list(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App) {
    return this.autoscale.list(access, app);
  }

  /**
   * Autoscales a process type between `min` and `max` on the targets given. With none, CPU at
   * 80% (Kubernetes' default); for web with `min` 0, 100 requests in flight (Knative's default).
   */
  @Put(':processType')
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: AutoscalerDto })
  set(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Param('processType') type: string,
    @Body() body: SetAutoscalerDto,
    @RequestId() requestId: string | null,
  ) {
    return this.autoscale.set(principal, access, app, type, body, requestId);
  }

  /** Stops autoscaling the type; it keeps its instances (one, if it was idle at zero). */
  @Delete(':processType')
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: AutoscalerRemovedDto })
  remove(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Param('processType') type: string,
    @RequestId() requestId: string | null,
  ) {
    return this.autoscale.remove(principal, access, app, type, requestId);
  }
}
