import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { ROLES, resourceName } from '@nimbus/domain';

export const createTenantSchema = z.strictObject({ name: resourceName() });
export class CreateTenantDto extends createZodDto(createTenantSchema) {}

export const tenantSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(ROLES).describe('Your role in this tenant'),
  createdAt: z.iso.datetime(),
});
export class TenantDto extends createZodDto(tenantSchema) {}
export class TenantListDto extends createZodDto(z.array(tenantSchema)) {}

export const putMemberSchema = z.strictObject({ role: z.enum(ROLES) });
export class PutMemberDto extends createZodDto(putMemberSchema) {}

export const memberSchema = z.object({
  email: z.string(),
  name: z.string().nullable(),
  role: z.enum(ROLES),
  createdAt: z.iso.datetime(),
});
export class MemberDto extends createZodDto(memberSchema) {}
export class MemberListDto extends createZodDto(z.array(memberSchema)) {}
