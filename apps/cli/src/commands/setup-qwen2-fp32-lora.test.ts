// Setup 3: Qwen2 fp32 CPU LoRA r64/α16 on q and v — one config.yml drives train, eval on labels, and chat
// (test-support/setup-layout.ts: the layout, its tiny checkpoint with the real tokenizer, the helpers).
import { writeFileSync } from 'node:fs';
import { TOPIC_INSTRUCTION, topicClassificationTask } from '@lora/datasets';
import { describeWithFixtures } from '@lora/testing';
import type { Tokenizer } from '@lora/tokenize';
import { beforeAll, expect, test } from 'vitest';
import { lastLine, runCli } from '../test-support/capture-io.js';
import { setupLayout, shapes } from '../test-support/setup-layout.js';

const layout = setupLayout('lora-cli-setup-qwen2-fp32-lora-');
const { root, at, json, example, lora } = layout;
let tokenizer: Tokenizer;

describeWithFixtures('a fine-tuning setup, on a tiny checkpoint with the real tokenizer', () => {
  beforeAll(async () => {
    tokenizer = await layout.withModel('Qwen2-0.5B-Instruct');
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
    expect(tokenizer.encode(answer).length).toBeGreaterThan(80);
    expect(tokenizer.encode(answer).length).toBeLessThan(130);
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
});
