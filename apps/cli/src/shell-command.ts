import { CliError } from './errors';

/** Words `sh` reads back unchanged without quotes; `=` stays bare so `NAME=value cmd` still assigns. */
const BARE = /^[A-Za-z0-9_\-+=.,/:@%^]+$/;

/** One argument as `sh` reads it back verbatim: in single quotes, each `'` written as `'\''`. */
export function shellQuote(word: string): string {
  return BARE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line `sh -c` runs for `nimbus run`. A single argument is a command line already, as
 * with `heroku run "rake db:migrate && rake seed"`; several are quoted one by one, so each reaches
 * the program as one argument: `nimbus run -- node -e "process.exit(3)"`.
 */
export function commandLine(args: string[]): string {
  const [only] = args;
  if (args.length === 1 && only !== undefined && only.trim() !== '') return only;
  if (args.length === 0 || args.every((arg) => arg.trim() === ''))
    throw new CliError('name the command to run: nimbus run -a APP -- COMMAND [ARGS…]');
  return args.map(shellQuote).join(' ');
}
