/** Unit specs sit beside the code; integration and end-to-end specs live under test/. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc, '^.+\\.mjs$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(openapi-fetch)/)'],
  moduleNameMapper: {
    // Apps that tests drive from outside are imported by name, through their public src/index.ts.
    '^@nimbus/(gateway|agent|builder|orchestrator|router|cli)$': '<rootDir>/apps/$1/src',
    '^@nimbus/([a-z-]+)$': '<rootDir>/libs/$1/src',
    // Generated and node16-style sources import siblings as .js; Jest resolves the .ts file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: [
    '<rootDir>/libs/*/src/**/*.spec.ts',
    '<rootDir>/apps/*/src/**/*.spec.ts',
    '<rootDir>/apps/*/test/**/*.spec.ts',
    '<rootDir>/test/**/*.spec.ts',
    '<rootDir>/bench/**/*.spec.ts',
  ],
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
