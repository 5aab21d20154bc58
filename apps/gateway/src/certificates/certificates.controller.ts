import { Body, Controller, Delete, Get, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import type { App } from '@nimbus/db';
import { CurrentAccess, CurrentPrincipal, RequestId, RequireRole } from '../auth/auth.decorators';
import type { Principal, TenantAccess } from '../auth/principal';
import { CurrentApp } from '../apps/current-app.decorator';
import {
  AddCertificateDto,
  CertificateDto,
  CertificateListDto,
  HttpsRedirectDto,
  SetHttpsRedirectDto,
} from './dto/certificate.dto';
import { CertificatesService } from './certificates.service';

@ApiTags('certificates')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app/certificates')
export class CertificatesController {
  constructor(private readonly certificates: CertificatesService) {}

  /** The app's TLS certificates, oldest first, each with the app's hosts it is served for. */
  @Get()
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: CertificateListDto })
  list(@CurrentAccess() access: TenantAccess, @CurrentApp() app: App) {
    return this.certificates.list(access, app);
  }

  /**
   * Serves the app's hosts that the certificate names over HTTPS. The key must be the
   * certificate's and unencrypted, the certificate unexpired (400 naming the field otherwise); the
   * same certificate twice is refused (409). The key is stored sealed and never shown again.
   */
  @Post()
  @RequireRole('developer')
  @ZodResponse({ status: 201, type: CertificateDto })
  add(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Body() body: AddCertificateDto,
    @RequestId() requestId: string | null,
  ) {
    return this.certificates.add(principal, access, app, body, requestId);
  }

  @Delete(':name')
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: CertificateDto })
  remove(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Param('name') name: string,
    @RequestId() requestId: string | null,
  ) {
    return this.certificates.remove(principal, access, app, name, requestId);
  }
}

@ApiTags('certificates')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/namespaces/:namespace/apps/:app/https-redirect')
export class HttpsRedirectController {
  constructor(private readonly certificates: CertificatesService) {}

  /** Whether plain HTTP to the app's hosts is redirected to HTTPS. */
  @Get()
  @RequireRole('viewer')
  @ZodResponse({ status: 200, type: HttpsRedirectDto })
  get(@CurrentApp() app: App) {
    return this.certificates.httpsRedirect(app);
  }

  /** Turns the redirect on or off, for all of the app's hosts at once. */
  @Put()
  @RequireRole('developer')
  @ZodResponse({ status: 200, type: HttpsRedirectDto })
  set(
    @CurrentPrincipal() principal: Principal,
    @CurrentAccess() access: TenantAccess,
    @CurrentApp() app: App,
    @Body() body: SetHttpsRedirectDto,
    @RequestId() requestId: string | null,
  ) {
    return this.certificates.setHttpsRedirect(principal, access, app, body.enabled, requestId);
  }
}
