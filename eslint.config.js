// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/ (docs/architecture.md): what each folder may import besides itself and core/ (the pure
 * model every layer uses). A new upward or sideways import fails the lint; to change the rule, change the
 * architecture document with it.
 */
const FOLDERS = [
  'alerts',
  'api',
  'cli',
  'config',
  'contracts',
  'control',
  'core',
  'modbus',
  'mqtt',
  'ocpp',
  'proxy',
  'sim',
  // src/sim by subsystem (docs/architecture.md); simulate/ and sessions/ (the offline study) are sim/ itself.
  'sim/world',
  'sim/devices',
  'sim/demo',
  'store',
  'web',
];
const ROOT_MODULES = ['app', 'app-*', 'cli', 'ems-view', '*-command'];
const LAYERS = {
  modbus: ['contracts', 'clock'],
  ocpp: ['contracts', 'clock'],
  // contracts/: the interfaces between the control loop and the adapters; nothing but core/ below them.
  contracts: [],
  // control/ sees stations, meters and the EMS through contracts/ only.
  control: ['contracts', 'clock'],
  config: ['contracts', 'modbus', 'ocpp', 'mqtt'],
  // store/ implements the repositories whose record types and interfaces are in contracts/.
  store: ['contracts', 'clock'],
  api: ['contracts', 'control', 'config', 'clock'],
  alerts: ['control', 'config', 'clock'],
  // The cloud relay sits on the OCPP server (inbound middleware, links) and stores its queue.
  proxy: ['contracts', 'ocpp', 'store', 'clock'],
  // MQTT publishes what the API and the EMS map show (their views) and feeds commands to the control loop.
  mqtt: ['contracts', 'api', 'config', 'control', 'modbus', 'ocpp', 'clock', 'ems-view'],
  // The simulator's building blocks: the world (physics, EV model, virtual clock, profiles) drives the
  // simulated devices (stations, meters, batteries) it holds; neither knows the demo or the offline study.
  'sim/world': ['contracts', 'clock', 'sim/devices'],
  'sim/devices': ['contracts', 'clock', 'ocpp', 'modbus', 'sim/world'],
};
/** An import pattern for a folder: its last segment (an import names a sibling as `../devices/...`). */
const folderPattern = (f) => `**/${f.split('/').pop()}/**`;
/** The import rule of a layer: the folders it may not import, with `extra` patterns besides. */
function layerImports(layer, allowed, extra = [], message = undefined) {
  return [
    'error',
    {
      patterns: [
        {
          group: [
            ...FOLDERS.filter(
              (f) => f !== layer && f !== 'core' && !allowed.includes(f) && !layer.startsWith(`${f}/`),
            ).map(folderPattern),
            // The offline study (src/sim/simulate) sits in sim/ itself: world/ and devices/ do not import it.
            ...(layer.startsWith('sim/') ? ['**/simulate/**'] : []),
            ...ROOT_MODULES.filter((m) => !allowed.includes(m)).map((m) => `../**/${m}.ts`),
            ...(allowed.includes('clock') ? [] : ['../**/clock.ts']),
            ...extra,
          ],
          message:
            message ?? `${layer}/ may import only ${['core', ...allowed].join(', ')} (docs/architecture.md)`,
        },
      ],
    },
  ];
}
/** Folders whose time and timers all go through the injected Clock (src/clock.ts). */
const CLOCKED_FOLDERS = ['ocpp', 'store', 'api', 'control', 'alerts', 'modbus', 'mqtt'];
const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  files: [`src/${layer}/**/*.ts`],
  ignores: ['**/*.test.ts', '**/testing/**'],
  rules: { 'no-restricted-imports': layerImports(layer, allowed) },
}));
/** What keeps code pure (core/, the control plan): no timers, no clock reads. */
const PURE_GLOBALS = [
  'error',
  { name: 'setTimeout', message: 'pure code has no timers' },
  { name: 'setInterval', message: 'pure code has no timers' },
  { name: 'performance', message: 'pure code takes time as an argument' },
];
const PURE_PROPERTIES = [
  'error',
  { object: 'Date', property: 'now', message: 'pure code takes time as an argument' },
];

/**
 * Size (issue 13): no file above 450 lines, no function above 100 (blank lines and comments not counted). A
 * longer piece is split by responsibility (docs/architecture.md, "Inside the larger modules"); a function
 * that is right long says why beside an eslint-disable-next-line comment. Tests and testing/ harnesses keep the
 * file limit; their describe() blocks are lists of cases and are not held to the function limit.
 */
const SIZE_RULES = {
  'max-lines': ['error', { max: 450, skipBlankLines: false, skipComments: false }],
  'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }],
};

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'coverage', 'out', 'docs/**/*.html'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // core/ is pure: no I/O, no clocks, nothing outside core/ (README "Layout").
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', '../*/**', '!../core/**'], message: 'core/ is pure: import only from core/' },
          ],
        },
      ],
      'no-restricted-globals': PURE_GLOBALS,
      'no-restricted-properties': PURE_PROPERTIES,
    },
  },
  ...layerRules,
  {
    // Test-only switches (ControlTestSwitches, SimGatewayTestSwitches) turn a safety rule off: only tests and
    // testing/ harnesses set them.
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "Property[key.name=/^(restartGraceMs|countOfflineEmptyPorts|ignoreExpiry)$/], Property[key.name='uncontrolledPorts'][value.value=false]",
          message:
            'a test-only switch (src/control/control-options.ts, ControlTestSwitches): set it in tests only',
        },
      ],
    },
  },
  {
    // The dashboard talks to the API over HTTP. Of the server it imports only the types of the API's answers
    // (api/response-schemas*.ts, through web/app/api-types.ts), which the bundle does not contain.
    files: ['src/web/app/**/*.ts', 'src/web/app/**/*.tsx'],
    rules: {
      // Two rules: typescript-eslint's exempts a type import from every pattern once one allows type imports.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./\\.\\./(?!api/response-schemas(-[a-z]+)?\\.ts$)',
              message:
                'web/app may import (types) only from ../../api/response-schemas*.ts (docs/architecture.md)',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./\\.\\./',
              allowTypeImports: true,
              message: 'web/app imports only types from the server (docs/architecture.md)',
            },
          ],
        },
      ],
    },
  },
  {
    // One clock (src/clock.ts, docs/architecture.md): these layers read time and set timers through the Clock
    // they are given, so tests and simulations can drive them. What must be wall-clock says why beside an
    // eslint-disable comment. Tests and testing/ helpers are exempt.
    files: CLOCKED_FOLDERS.map((f) => `src/${f}/**/*.ts`),
    ignores: ['**/*.test.ts', '**/testing/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use the injected Clock (src/clock.ts)' },
        { name: 'setInterval', message: 'use every(clock, ...) from src/clock.ts' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'use the injected Clock (clock.nowMs())' },
      ],
    },
  },
  {
    // The control plan (docs/architecture.md, "The control plan") is pure like core/: no clock, no timers,
    // not the shell nor the dispatcher (they do the I/O).
    files: ['src/control/plan-*.ts', 'src/control/control-snapshot.ts', 'src/control/battery-control.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': layerImports(
        'control',
        LAYERS.control,
        ['**/clock.ts', '**/dispatcher.ts', '**/control-loop.ts'],
        'the control plan may import only core, contracts and the pure parts of control/ (docs/architecture.md)',
      ),
      'no-restricted-globals': PURE_GLOBALS,
      'no-restricted-properties': PURE_PROPERTIES,
    },
  },
  {
    // No function above 100 lines in the simulator's building blocks and the demo (issue 13).
    files: ['src/sim/world/**/*.ts', 'src/sim/devices/**/*.ts', 'src/sim/demo/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Tests of the core may read their fixture files.
    files: ['src/core/**/*.test.ts', 'src/core/testing/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'bench/**/*.ts'],
    rules: SIZE_RULES,
  },
  {
    files: ['**/*.test.ts', '**/testing/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
);
