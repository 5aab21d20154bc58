import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { static as serveStatic, type Express, type NextFunction, type Request, type Response } from 'express';
import compression from 'compression';
import type { Logger } from '@nimbus/logging';

const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * The console's own page: only what the console itself serves may run, connect or be framed,
 * so an injected script could neither load nor send anywhere else.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

function securityHeaders(response: Response): void {
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'same-origin');
  response.setHeader('X-Frame-Options', 'DENY');
}

/**
 * Serves the built console (apps/console/dist) at /console/: hashed assets cached for a year,
 * index.html for every other path under /console/ (the console routes in the browser) and never
 * cached, so a new build is picked up on the next load. Without a build, /console/ says how to
 * make one.
 */
export function serveConsole(server: Express, directory: string, logger: Logger): void {
  const index = join(directory, 'index.html');
  if (!existsSync(index))
    logger.warn({ directory }, 'console not built: /console/ answers 503 until `npm run build`');

  // The console's script is its weight: gzip brings its first load from ~400 KB to ~130 KB.
  server.use('/console', compression());
  server.use(
    '/console/assets',
    serveStatic(join(directory, 'assets'), {
      immutable: true,
      maxAge: YEAR_SECONDS * 1000,
      index: false,
      setHeaders: securityHeaders,
    }),
  );
  server.use('/console/assets', (_request: Request, response: Response) => {
    response.status(404).type('text/plain').send('No such console asset (a newer build replaced it?).\n');
  });
  server.get('/console{/*path}', (request: Request, response: Response, next: NextFunction) => {
    // Relative asset URLs and the browser router need the trailing slash.
    if (!request.originalUrl.startsWith('/console/')) {
      response.redirect(301, '/console/');
      return;
    }
    securityHeaders(response);
    if (!existsSync(index)) {
      response
        .status(503)
        .type('text/plain')
        .send('The console is not built. Run `npm run build` and reload.\n');
      return;
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(index, (error?: Error) => {
      if (error && !response.headersSent) next(error);
    });
  });
}
