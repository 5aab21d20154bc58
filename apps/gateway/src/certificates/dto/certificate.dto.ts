import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** Far above a real chain (a few KiB) and key, well inside the gateway's body limit for both. */
const MAX_PEM_LENGTH = 64 * 1024;

export const addCertificateSchema = z.strictObject({
  certificate: z
    .string()
    .min(1)
    .max(MAX_PEM_LENGTH)
    .describe('PEM: the certificate, then the intermediates of its chain, as a web server takes them'),
  key: z.string().min(1).max(MAX_PEM_LENGTH).describe("PEM: the certificate's private key, unencrypted"),
});
export class AddCertificateDto extends createZodDto(addCertificateSchema) {}

export const certificateSchema = z.object({
  name: z.string().describe('What certs:remove takes: "cert-" and the start of the fingerprint'),
  hostnames: z.array(z.string()).describe('The names it is valid for; *.example.com for a wildcard'),
  subject: z.string(),
  issuer: z.string(),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  fingerprint: z.string().describe('SHA-256 of the certificate (DER), hex'),
  createdAt: z.iso.datetime(),
  serves: z
    .array(z.string())
    .describe("The app's hosts (its own and its custom domains) it is served for, sorted"),
});
export class CertificateDto extends createZodDto(certificateSchema) {}
export class CertificateListDto extends createZodDto(z.array(certificateSchema)) {}

export const setHttpsRedirectSchema = z.strictObject({
  enabled: z.boolean().describe('Answer plain HTTP to any of the app’s hosts with a redirect to HTTPS'),
});
export class SetHttpsRedirectDto extends createZodDto(setHttpsRedirectSchema) {}

export const httpsRedirectSchema = z.object({ enabled: z.boolean() });
export class HttpsRedirectDto extends createZodDto(httpsRedirectSchema) {}
