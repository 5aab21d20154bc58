import { Module } from '@nestjs/common';
import { AccessModule } from '../auth/access.module';
import { NamespacesController } from './namespaces.controller';
import { NamespacesService } from './namespaces.service';

@Module({
  imports: [AccessModule],
  controllers: [NamespacesController],
  providers: [NamespacesService],
})
export class NamespacesModule {}
