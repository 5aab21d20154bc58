import { Module } from '@nestjs/common';
import { CertificatesController, HttpsRedirectController } from './certificates.controller';
import { CertificatesService } from './certificates.service';

/** Apps' TLS certificates and their HTTP → HTTPS redirect: what routers serve for their hosts. */
@Module({
  controllers: [CertificatesController, HttpsRedirectController],
  providers: [CertificatesService],
})
export class CertificatesModule {}
