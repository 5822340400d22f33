/** Functions, scripts, simulators and integration tests. The plugin has its own jest config. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/functions', '<rootDir>/scripts', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': '<rootDir>/test/jest-transform.cjs' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
};
