import { Module } from '@nestjs/common';
import { AutoscaleController } from './autoscale.controller';
import { AutoscaleService } from './autoscale.service';

@Module({
  controllers: [AutoscaleController],
  providers: [AutoscaleService],
})
export class AutoscaleModule {}
