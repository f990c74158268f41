import type { Linter } from 'eslint';

/** The layer and clock rules of eslint.config.js, for test/lint/architecture.test.ts. */
export declare const architectureRules: Linter.Config[];
declare const config: Linter.Config[];
export default config;
