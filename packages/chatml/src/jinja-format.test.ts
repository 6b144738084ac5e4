import { describe, expect, test } from 'vitest';
import { ChatFormatError, ChatTemplateError } from './errors.js';
import { chatmlFormat } from './formats/chatml.js';
import { jinjaChatFormat } from './jinja-format.js';
import type { ChatMessage } from './types.js';

// transformers' old default ChatML template (the "_base" entry of the huggingface.js e2e fixtures).
const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: 'Bye' },
  { role: 'assistant', content: 'Bye!' },
];

describe('jinjaChatFormat: segments by incremental rendering', () => {
  test.each([false, true])(
    'a ChatML template gives the builtin chatml text and segments (addGenerationPrompt %s)',
    (agp) => {
      const rendered = jinjaChatFormat(CHATML).render(conversation, { addGenerationPrompt: agp });
      expect(rendered).toEqual(chatmlFormat.render(conversation, { addGenerationPrompt: agp }));
      expect(rendered.segments.filter((s) => s.train).map((s) => s.text)).toEqual([
        'Hello!<|im_end|>\n',
        'Bye!<|im_end|>\n',
      ]);
    },
  );

  test('text a template writes once, after the last message (an EOS), trains with the last turn only', () => {
    const template = `${CHATML}{% if not add_generation_prompt and messages[-1]['role'] == 'assistant' %}{{ eos_token }}{% endif %}`;
    const format = jinjaChatFormat(template, { eos_token: '<eos>' }, { name: 'zephyr-gemma' });
    const rendered = format.render(conversation);
    expect(rendered.text).toBe(format.renderText({ messages: conversation, eos_token: '<eos>' }));
    expect(rendered.text.endsWith('Bye!<|im_end|>\n<eos>')).toBe(true);
    expect(rendered.segments.filter((s) => s.train).map((s) => s.text)).toEqual([
      'Hello!<|im_end|>\n',
      'Bye!<|im_end|>\n<eos>',
    ]);
    expect(rendered.segments.map((s) => s.text).join('')).toBe(rendered.text);
  });

  test('a turn rendered differently when later messages follow is not prefix-stable, and refused by name', () => {
    // the last assistant message is shouted, earlier ones are not: no closing text explains the difference
    const template =
      "{% for m in messages %}{% if loop.last and m.role == 'assistant' %}{{ m.content | upper }}{% else %}{{ m.content }}{% endif %}|{% endfor %}";
    expect(() => jinjaChatFormat(template, {}, { name: 'shouting' }).render(conversation)).toThrow(
      /^shouting: messages\[2\] \(assistant\): template is not prefix-stable: messages\[0\.\.2\] render differently when later messages follow, at char \d+: expected "[^"]*HELLO!\|", got "[^"]*Hello!\|Bye\|/,
    );
  });

  test('a generation prompt that differs from the rendered assistant header is refused', () => {
    const template =
      '{% for m in messages %}{{ m.role | upper }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}';
    expect(() => jinjaChatFormat(template).render(conversation)).toThrow(
      /^jinja: messages\[2\] \(assistant\): the generation prompt is not how the template starts an assistant turn, at char \d+: expected "[^"]*Assistant:", got "[^"]*ASSISTANT: Hello!/,
    );
  });

  test('a template that drops assistant messages would train nothing, and says so', () => {
    const template =
      "{% for m in messages %}{% if m.role != 'assistant' %}{{ m.content }}|{% endif %}{% endfor %}";
    expect(() => jinjaChatFormat(template).render(conversation)).toThrow(
      new ChatTemplateError(
        'jinja: messages[2] (assistant): the template renders nothing for this message, so nothing would train',
      ),
    );
  });

  test('an assistant-first conversation needs the template to render an empty prefix', () => {
    const template = `{% if messages | length == 0 %}{{ raise_exception('no messages') }}{% endif %}${CHATML}`;
    expect(() => jinjaChatFormat(template).render([{ role: 'assistant', content: 'A' }])).toThrow(
      new ChatTemplateError(
        'jinja: messages[0] (assistant): cannot find where it starts: rendering messages[0..0) with add_generation_prompt failed',
      ),
    );
    expect(jinjaChatFormat(CHATML).render([{ role: 'assistant', content: 'A' }]).segments).toEqual([
      { text: '<|im_start|>assistant\n', train: false },
      { text: 'A<|im_end|>\n', train: true },
    ]);
  });

  test('messages are validated at the boundary', () => {
    expect(() => jinjaChatFormat(CHATML).render([{ role: 'user' } as ChatMessage])).toThrow(
      new ChatFormatError('jinja: messages[0].content (user): expected a string, got undefined'),
    );
  });
});

describe('jinjaChatFormat: template variables', () => {
  const template =
    '{{ bos_token }}{% if tools is not none %}tools={{ tools | map(attribute="name") | join(",") }}|{% endif %}' +
    '{% if documents is none %}nodocs|{% endif %}{% if mode is defined %}mode={{ mode }}|{% endif %}' +
    '{% for m in messages %}{{ m.role }}={{ m.content }}{% if m.tool_calls %}{{ m.tool_calls | tojson }}{% endif %}' +
    '{{ eos_token }}{% endfor %}';

  test('special tokens, per-render overrides, tools, documents default and extra variables', () => {
    const format = jinjaChatFormat(template, { bos_token: '<s>', eos_token: '</s>' });
    const messages = [
      { role: 'user', content: 'u' },
      { role: 'assistant', content: '', tool_calls: [{ name: 'f', arguments: { x: 'é' } }] },
    ];
    expect(format.render(messages).text).toBe(
      '<s>nodocs|user=u</s>assistant=[{"name": "f", "arguments": {"x": "é"}}]</s>',
    );
    const rendered = format.render(messages, {
      bosToken: '',
      eosToken: '<E>',
      tools: [{ name: 'f' }, { name: 'g' }],
      variables: { mode: 'fast' },
    });
    expect(rendered.text).toBe(
      'tools=f,g|nodocs|mode=fast|user=u<E>assistant=[{"name": "f", "arguments": {"x": "é"}}]<E>',
    );
    // This template has no generation prompt, so the whole assistant turn, its role prefix included, trains.
    expect(rendered.segments.filter((s) => s.train).map((s) => s.text)).toEqual([
      'assistant=[{"name": "f", "arguments": {"x": "é"}}]<E>',
    ]);
  });

  test('renderText renders any context, as transformers would', () => {
    const format = jinjaChatFormat(template, { bos_token: '<s>' });
    expect(format.renderText({ messages: [{ role: 'user', content: null }], eos_token: '.' })).toBe(
      '<s>nodocs|user=.',
    );
  });
});

describe('jinjaChatFormat: {% generation %} templates', () => {
  const template =
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.role == 'assistant' %}{% generation %}" +
    '{{ m.content }}<|im_end|>\n{% endgeneration %}{% else %}{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}' +
    '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}';

  test('trained segments are exactly the generation blocks, and match the ChatML builtin here', () => {
    const format = jinjaChatFormat(template);
    expect(format.hasGenerationTags).toBe(true);
    expect(format.render(conversation, { addGenerationPrompt: true })).toEqual(
      chatmlFormat.render(conversation, { addGenerationPrompt: true }),
    );
  });
});
