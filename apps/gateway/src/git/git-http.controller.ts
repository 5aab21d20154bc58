import { All, Controller, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { GitHttpService } from './git-http.service';

/** `git clone` and `git push` at /git/TENANT/NAMESPACE/APP.git; authenticates itself (basic auth). */
@ApiExcludeController()
@Public()
@Controller('git')
export class GitHttpController {
  constructor(private readonly git: GitHttpService) {}

  @All(':tenant/:namespace/:repository/*path')
  serve(
    @Req() request: Request,
    @Res() response: Response,
    @Param('tenant') tenant: string,
    @Param('namespace') namespace: string,
    @Param('repository') repository: string,
    @Param('path') path: string[] | string,
  ) {
    return this.git.serve(request, response, {
      tenant,
      namespace,
      repository,
      path: Array.isArray(path) ? path.join('/') : path,
    });
  }
}
