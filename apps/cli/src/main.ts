import { Command, CommanderError } from 'commander';
import { registerAppCommands } from './commands/apps';
import { registerAuthCommands } from './commands/auth';
import { registerAutoscaleCommands } from './commands/autoscale';
import { registerCertificateCommands } from './commands/certs';
import { registerDomainCommands } from './commands/domains';
import { registerBuildCommands } from './commands/builds';
import { registerConfigCommands } from './commands/config';
import { registerLogCommands } from './commands/logs';
import { registerNamespaceCommands } from './commands/namespaces';
import { registerMetricsCommands } from './commands/metrics';
import { registerNodeCommands } from './commands/nodes';
import { registerProcessCommands } from './commands/processes';
import { registerReleaseCommands } from './commands/releases';
import { registerTenantCommands } from './commands/tenants';
import { registerTokenCommands } from './commands/tokens';
import { registerUsageCommands } from './commands/usage';
import { ConfigStore } from './config-store';
import { CliContext } from './context';
import { CliError, errorLine, ExitStatus } from './errors';

export function buildProgram(context: CliContext): Command {
  const program = new Command('nimbus')
    .description('Nimbus: deploy and run twelve-factor apps')
    // Errors are reported once, as one line, by run(); commander's own report is silenced.
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    // Lets `run` stop parsing options at its command: `nimbus run -a web -- ls -la`.
    .enablePositionalOptions();
  registerAuthCommands(program, context);
  registerTenantCommands(program, context);
  registerNamespaceCommands(program, context);
  registerAppCommands(program, context);
  registerConfigCommands(program, context);
  registerBuildCommands(program, context);
  registerReleaseCommands(program, context);
  registerProcessCommands(program, context);
  registerMetricsCommands(program, context);
  registerAutoscaleCommands(program, context);
  registerDomainCommands(program, context);
  registerCertificateCommands(program, context);
  registerLogCommands(program, context);
  registerNodeCommands(program, context);
  registerTokenCommands(program, context);
  registerUsageCommands(program, context);
  return program;
}

/** Runs one command line and returns the exit status; every failure is one `error:` line on stderr. */
export async function run(argv: string[], store: ConfigStore): Promise<number> {
  const program = buildProgram(new CliContext(store));
  if (argv.length <= 2) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    // --help and friends end in a CommanderError too; the help text has already been printed.
    if (
      error instanceof CommanderError &&
      (error.code.startsWith('commander.help') || error.code === 'commander.version')
    ) {
      return error.exitCode;
    }
    if (error instanceof ExitStatus) return error.status;
    process.stderr.write(`${errorLine(error)}\n`);
    return error instanceof CliError ? error.exitStatus : 1;
  }
}

if (require.main === module) {
  void run(process.argv, ConfigStore.fromEnvironment()).then((status) => {
    process.exitCode = status;
  });
}
