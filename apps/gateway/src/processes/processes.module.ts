import { Module } from '@nestjs/common';
import { AppLogsService } from './app-logs.service';
import { FormationService } from './formation.service';
import { ProcessesController } from './processes.controller';
import { ProcessesService } from './processes.service';
import { RunsService } from './runs.service';

@Module({
  controllers: [ProcessesController],
  providers: [ProcessesService, FormationService, RunsService, AppLogsService],
})
export class ProcessesModule {}
