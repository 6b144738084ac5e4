// Measures the peak RSS of one real `lora train` run (load, quantize, one optimizer step) on a random-weight
// checkpoint of a real config.json, and records it in fixtures/measured-peak-rss.json for the planner's accuracy test
// (src/memory-plan-measured.test.ts), with the config.json itself. Run from the repository root, one run at a time:
//
//   npx tsx --conditions=@lora/source packages/sft/scripts/measure-peak-rss.ts --name qwen2.5-0.5b-t93 \
//     --config ../shared/fixtures/qwen2.5-instruct/config.qwen2.5-0.5b-instruct.resaved-4.49.json \
//     --tokenizer ../shared/fixtures/qwen2.5-instruct --tokens 93
//
// The run itself (checkpoint, data, `lora train` under /usr/bin/time) is @lora/bench's src/peak-rss-run.ts, which the
// bench's QLoRA memory row uses too: a bf16 random-weight checkpoint under --dir (kept between runs), `--examples`
// rows of exactly `--tokens` ids, QLoRA (NF4 + double quant, r16 on every linear, batch 1, --max-steps 1,
// --gradient-checkpointing when asked).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measurePeakRss } from '../../bench/src/peak-rss-run.js';
import type { MeasuredRun } from '../src/memory-plan-measured.js';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string' },
    config: { type: 'string' },
    tokenizer: { type: 'string' },
    tokens: { type: 'string', default: '93' },
    examples: { type: 'string', default: '4' },
    dir: { type: 'string', default: join(os.tmpdir(), 'lora-peak-rss') },
    'lora-dropout': { type: 'string', default: '0.05' },
    keep: { type: 'boolean', default: false },
    'gradient-checkpointing': { type: 'boolean', default: false },
  },
});
if (!args.name || !args.config || !args.tokenizer)
  throw new Error('measure-peak-rss: expected --name, --config and --tokenizer, got some missing');

const { record } = await measurePeakRss({
  name: args.name,
  config: args.config,
  tokenizer: args.tokenizer,
  tokens: Number(args.tokens),
  examples: Number(args.examples),
  dir: args.dir,
  loraDropout: Number(args['lora-dropout']),
  gradientCheckpointing: args['gradient-checkpointing'],
  keep: args.keep,
});
const fixture = fileURLToPath(new URL('../fixtures/measured-peak-rss.json', import.meta.url));
const all = existsSync(fixture)
  ? (JSON.parse(readFileSync(fixture, 'utf8')) as { runs: MeasuredRun[] })
  : { runs: [] };
all.runs = [...all.runs.filter((r) => r.name !== record.name), record];
writeFileSync(fixture, `${JSON.stringify(all, null, 2)}\n`);
console.log(
  `${record.name}: peak RSS ${(record.peakRssBytes / 2 ** 30).toFixed(3)} GiB in ${record.wallSeconds} s`,
);
