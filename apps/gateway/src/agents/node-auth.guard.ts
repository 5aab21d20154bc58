import { HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { hashApiToken } from '@nimbus/crypto';
import type { Node } from '@nimbus/db';
import { ProblemException } from '../common/problem';
import { PrismaService } from '../infra/prisma.service';

declare module 'express' {
  interface Request {
    /** The node whose agent is calling, on agent routes. */
    node?: Node;
  }
}

/** Agents authenticate with their node's credential, and act only on that node's instances. */
@Injectable()
export class NodeAuthGuard implements CanActivate {
  constructor(private readonly prisma: PrismaService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const node = token
      ? await this.prisma.client.node.findUnique({ where: { tokenHash: hashApiToken(token) } })
      : null;
    if (!node)
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'node/unauthenticated',
        'a valid node credential is required',
      );
    request.node = node;
    return true;
  }
}
