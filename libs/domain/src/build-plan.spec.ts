import { STATIC_SERVER_COMMAND, UnsupportedAppError, planBuild, type RepositoryFacts } from './build-plan';

const facts = (files: string[], extra: Omit<RepositoryFacts, 'files'> = {}): RepositoryFacts => ({
  files: new Set(files),
  ...extra,
});
const commands = (plan: ReturnType<typeof planBuild>) => plan.steps.map((step) => step.command.join(' '));

describe(planBuild.name, () => {
  it('should build a locked Node.js app with npm ci, its build script, and prune dev dependencies', () => {
    const plan = planBuild(
      facts(['package.json', 'package-lock.json'], {
        packageJson: JSON.stringify({
          scripts: { build: 'tsc', start: 'node dist/index.js' },
          devDependencies: { typescript: '5' },
        }),
      }),
    );
    expect(plan.stack).toBe('node');
    expect(commands(plan)).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run build',
      'npm prune --omit=dev --no-audit --no-fund',
    ]);
    expect(plan.processes).toEqual({ web: 'npm start' });
    expect(plan.release).toBeNull();
  });

  it('should npm install an unlocked app and fall back to server.js', () => {
    const plan = planBuild(facts(['package.json', 'server.js', 'yarn.lock'], { packageJson: '{}' }));
    expect(commands(plan)).toEqual(['npm install --no-audit --no-fund']);
    expect(plan.processes).toEqual({ web: 'node server.js' });
    expect(plan.warnings[0]).toMatch(/yarn\.lock or pnpm-lock\.yaml found/);
  });

  it('should let the Procfile override the default web and set the release command', () => {
    const plan = planBuild(
      facts(['package.json', 'Procfile'], {
        packageJson: JSON.stringify({ scripts: { start: 'node a.js' } }),
        procfile: 'web: node b.js\nworker: node w.js\nrelease: node migrate.js',
      }),
    );
    expect(plan.processes).toEqual({ web: 'node b.js', worker: 'node w.js' });
    expect(plan.release).toBe('node migrate.js');
  });

  it('should build Python apps in a virtualenv', () => {
    expect(
      commands(planBuild(facts(['requirements.txt', 'Procfile'], { procfile: 'web: gunicorn app:app' }))),
    ).toEqual(['python3 -m venv .venv', '.venv/bin/pip install --no-input -r requirements.txt']);
    expect(
      commands(planBuild(facts(['pyproject.toml', 'Procfile'], { procfile: 'web: python -m app' })))[1],
    ).toBe('.venv/bin/pip install --no-input .');
  });

  it('should serve a static site with the built-in server', () => {
    const plan = planBuild(facts(['index.html', 'style.css']));
    expect(plan).toMatchObject({ stack: 'static', steps: [], processes: { web: STATIC_SERVER_COMMAND } });
  });

  it('should run any app with a Procfile', () => {
    const plan = planBuild(facts(['Procfile', 'main.sh'], { procfile: 'worker: ./main.sh' }));
    expect(plan).toMatchObject({ stack: 'procfile', processes: { worker: './main.sh' } });
  });

  it('should refuse what it cannot build, saying what it supports', () => {
    expect(() => planBuild(facts(['main.go']))).toThrow(UnsupportedAppError);
    expect(() => planBuild(facts(['main.go']))).toThrow(
      /no supported app found\. Nimbus builds Node\.js \(package\.json\), Python .* or a Procfile/,
    );
  });

  it.each([
    [['package.json', 'package-lock.json', 'Procfile'], 'node', ['package.json', 'package-lock.json']],
    [['package.json', 'yarn.lock'], 'node', ['package.json', 'yarn.lock']],
    [['requirements.txt', 'pyproject.toml', 'Procfile'], 'python', ['requirements.txt', 'pyproject.toml']],
    [['pyproject.toml', 'Procfile'], 'python', ['pyproject.toml']],
    [['index.html', 'index.php'], 'static', ['index.html']],
    [['Procfile', 'main.sh'], 'procfile', ['Procfile']],
  ])('should say what it detected %j from', (files, stack, detectedFrom) => {
    const plan = planBuild(
      facts(files, { packageJson: '{"scripts":{"start":"node a.js"}}', procfile: 'web: ./main.sh' }),
    );
    expect(plan).toMatchObject({ stack, detectedFrom });
  });

  const SUPPORTED =
    /Nimbus builds Node\.js \(package\.json\), Python \(requirements\.txt or pyproject\.toml\), a static site \(index\.html\), or a Procfile whose commands need no other toolchain\.$/;
  it.each([
    [
      ['go.mod', 'main.go'],
      undefined,
      /^found a Go app \(go\.mod\), which Nimbus cannot build: Nimbus has no Go toolchain\. /,
    ],
    [
      ['go.mod', 'Procfile'],
      'web: bin/server',
      /found a Go app \(go\.mod\).*so the Procfile's commands could not run/,
    ],
    [
      ['Gemfile', 'Gemfile.lock', 'Procfile'],
      'web: bundle exec puma',
      /found a Ruby app \(Gemfile, Gemfile\.lock\).*no Ruby toolchain/,
    ],
    [['composer.json', 'Procfile'], 'web: heroku-php-apache2', /found a PHP app \(composer\.json\)/],
    [['index.php'], undefined, /found a PHP app \(index\.php\).*no PHP toolchain/],
    [
      ['Dockerfile', 'Procfile'],
      'web: ./run.sh',
      /found a Docker build \(Dockerfile\).*does not build Dockerfiles/,
    ],
    [['Dockerfile', 'Gemfile'], undefined, /found a Ruby app \(Gemfile\) and a Docker build \(Dockerfile\)/],
    [
      ['.buildpacks', 'package.json'],
      undefined,
      /^found \.buildpacks, which asks for buildpacks \(multi-buildpack\)/,
    ],
    [['.buildpacks', 'Procfile'], 'web: ./run.sh', /Nimbus does not run buildpacks/],
  ])('should refuse %j, naming what it found and the supported stacks', (files, procfile, message) => {
    const attempt = () =>
      planBuild(
        facts(files, {
          packageJson: '{"scripts":{"start":"node a.js"}}',
          ...(procfile !== undefined ? { procfile } : {}),
        }),
      );
    expect(attempt).toThrow(UnsupportedAppError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(SUPPORTED);
  });

  it.each([
    [
      ['package.json', 'Dockerfile'],
      /^Dockerfile ignored \(Nimbus does not build Dockerfiles\): this app builds as Node\.js \(package\.json\)$/,
    ],
    [
      ['requirements.txt', 'Dockerfile', 'Procfile'],
      /^Dockerfile ignored .* builds as Python \(requirements\.txt\)$/,
    ],
    [
      ['package.json', 'Gemfile'],
      /^Gemfile ignored \(Nimbus has no Ruby toolchain\): this app builds as Node\.js/,
    ],
    [['index.html', 'composer.json'], /^composer\.json ignored .* builds as a static site \(index\.html\)$/],
  ])('should build %j with a warning that the other stack is ignored', (files, warning) => {
    const plan = planBuild(
      facts(files, { packageJson: '{"scripts":{"start":"node a.js"}}', procfile: 'web: gunicorn app:app' }),
    );
    expect(plan.warnings).toEqual([expect.stringMatching(warning)]);
  });

  it('should refuse an app with nothing to run', () => {
    expect(() => planBuild(facts(['package.json'], { packageJson: '{}' }))).toThrow(/add a "start" script/);
    expect(() => planBuild(facts(['requirements.txt']))).toThrow(/add a Procfile/);
    expect(() => planBuild(facts(['Procfile'], { procfile: 'release: ./migrate' }))).toThrow(
      /add a Procfile/,
    );
  });

  it('should refuse a package.json that is not an object', () => {
    expect(() => planBuild(facts(['package.json'], { packageJson: '[1]' }))).toThrow(
      /package\.json is not a valid JSON object/,
    );
  });
});
