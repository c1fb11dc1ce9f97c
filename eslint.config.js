// Type-aware lint rules tsc does not check: a promise nobody awaits or handles loses its error (and, on the stream
// path, its backpressure); `void promise` states that dropping it is deliberate.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/node_modules/**', 'bench/.tmp/**', 'bench/.peers/**', 'drizzle/**', 'coverage/**'] },
  {
    files: ['**/*.ts', 'ui/**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
);
