import { parseProcfile } from './procfile';

describe(parseProcfile.name, () => {
  it('should read types and commands, ignoring comments and blank lines', () => {
    const { processes, warnings } = parseProcfile(
      [
        '# the web tier',
        'web: node server.js --port $PORT',
        '',
        '   ',
        'worker:   node worker.js  ',
        'release: npm run migrate',
      ].join('\n'),
    );
    expect([...processes]).toEqual([
      ['web', 'node server.js --port $PORT'],
      ['worker', 'node worker.js'],
      ['release', 'npm run migrate'],
    ]);
    expect(warnings).toEqual([]);
  });

  it('should accept CRLF line endings and names with dashes and underscores', () => {
    const { processes } = parseProcfile('web: a\r\nclock-2: b\r\nsmtp_in: c\r\n');
    expect([...processes.keys()]).toEqual(['web', 'clock-2', 'smtp_in']);
  });

  it('should keep colons inside the command', () => {
    expect(parseProcfile('web: env TZ=UTC:0 node s.js').processes.get('web')).toBe('env TZ=UTC:0 node s.js');
  });

  it('should ignore malformed lines, saying which', () => {
    const { processes, warnings } = parseProcfile('web node server.js\nweb.1: x\nworker:\nok: run');
    expect([...processes]).toEqual([['ok', 'run']]);
    expect(warnings).toEqual([
      'line 1 ignored: expected "type: command", got "web node server.js"',
      'line 2 ignored: expected "type: command", got "web.1: x"',
      'line 3 ignored: expected "type: command", got "worker:"',
    ]);
  });

  it('should let a repeated type take its last command, with a warning', () => {
    const { processes, warnings } = parseProcfile('web: one\nweb: two');
    expect(processes.get('web')).toBe('two');
    expect(warnings).toEqual([
      'line 2: process type "web" declared again; this command replaces the earlier one',
    ]);
  });

  it('should refuse absurdly long type names', () => {
    const { processes, warnings } = parseProcfile(`${'x'.repeat(31)}: run`);
    expect(processes.size).toBe(0);
    expect(warnings[0]).toMatch(/longer than 30 characters/);
  });
});
