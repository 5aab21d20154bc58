import { readFileSync } from 'node:fs';
import { Argument, type Command } from 'commander';
import { appOption, defineCommand, type CliContext, type JsonOption } from '../context';
import { describeExpiry } from '../certificate-expiry';
import { CliError } from '../errors';
import { emit, formatDate, print, printTable } from '../output';
import { resolveApp } from '../scope';

interface AppOptions extends JsonOption {
  app: string;
}

interface AddOptions extends AppOptions {
  cert: string;
  key: string;
}

const REDIRECT_STATES = ['on', 'off'] as const;
type RedirectState = (typeof REDIRECT_STATES)[number];

const redirectLine = (enabled: boolean) => `HTTP → HTTPS redirect: ${enabled ? 'on' : 'off'}`;

/** Why a file could not be read, in words rather than Node's `ENOENT: ..., open '...'`. */
function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : message;
    throw new CliError(`cannot read ${path}: ${why}`);
  }
}

export function registerCertificateCommands(program: Command, context: CliContext): void {
  defineCommand(program, 'certs', "list an app's TLS certificates and whether it redirects HTTP to HTTPS")
    .addOption(appOption().makeOptionMandatory())
    .action(async (options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const session = context.session();
      const [certificates, redirect] = await Promise.all([
        session.call((client) =>
          client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/certificates', {
            params: { path },
          }),
        ),
        session.call((client) =>
          client.GET('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/https-redirect', {
            params: { path },
          }),
        ),
      ]);
      emit(options.json, { certificates, httpsRedirect: redirect.enabled }, () => {
        if (certificates.length === 0) {
          print(`${path.app} has no certificates.`);
        } else {
          const now = Date.now();
          printTable(
            ['name', 'hostnames', 'expires', 'serves'],
            certificates.map((certificate) => [
              certificate.name,
              certificate.hostnames.join(', '),
              `${formatDate(certificate.notAfter)} (${describeExpiry(certificate.notAfter, now)})`,
              certificate.serves.length > 0 ? certificate.serves.join(', ') : "none of the app's hosts",
            ]),
          );
        }
        print(redirectLine(redirect.enabled));
      });
    });

  defineCommand(program, 'certs:add', "serve an app's hosts over HTTPS with a certificate and its key")
    .addOption(appOption().makeOptionMandatory())
    .requiredOption('--cert <file>', 'the certificate, then its chain, PEM')
    .requiredOption('--key <file>', "the certificate's private key, PEM, without a passphrase")
    .action(async (options: AddOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const body = { certificate: readPem(options.cert), key: readPem(options.key) };
      const added = await context.session().call((client) =>
        client.POST('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/certificates', {
          params: { path },
          body,
        }),
      );
      emit(options.json, added, () => {
        print(
          `Added ${added.name} to ${path.app}: ${added.hostnames.join(', ')}; expires ${formatDate(added.notAfter)}`,
        );
        if (added.serves.length === 0) {
          print(
            `It serves none of ${path.app}'s hosts yet: add the domain it names with \`nimbus domains:add -a ${options.app} HOSTNAME\``,
          );
        }
      });
    });

  defineCommand(program, 'certs:remove <name>', 'stop serving a certificate and forget it and its key')
    .addOption(appOption().makeOptionMandatory())
    .action(async (name: string, options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const removed = await context.session().call((client) =>
        client.DELETE('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/certificates/{name}', {
          params: { path: { ...path, name } },
        }),
      );
      emit(options.json, removed, () => print(`Removed ${removed.name} from ${path.app}`));
    });

  defineCommand(program, 'certs:redirect', 'answer plain HTTP to an app with a redirect to HTTPS, or stop')
    .addArgument(new Argument('<on|off>', 'whether to redirect').choices(REDIRECT_STATES))
    .addOption(appOption().makeOptionMandatory())
    .action(async (state: RedirectState, options: AppOptions) => {
      const path = resolveApp(options.app, context.store.target());
      const redirect = await context.session().call((client) =>
        client.PUT('/v1/tenants/{tenant}/namespaces/{namespace}/apps/{app}/https-redirect', {
          params: { path },
          body: { enabled: state === 'on' },
        }),
      );
      emit(options.json, redirect, () =>
        print(`HTTP → HTTPS redirect for ${path.app}: ${redirect.enabled ? 'on' : 'off'}`),
      );
    });
}
