import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodResponse } from 'nestjs-zod';
import { CurrentPrincipal, RequestId } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { CreatedTokenDto, CreateTokenDto, TokenDto, TokenListDto } from './dto/token.dto';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/tokens')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Get()
  @ZodResponse({ status: 200, type: TokenListDto })
  list(@CurrentPrincipal() principal: Principal) {
    return this.tokens.list(principal);
  }

  @Post()
  @ZodResponse({ status: 201, type: CreatedTokenDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateTokenDto,
    @RequestId() requestId: string | null,
  ) {
    return this.tokens.create(principal, body, requestId);
  }

  @Delete(':id')
  @ZodResponse({ status: 200, type: TokenDto })
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @RequestId() requestId: string | null,
  ) {
    return this.tokens.revoke(principal, id, requestId);
  }
}
