import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { WasmBackendError } from './errors.js';
import { resolveSimdMode, SIMD_ENV_VAR } from './simd-mode.js';

describe('resolveSimdMode', () => {
  test.each([
    { option: undefined, env: undefined, expected: 'auto' },
    { option: undefined, env: ' ', expected: 'auto' },
    { option: undefined, env: 'baseline', expected: 'baseline' },
    { option: undefined, env: ' relaxed ', expected: 'relaxed' },
    { option: 'auto', env: 'baseline', expected: 'auto' },
    { option: 'baseline', env: 'relaxed', expected: 'baseline' },
    { option: 'relaxed', env: undefined, expected: 'relaxed' },
  ])('option $option, LORA_WASM_SIMD "$env" → $expected', ({ option, env, expected }) => {
    expect(resolveSimdMode(option, env)).toBe(expected);
  });

  test.each([
    { option: 'fma', env: undefined, message: 'simd expected one of auto, relaxed, baseline, got "fma"' },
    {
      option: undefined,
      env: 'yes',
      message: `${SIMD_ENV_VAR} expected one of auto, relaxed, baseline, got "yes"`,
    },
    {
      option: undefined,
      env: 'Relaxed',
      message: `${SIMD_ENV_VAR} expected one of auto, relaxed, baseline, got "Relaxed"`,
    },
  ])('rejects option $option / LORA_WASM_SIMD "$env"', ({ option, env, message }) => {
    expect(() => resolveSimdMode(option, env)).toThrow(WasmBackendError);
    expect(() => resolveSimdMode(option, env)).toThrow(message);
  });
});

// The V8 flag is process-wide, so these run in a fresh Node process with no flags: what it validates before,
// what 'baseline' and LORA_WASM_SIMD=baseline leave alone, and what 'auto' then obtains.
const CHILD = `
const { WasmGemmEngine } = await import(${JSON.stringify(new URL('./engine.ts', import.meta.url).href)});
const { detectFeatures } = await import(${JSON.stringify(new URL('./features.ts', import.meta.url).href)});
const report = { before: detectFeatures().relaxedSimd };
const create = async (options) => {
  const engine = await WasmGemmEngine.create({ threads: 1, ...options });
  return [engine.describe(), engine.relaxedSimd, detectFeatures().relaxedSimd];
};
report.baseline = await create({ simd: 'baseline' });
process.env.${SIMD_ENV_VAR} = 'baseline';
report.envBaseline = await create({});
process.env.${SIMD_ENV_VAR} = 'fma';
report.envBad = await create({}).catch((e) => e.name + ': ' + e.message);
delete process.env.${SIMD_ENV_VAR};
report.auto = await create({});
report.relaxed = await create({ simd: 'relaxed' });
console.log(JSON.stringify(report));
`;

describe('relaxed SIMD where the engine can have it (in a fresh Node process)', () => {
  test('auto sets the V8 flag only when needed and says so; baseline leaves it alone', () => {
    const env = { ...process.env };
    delete env[SIMD_ENV_VAR];
    delete env.NODE_OPTIONS;
    const stdout = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@lora/source', '--input-type=module', '-e', CHILD],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), env, encoding: 'utf8' },
    );
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
    const native = report.before as boolean;
    // baseline, by option or by environment: the baseline build, and the flag untouched
    expect(report.baseline).toEqual(['WebAssembly SIMD, no relaxed SIMD, 1 thread', 'none', native]);
    expect(report.envBaseline).toEqual(report.baseline);
    expect(report.envBad).toBe(
      'WasmBackendError: wasm backend: LORA_WASM_SIMD expected one of auto, relaxed, baseline, got "fma"',
    );
    // auto: relaxed FMA either way, and honest about how it got it
    const how = native ? 'relaxed FMA' : 'relaxed FMA (V8 flag set at run time)';
    const source = native ? 'native' : 'v8-flag';
    expect(report.auto).toEqual([`WebAssembly SIMD, ${how}, 1 thread`, source, true]);
    expect(report.relaxed).toEqual(report.auto);
  });
});
