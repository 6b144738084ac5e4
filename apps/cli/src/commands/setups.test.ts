// The five fine-tuning setups this project was built from, end to end from their example configs. Each runs in a
// copy of the repository layout (examples/, models/, data/, runs/), so the configs run with their own relative
// paths; models/ holds tiny checkpoints that speak the family's REAL tokenizer (the shared fixtures'
// tokenizer.json, the real vocabulary size and special-token ids), data/ a small slice of a real dataset. A few
// steps each, checked by the files and numbers they write.
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getChatFormat } from '@lora/chatml';
import { loadDataset, TOPIC_INSTRUCTION, tokenizeDataset, topicClassificationTask } from '@lora/datasets';
import { parseSafetensors } from '@lora/safetensors';
import { formatBytes } from '@lora/sft';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import type { Tokenizer } from '@lora/tokenize';
import { beforeAll, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { REAL_FAMILIES, writeRealTokenizerModel } from '../test-support/real-tokenizer-models.js';
import { tempDir } from '../test-support/temp-dir.js';

const examplesDir = new URL('../../examples/', import.meta.url).pathname;
const root = tempDir('lora-cli-setups-');
const tokenizers: Record<'qwen2' | 'llama' | 'gpt2', Tokenizer> = {} as never;

/** Run the CLI in the layout's root; a failure shows the command and its stderr. */
async function lora(...argv: string[]) {
  const r = await runCli(argv, root);
  expect(r.code, `lora ${argv.join(' ')}\n${r.err}`).toBe(0);
  return r;
}

const at = (...parts: string[]) => resolve(root, ...parts);
const json = (...parts: string[]) => JSON.parse(readFileSync(at(...parts), 'utf8'));
const lines = (...parts: string[]) =>
  readFileSync(at(...parts), 'utf8')
    .trimEnd()
    .split('\n');
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const checkpoints = (run: string) =>
  readdirSync(run)
    .filter((f) => f.startsWith('checkpoint-'))
    .sort();
/** every tensor of a safetensors file: name → shape */
const shapes = (file: string) => {
  const st = parseSafetensors(readFileSync(file), file);
  return Object.fromEntries(st.tensorNames().map((n) => [n, st.info(n).shape]));
};
const expectPerplexityOfLoss = (s: { loss: number; perplexity: number }) =>
  expect(s.perplexity).toBeCloseTo(Math.exp(s.loss), 6);

/** Copy an example into the layout, edited by `edit` (a test-sized sample or sweep) when given. */
function example(file: string, edit?: (config: Record<string, unknown>) => void): string {
  const target = at('examples', file);
  if (!edit) copyFileSync(join(examplesDir, file), target);
  else {
    const config = parse(readFileSync(join(examplesDir, file), 'utf8')) as Record<string, unknown>;
    edit(config);
    writeFileSync(target, stringify(config));
  }
  return join('examples', file);
}

describeWithFixtures('the five setups, on tiny checkpoints with the real tokenizers', () => {
  beforeAll(async () => {
    for (const dir of ['examples', 'models', 'data', 'runs']) mkdirSync(at(dir), { recursive: true });
    const fixtures = sharedFixture();
    tokenizers.qwen2 = await writeRealTokenizerModel(
      at('models', 'Qwen2.5-1.5B-Instruct'),
      fixtures,
      REAL_FAMILIES.qwen2,
    );
    cpSync(at('models', 'Qwen2.5-1.5B-Instruct'), at('models', 'Qwen2-0.5B-Instruct'), { recursive: true });
    tokenizers.llama = await writeRealTokenizerModel(
      at('models', 'TinyLlama-1.1B-Chat-v1.0'),
      fixtures,
      REAL_FAMILIES.llama,
    );
    tokenizers.gpt2 = await writeRealTokenizerModel(at('models', 'gpt2'), fixtures, REAL_FAMILIES.gpt2);
  });

  test('1. Qwen2.5-1.5B QLoRA recipe: two sources → seeded 90/10 ChatML split → NF4 r16 on all 7 projections', async () => {
    // 25 Stanford Alpaca rows around one with an empty output (index 2335), and MedicalGPT's ShareGPT conversations
    const alpaca = JSON.parse(
      readFileSync(sharedFixture('datasets', 'stanford_alpaca', 'alpaca_5000.json'), 'utf8'),
    );
    writeFileSync(at('data', 'alpaca_data.json'), JSON.stringify(alpaca.slice(2320, 2345)));
    copyFileSync(
      sharedFixture('datasets', 'medicalgpt', 'medical_sft_1K_format.jsonl'),
      at('data', 'medical_sft_1K_format.jsonl'),
    );
    const data = example('qwen2.5-1.5b-qlora-data.yml', (c) => {
      (c.sources as { sample?: number }[])[1]!.sample = 3; // 500 of the 1,000 conversations in the recipe
    });
    const prepared = await lora('prepare', '--config', data);
    expect(prepared.out).toMatch(
      /alpaca_data\.json: 25 records, 24 examples as alpaca, 24 used, 1 skipped \(empty target/,
    );
    expect(prepared.out).toMatch(
      /medical_sft_1K_format\.jsonl: 1000 records, 1000 examples as messages, 3 used/,
    );
    const train = lines('data', 'qwen2.5-sft', 'train.jsonl');
    const held = lines('data', 'qwen2.5-sft', 'eval.jsonl');
    expect([train.length, held.length]).toEqual([24, 3]); // n = 27, n_eval = ceil(0.1 · 27)
    expect(new Set([...train, ...held]).size).toBe(27);
    for (const line of [...train, ...held]) {
      const { messages } = JSON.parse(line) as { messages: { role: string; content: string }[] };
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(messages[1]!.content).not.toBe('');
    }
    // the same seed writes the same bytes; another seed another split of the same sizes
    await lora('prepare', '--config', data, '--output', 'data/again');
    expect(readFileSync(at('data', 'again', 'train.jsonl'), 'utf8')).toBe(`${train.join('\n')}\n`);
    expect(readFileSync(at('data', 'again', 'eval.jsonl'), 'utf8')).toBe(`${held.join('\n')}\n`);
    await lora('prepare', '--config', data, '--output', 'data/seed7', '--seed', '7');
    expect(lines('data', 'seed7', 'train.jsonl')).not.toEqual(train);
    expect(lines('data', 'seed7', 'eval.jsonl')).toHaveLength(3);

    const config = example('qwen2.5-1.5b-qlora-recipe.yml');
    const r = await lora(
      ...['train', '--config', config, '--max-steps', '4', '--eval-steps', '2', '--save-steps', '2'],
      ...['--eval-prompts', '2', '--max-new-tokens', '2'],
    );
    expect(r.err).toMatch(/^note: qwen2\.5-1\.5b-qlora-recipe\.yml line \d+: optim: runs plain AdamW/);
    expect(r.out).toMatch(/^train \(messages data, chatml format\): 24\/24 examples, \d+ tokens/m);
    expect(r.out).toMatch(/^eval: 3\/3 examples/m);
    expect(r.out).toMatch(/NF4 \+ double quant 4-bit base; trainable params: 8,192 \|\| all params: /);
    expect(r.out).toContain('training: 4 steps (24 examples, batch 1 × 4 accumulation)');
    const run = at('runs', 'qwen2.5-1.5b-qlora-recipe');
    const seven = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
    const runConfig = json('runs', 'qwen2.5-1.5b-qlora-recipe', 'run_config.json');
    expect(runConfig).toMatchObject({
      ...{ quant: 'nf4', double_quant: true, lora_r: 16, lora_alpha: 32, lora_dropout: 0.05 },
      ...{ target_modules: seven, batch_size: 1, grad_accum: 4, lr: 2e-4, epochs: 1, max_length: 512 },
      ...{ optim: 'paged_adamw_32bit', eval_steps: 2, save_steps: 2, chat_format: 'chatml', steps: 4 },
      trainable_params: 8192,
    });
    expect(runConfig.data_file.sha256).toBe(sha256(at('data', 'qwen2.5-sft', 'train.jsonl')));
    expect(checkpoints(run)).toEqual(['checkpoint-2', 'checkpoint-4']);
    for (const step of [2, 4]) {
      expect(json(run, `checkpoint-${step}`, 'trainer_state.json').global_step).toBe(step);
      expect(
        parseSafetensors(readFileSync(join(run, `checkpoint-${step}`, 'optimizer.safetensors'))).metadata
          ?.step,
      ).toBe(String(step));
    }
    const adapter = json(run, 'adapter_config.json');
    expect(adapter).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 16,
      lora_alpha: 32,
      lora_dropout: 0.05,
    });
    expect([...adapter.target_modules].sort()).toEqual([...seven].sort());
    // PEFT's tensor names and shapes: lora_A (r, in), lora_B (out, r); hidden 16, one KV head of 8, MLP 32
    const dims: Record<string, [number, number]> = {
      ...{ q_proj: [16, 16], k_proj: [16, 8], v_proj: [16, 8], o_proj: [16, 16] },
      ...{ gate_proj: [16, 32], up_proj: [16, 32], down_proj: [32, 16] },
    };
    const expected: Record<string, number[]> = {};
    for (const layer of [0, 1])
      for (const [name, [fanIn, fanOut]] of Object.entries(dims)) {
        const block = ['q_proj', 'k_proj', 'v_proj', 'o_proj'].includes(name) ? 'self_attn' : 'mlp';
        const prefix = `base_model.model.model.layers.${layer}.${block}.${name}`;
        expected[`${prefix}.lora_A.weight`] = [16, fanIn];
        expected[`${prefix}.lora_B.weight`] = [fanOut, 16];
      }
    expect(shapes(join(run, 'adapter_model.safetensors'))).toEqual(expected);
    const results = json(run, 'eval_results.json');
    expectPerplexityOfLoss(results.before);
    expectPerplexityOfLoss(results.after);
    expect(results.after.total).toBe(2);
    const evals = json(run, 'trainer_state.json').log_history.filter(
      (e: { eval_loss?: number }) => 'eval_loss' in e,
    );
    expect(evals.map((e: { step: number }) => e.step)).toEqual([2, 4]);
    expect(results.after.loss).toBeCloseTo(evals[1].eval_loss, 9); // the final evaluation is the step-4 one
  });

  test('2. Alpaca instruction/output SFT on the TinyLlama tokenizer: <s> … </s>, perplexity, optimizer state, exact --resume', async () => {
    const file = at('data', 'alpaca_en_demo.json');
    const rows = JSON.parse(
      readFileSync(sharedFixture('datasets', 'llama-factory', 'alpaca_en_demo.json'), 'utf8'),
    );
    writeFileSync(file, JSON.stringify(rows.slice(0, 24)));
    const config = example('tinyllama-alpaca-instruction.yml');
    const args = (output: string) => [
      ...['train', '--config', config, '--output', output, '--max-steps', '4', '--batch-size', '2'],
      ...['--grad-accum', '1', '--eval-steps', '2', '--save-steps', '2', '--lr', '5e-3'],
      ...['--eval-prompts', '2', '--max-new-tokens', '2'],
    ];
    const full = await lora(...args('runs/alpaca-full'));

    // every example is <s> prompt (untrained) output </s> (trained), as the Alpaca format renders it
    const tokenizer = tokenizers.llama;
    expect([tokenizer.bosTokenId, tokenizer.eosTokenId]).toEqual([1, 2]); // the real Llama-2 ids
    const { examples } = await loadDataset(file, { format: 'alpaca' });
    const redone = tokenizeDataset(examples, tokenizer, {
      chatFormat: getChatFormat('alpaca'),
      maxLength: 512,
      trainOn: 'assistant',
    });
    for (const e of redone.examples) {
      expect(e.inputIds[0]).toBe(1);
      expect(e.labels[0]).toBe(-100);
      if (e.inputIds.length === 512) continue; // cut at --max-length, EOS and all (counted below)
      expect(e.inputIds.at(-1)).toBe(2);
      expect(e.labels.at(-1)).toBe(2); // the EOS trains: the model learns to stop
    }
    expect(redone.stats.truncated).toBe(1); // the crepes recipe
    expect(full.out).toMatch(/ 1 truncated \(\d+ tokens cut\)/);
    const count = (pattern: RegExp) => pattern.exec(full.out)!.slice(1).map(Number);
    const [trainTokens, trainTrained] = count(
      /^train \(alpaca data, alpaca format\): 22\/22 examples, (\d+) tokens \((\d+) trained\)/m,
    );
    const [evalTokens, evalTrained] = count(/^eval: 2\/2 examples, (\d+) tokens \((\d+) trained\)/m);
    expect(trainTokens! + evalTokens!).toBe(redone.stats.tokens);
    expect(trainTrained! + evalTrained!).toBe(redone.stats.labelTokens);

    // perplexity before and after, as printed and as written
    const results = json('runs', 'alpaca-full', 'eval_results.json');
    expectPerplexityOfLoss(results.before);
    expectPerplexityOfLoss(results.after);
    expect(results.after.loss).toBeLessThan(results.before.loss);
    expect(full.out).toContain(
      `before training: eval loss ${results.before.loss.toFixed(4)}, perplexity ${results.before.perplexity.toFixed(3)}`,
    );
    expect(full.out).toContain(
      `after training: eval loss ${results.after.loss.toFixed(4)}, perplexity ${results.after.perplexity.toFixed(3)}`,
    );

    // a checkpoint holds what resuming needs: the trainable tensors, AdamW's moments, scheduler, RNG, data position
    const checkpoint = at('runs', 'alpaca-full', 'checkpoint-2');
    expect(readdirSync(checkpoint).sort()).toEqual([
      ...['adapter_config.json', 'adapter_model.safetensors', 'data_state.json', 'optimizer.safetensors'],
      ...[
        'rng_state.json',
        'run_config.json',
        'scheduler.json',
        'trainable.safetensors',
        'trainer_state.json',
      ],
    ]);
    const trainable = shapes(join(checkpoint, 'trainable.safetensors'));
    expect(Object.keys(trainable)).toHaveLength(2 * 7 * 2); // 2 layers × all-linear × (A, B)
    const optimizer = parseSafetensors(readFileSync(join(checkpoint, 'optimizer.safetensors')));
    expect(optimizer.metadata).toMatchObject({ optimizer: 'adamw_torch', step: '2', betas: '[0.9,0.999]' });
    for (const [name, shape] of Object.entries(trainable)) {
      expect(optimizer.info(`${name}.exp_avg`).shape).toEqual(shape);
      const second = optimizer.readF32(`${name}.exp_avg_sq`);
      expect(second.every((v) => v >= 0)).toBe(true);
    }
    expect(
      Object.keys(trainable).some((name) => optimizer.readF32(`${name}.exp_avg`).some((v) => v !== 0)),
    ).toBe(true);
    expect(json(checkpoint, 'scheduler.json').last_epoch).toBe(2);
    expect(json(checkpoint, 'data_state.json')).toMatchObject({
      num_examples: 22,
      batch_size: 2,
      batch_in_epoch: 2,
    });

    // a run stopped after checkpoint-2 (the checkpoint is all it left) resumes to the same adapter, byte for byte
    cpSync(checkpoint, at('runs', 'alpaca-resumed', 'checkpoint-2'), { recursive: true });
    const resumed = await lora(...args('runs/alpaca-resumed'), '--resume');
    expect(resumed.out).toMatch(/^resuming from .*alpaca-resumed\/checkpoint-2$/m);
    expect(checkpoints(at('runs', 'alpaca-resumed'))).toEqual(['checkpoint-2', 'checkpoint-4']);
    const bytes = (run: string) => readFileSync(at('runs', run, 'adapter_model.safetensors'));
    expect(bytes('alpaca-resumed').equals(bytes('alpaca-full'))).toBe(true);
    expect(json('runs', 'alpaca-resumed', 'eval_results.json').after).toEqual(results.after);
  });

  test('3. Qwen2 fp32 CPU LoRA r64/α16 on q,v: one config.yml drives train, eval on labels, and chat', async () => {
    const task = topicClassificationTask({ seed: 11, train: 24, eval: 8 });
    const record = (e: { sentence: string; label: string }, answer: 'output' | 'label') =>
      JSON.stringify({ instruction: TOPIC_INSTRUCTION, input: e.sentence, [answer]: e.label });
    writeFileSync(at('data', 'train.jsonl'), task.train.map((e) => record(e, 'output')).join('\n'));
    writeFileSync(at('data', 'test.jsonl'), task.eval.map((e) => record(e, 'label')).join('\n'));
    const config = example('qwen2-fp32-lora-qv-r64-cpu.yml');
    const run = 'runs/qwen2-0.5b-lora-qv-r64';

    const trained = await lora(
      ...['train', '--config', config, '--max-steps', '2', '--grad-accum', '1', '--eval-steps', '2'],
      ...['--save-steps', '2', '--eval-prompts', '2', '--max-new-tokens', '2'],
    );
    expect(trained.out).toMatch(/dense f32 base; trainable params: 7,168 \|\|/); // 2 × (64·(16+16) + 64·(16+8))
    expect(json(run, 'run_config.json')).toMatchObject({
      quant: 'none',
      lora_r: 64,
      lora_alpha: 16,
      steps: 2,
    });
    expect(json(run, 'adapter_config.json')).toMatchObject({
      r: 64,
      lora_alpha: 16,
      target_modules: ['q_proj', 'v_proj'],
    });
    const tensors = shapes(at(run, 'adapter_model.safetensors'));
    expect(Object.keys(tensors)).toHaveLength(8);
    expect(tensors['base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight']).toEqual([8, 64]);

    // eval: the config's label_field scores the generated answers on the labelled test set
    const withConfig = await lora(
      ...['eval', '--config', config, '--adapter', run, '--data', 'data/test.jsonl'],
      ...['--max-new-tokens', '4', '--json'],
    );
    const scored = JSON.parse(lastLine(withConfig.out));
    expect(scored).toMatchObject({ examples: 8, total: 8, answer_kind: 'labels', metric: 'accuracy' });
    const labels = ['food', 'sports', 'tech', 'weather'];
    const cm = scored.confusion_matrix as { labels: string[]; columns: string[]; counts: number[][] };
    expect(cm.labels).toEqual(labels);
    expect(cm.columns).toEqual([...labels, '(other)']);
    // every figure follows from the confusion matrix (rows: expected, columns: generated)
    const diagonal = labels.map((_, i) => cm.counts[i]![i]!);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(cm.counts.flat())).toBe(8);
    expect(scored.correct).toBe(sum(diagonal));
    expect(scored.accuracy).toBe(sum(diagonal) / 8);
    labels.forEach((label, i) => {
      const support = sum(cm.counts[i]!);
      const predicted = sum(cm.counts.map((row) => row[i]!));
      const precision = predicted === 0 ? 0 : diagonal[i]! / predicted;
      const recall = diagonal[i]! / support;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      expect(scored.per_class[label]).toEqual({ precision, recall, f1, support });
    });
    for (const metric of ['precision', 'recall', 'f1']) {
      const per = labels.map((l) => scored.per_class[l][metric] as number);
      const support = labels.map((l) => scored.per_class[l].support as number);
      expect(scored[`macro_${metric}`]).toBeCloseTo(sum(per) / 4, 12);
      expect(scored[`weighted_${metric}`]).toBeCloseTo(sum(per.map((p, i) => p * support[i]!)) / 8, 12);
    }
    // --adapter RUN_DIR alone: the run folder names its base and settings, so the numbers are the same
    const alone = await lora(
      ...['eval', '--adapter', run, '--data', 'data/test.jsonl', '--label-field', 'label'],
      ...['--max-new-tokens', '4', '--json'],
    );
    expect(alone.err).toContain(
      'settings from the run: chat_template model, max_length 512, completion_only true',
    );
    const { loss, perplexity, ...rest } = JSON.parse(lastLine(alone.out));
    expect(rest).toEqual({ ...scored, loss: undefined, perplexity: undefined });
    // eval batches by the config's batch_size (2) there and by its own default (8) here: float32 sums differ a little
    expect(loss).toBeCloseTo(scored.loss, 5);
    expect(perplexity / scored.perplexity).toBeCloseTo(1, 5);

    // chat: one prompt as an argument, sampled with the config's 100 new tokens at temperature 0.7
    const prompt = `${TOPIC_INSTRUCTION} the striker scored twice`;
    const once = await lora('chat', '--config', config, '--adapter', run, '--debug', prompt);
    expect(once.err).toContain(`model: ${at('models', 'Qwen2-0.5B-Instruct')} + adapter ${at(run)}`);
    const setAside = /keys of other verbs, not used by lora chat: (.*)$/m.exec(once.err)![1]!.split(', ');
    expect(setAside).toContain('label_field');
    expect(setAside).not.toContain('max_new_tokens');
    expect(setAside).not.toContain('temperature');
    // about 100 tokens (the untrained model never says <|im_end|>): re-encoding the decoded text gives back about as many
    const answer = once.out.trimEnd();
    expect(tokenizers.qwen2.encode(answer).length).toBeGreaterThan(80);
    expect(tokenizers.qwen2.encode(answer).length).toBeLessThan(130);
    // interactive: lines on stdin, /reset between them; each answer runs to the cap ([…]) on this untrained model
    const session = await runCli(
      ['chat', '--config', config, '--adapter', run, '--max-new-tokens', '8'],
      root,
      [prompt, '/reset', `${TOPIC_INSTRUCTION} the soup needed more salt`],
    );
    expect(session.code, session.err).toBe(0);
    expect(session.out).toMatch(/^type a message; \/reset forgets the conversation/);
    expect(session.out.match(/assistant> /g)).toHaveLength(2);
    expect(session.out).toContain('you> (conversation reset)\n');
    expect(session.out.match(/ \[…\]\nyou> /g)).toHaveLength(2);
  });

  test('4. TinyLlama on {"text"} lines in its chat markup: answers only after "<|assistant|>\\n", 5 prompts before/after', async () => {
    // the classification seed tasks of Stanford Alpaca, written as TinyLlama chat text (long prompts, short answers)
    const texts: string[] = [];
    for (const line of readFileSync(sharedFixture('datasets', 'stanford_alpaca', 'seed_tasks.jsonl'), 'utf8')
      .trim()
      .split('\n')) {
      const task = JSON.parse(line) as {
        instruction: string;
        is_classification: boolean;
        instances: { input: string; output: string }[];
      };
      if (!task.is_classification) continue;
      for (const { input, output } of task.instances)
        texts.push(
          `<|user|>\n${task.instruction}${input ? `\n${input}` : ''}</s>\n<|assistant|>\n${output}</s>`,
        );
    }
    expect(texts).toHaveLength(26);
    writeFileSync(
      at('data', 'tinyllama-chat.jsonl'),
      texts.map((text) => JSON.stringify({ text })).join('\n'),
    );
    const config = example('tinyllama-chat-text.yml');
    const r = await lora(
      ...['train', '--config', config, '--eval-split', '0.2', '--max-steps', '2', '--batch-size', '2'],
      ...['--grad-accum', '1', '--max-new-tokens', '4'],
    );
    const [tokens, trained] =
      /^train \(text data, no chat template\): 20\/20 examples, (\d+) tokens \((\d+) trained\)/m
        .exec(r.out)!
        .slice(1)
        .map(Number);
    const [evalTokens, evalTrained] = /^eval: 6\/6 examples, (\d+) tokens \((\d+) trained\)/m
      .exec(r.out)!
      .slice(1)
      .map(Number);
    // what trains is what follows the template: the whole text's tokens less those of the text up to it
    const tokenizer = tokenizers.llama;
    const template = '<|assistant|>\n';
    let total = 0;
    let answers = 0;
    for (const text of texts) {
      const whole = tokenizer.encode(text).length;
      total += whole;
      answers += whole - tokenizer.encode(text.slice(0, text.indexOf(template) + template.length)).length;
    }
    expect(tokens! + evalTokens!).toBe(total);
    expect(trained! + evalTrained!).toBe(answers);
    expect(trained!).toBeLessThan(tokens! / 10);

    const run = at('runs', 'tinyllama-chat-text');
    const results = json(run, 'eval_results.json');
    expect([results.before.total, results.after.total]).toEqual([5, 5]);
    const report = readFileSync(join(run, 'report.md'), 'utf8');
    const generations = report.slice(report.indexOf('## Generations on held-out prompts'));
    expect(generations.match(/^\*\*\d+\.\*\* <\|user\|>$/gm)).toHaveLength(5);
    for (const part of ['*expected*', '*before*', '*after*']) expect(generations.split(part)).toHaveLength(6);
    // the expected answers are the held-out texts' answers, without the </s> that generation stops before
    const expected = [...generations.matchAll(/\*expected\*\n\n> (.*)\n/g)].map((m) => m[1]!);
    expect(expected).toHaveLength(5);
    for (const answer of expected) {
      expect(answer).not.toContain('</s>');
      expect(texts.some((t) => t.endsWith(`${template}${answer}</s>`))).toBe(true);
    }
  });

  test('5. GPT-2 domain fine-tune: a sweep over lr × batch × rank, perplexity and domain prompts before/after, memory plan', async () => {
    writeFileSync(
      at('data', 'llama_data.jsonl'),
      readFileSync(sharedFixture('datasets', 'huatuo-med-chinese', 'llama_data.jsonl'), 'utf8')
        .split('\n')
        .slice(0, 40)
        .join('\n'),
    );
    // the example's grid has 8 points; three seeded random ones vary every parameter (1e-4/8/8, 3e-4/16/8, 1e-4/8/4)
    const sweepConfig = example('gpt2-domain-sweep.yml', (c) => {
      c.sweep = { ...(c.sweep as object), method: 'random', trials: 3, seed: 1 };
    });
    const swept = await lora(
      ...['sweep', '--config', sweepConfig, '--max-steps', '2', '--max-length', '32'],
      ...['--eval-steps', '2', '--save-steps', '2', '--logging-steps', '1'],
    );
    const out = at('runs', 'gpt2-medical-sweep');
    const comparison = json(out, 'metrics_comparison.json');
    expect(comparison).toMatchObject({ method: 'random', metric: 'eval_loss' });
    expect(comparison.trials.map((t: { params: unknown }) => t.params)).toEqual([
      { lr: 1e-4, lora_r: 8, batch_size: 8 },
      { lr: 3e-4, lora_r: 16, batch_size: 8 },
      { lr: 1e-4, lora_r: 8, batch_size: 4 },
    ]);
    const numbers = ['best_eval_loss', 'final_eval_loss', 'train_loss', 'wall_seconds', 'peak_memory_mb'];
    for (const trial of comparison.trials) {
      expect(trial.status).toBe('ok');
      for (const key of [...numbers, 'predicted_memory_mb', 'tokens_per_sec'])
        expect(Number.isFinite(trial[key]), `${trial.name} ${key}`).toBe(true);
      expect(trial.steps).toBe(2);
      expect(trial.trainable_params).toBe(512 * trial.params.lora_r); // 2 layers × r·(16+48 + 16+16 + 16+64 + 64+16)
      // perplexity before and after on the held-out 5%, in each trial's run folder
      const results = json(out, trial.name, 'eval_results.json');
      expectPerplexityOfLoss(results.before);
      expectPerplexityOfLoss(results.after);
      expect(results.after.loss).toBe(trial.final_eval_loss);
    }
    const best = [...comparison.trials].sort((a, b) => a.best_eval_loss - b.best_eval_loss)[0];
    expect(comparison.best).toBe(best.name);
    const report = readFileSync(join(out, 'sweep_report.md'), 'utf8');
    expect(report).toContain(`- Best eval_loss: **${best.name}** (${best.best_eval_loss.toFixed(4)})`);
    for (const key of ['lr', 'lora_r', 'batch_size'])
      expect(report).toMatch(new RegExp(`^- \\*\\*${key}\\*\\*: `, 'm'));

    // memory: lora plan from config.json alone, part by part; with a trial's settings it is the plan that trial
    // printed (every example is cut to 32 tokens, so the longest is --max-length)
    const r = await lora(
      ...['plan', '--config', example('gpt2-domain.yml'), '--lora-r', '16', '--batch-size', '8'],
      ...['--max-length', '32', '--json'],
    );
    const plan = JSON.parse(lastLine(r.out));
    expect(plan.model).toMatchObject({ architecture: 'gpt2', layers: 2, hidden: 16, vocab: 50257 });
    const parts = ['runtime', 'tokenizer', 'baseWeights', 'adapter', 'gradients', 'optimizer', 'activations'];
    for (const part of [...parts, 'loraBuffers', 'logitsChunk'])
      expect(plan.parts[part], part).toBeGreaterThan(0);
    expect(plan.parts.staging, 'a float32 base on the wasm backend: every operand is used in place').toBe(0);
    expect(plan.total).toBe(Math.max(...(Object.values(plan.peaks) as number[])));
    const weights = shapes(at('models', 'gpt2', 'model.safetensors'));
    expect(plan.counts.baseParameters).toBe(
      Object.values(weights).reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0),
    );
    const trial = comparison.trials[1];
    expect(plan.counts.adapterParameters).toBe(trial.trainable_params);
    expect(trial.predicted_memory_mb * 2 ** 20).toBe(plan.total);
    expect(swept.out).toContain(`memory plan: ${formatBytes(plan.total)} at peak`);

    // a domain prompt (HuaTuo's inference questions) completed by the base and by the best trial's adapter
    const infer = readFileSync(sharedFixture('datasets', 'huatuo-med-chinese', 'infer.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const prompt = (JSON.parse(infer[0]!) as { instruction: string }).instruction;
    const raw = ['--raw', '--prompt', prompt, '--temperature', '0', '--max-new-tokens', '8'];
    const before = await lora('generate', '--model', 'models/gpt2', ...raw);
    const after = await lora('generate', '--adapter', join(out, best.name), ...raw);
    expect(after.err).toContain(`model: ${at('models', 'gpt2')} + adapter ${join(out, best.name)}`);
    for (const completion of [before.out, after.out]) {
      expect(completion.startsWith(prompt)).toBe(true);
      expect(completion.trimEnd().length).toBeGreaterThan(prompt.length);
    }
  });
});
