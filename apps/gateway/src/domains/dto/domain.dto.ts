import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const addDomainSchema = z.strictObject({
  hostname: z
    .string()
    .min(1)
    .max(255)
    .describe('www.example.com, or *.example.com for every name one level below it'),
});
export class AddDomainDto extends createZodDto(addDomainSchema) {}

export const domainSchema = z.object({
  hostname: z.string(),
  createdAt: z.iso.datetime(),
});
export class DomainDto extends createZodDto(domainSchema) {}
export class DomainListDto extends createZodDto(z.array(domainSchema)) {}
