import { execFileSync } from 'node:child_process';
import { commandLine, shellQuote } from './shell-command';

/** The arguments `sh -c` hands a program after its name, as that program sees them. */
const argvSeenBySh = (line: string): string[] =>
  JSON.parse(
    execFileSync(
      'sh',
      ['-c', `${process.execPath} -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${line}`],
      {
        encoding: 'utf8',
      },
    ),
  ) as string[];

describe(commandLine.name, () => {
  it('should keep each of several arguments one argument, whatever it holds', () => {
    const args = [
      '-e',
      'process.exit(3)',
      "it's",
      'a b',
      '$HOME',
      '`id`',
      '*',
      '',
      'x"y',
      'tab\there',
      'new\nline',
      '~',
    ];
    expect(argvSeenBySh(commandLine(args))).toEqual(args);
  });

  it('should leave plain words bare', () => {
    expect(commandLine(['node', '-e', 'process.exit(3)'])).toBe("node -e 'process.exit(3)'");
    expect(commandLine(['PORT=5000', 'npm', 'run', 'migrate:up', '--', '--to=v2'])).toBe(
      'PORT=5000 npm run migrate:up -- --to=v2',
    );
  });

  it('should take one argument as a command line, as Heroku does', () => {
    expect(commandLine(['rake db:migrate && rake seed'])).toBe('rake db:migrate && rake seed');
  });

  it('should refuse an empty command', () => {
    expect(() => commandLine([])).toThrow('name the command to run');
    expect(() => commandLine(['  '])).toThrow('name the command to run');
  });
});

describe(shellQuote.name, () => {
  it("should write a single quote as '\\''", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
