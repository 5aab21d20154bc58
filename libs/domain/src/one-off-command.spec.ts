import { resolveOneOffCommand } from './one-off-command';

describe(resolveOneOffCommand.name, () => {
  const types = { web: 'node server.js', console: 'node --experimental-repl-await repl.js' };

  it.each([
    ['console', 'node --experimental-repl-await repl.js'],
    ['console --sandbox "a b"', 'node --experimental-repl-await repl.js --sandbox "a b"'],
    ['  web', 'node server.js'],
    ['web\t--inspect', 'node server.js\t--inspect'],
  ])('should run the process type named by the first word: %j', (command, expected) => {
    expect(resolveOneOffCommand(command, types)).toBe(expected);
  });

  it.each([['node -e "1"'], ['consoles'], ['bash -c console'], ['constructor'], ['toString x'], ['']])(
    'should run anything else as written: %j',
    (command) => {
      expect(resolveOneOffCommand(command, types)).toBe(command);
    },
  );
});
