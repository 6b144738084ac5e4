// Entry point of the `lora` command.
import { REFERENCE_BACKEND } from '@lora/core';

const verb = process.argv[2] ?? 'help';
if (verb === 'train') {
  console.log('lora train: the trainer is not built yet; it will QLoRA fine-tune the embedded default model.');
  console.log(`compute backend available: ${REFERENCE_BACKEND}`);
} else {
  console.log('usage: lora <train|eval|generate|chat|merge|quantize|prepare|sweep> [options]');
}
