import { Module } from '@nestjs/common';
import { AccessService } from './access.service';
import { AuthCacheService } from './auth-cache.service';

/** Which tenant (and namespace) a caller may act in, and the cache of those facts. */
@Module({
  providers: [AuthCacheService, AccessService],
  exports: [AuthCacheService, AccessService],
})
export class AccessModule {}
