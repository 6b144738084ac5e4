// What a downloaded adapter gives outside the page: stories260K loaded from its folder with @lora/models (NF4 + double
// quant, as the page trains it), the adapter folder loaded with @lora/peft's loadAdapter (PEFT's format check), and
// the held-out eval loss of the story task computed as the page computes it.
import { fileURLToPath } from 'node:url';
import { CausalLM } from '@lora/models';
import { ADAPTER_WEIGHTS_NAME, adapterStateDict, loadAdapter } from '@lora/peft';
import { evaluateModel } from '@lora/sft';
import { STORIES260K_DIR } from '@lora/stories260k';
import { Tokenizer } from '@lora/tokenize';
import { SafetensorsFile } from '@lora/safetensors';
import { join } from 'node:path';
import { selectBackend } from '../backend.js';
import { resolveChatFormat } from '../chat-setup.js';
import { storySource } from '../data-source.js';
import { DEFAULT_SETTINGS } from '../run-settings.js';
import { tokenizeExamples } from '../training-data.js';

export interface AdapterCheck {
  /** the tensor names of adapter_model.safetensors, sorted */
  tensorNames: string[];
  /** keys @lora/peft loaded into the model */
  loadedKeys: number;
  evalLoss: number;
}

export async function checkAdapter(adapterDir: string): Promise<AdapterCheck> {
  await selectBackend('wasm', false);
  const modelDir = fileURLToPath(STORIES260K_DIR);
  const model = await CausalLM.load(modelDir, { quantize: { quantType: 'nf4', doubleQuant: true } });
  const lora = await loadAdapter(adapterDir, model);
  let tokenizer = await Tokenizer.fromDir(modelDir);
  if (tokenizer.padTokenId === undefined) tokenizer = tokenizer.withPadToken(tokenizer.eosToken!);
  const held = storySource(0).eval;
  const { examples } = tokenizeExamples(
    held,
    tokenizer,
    resolveChatFormat('llama2', tokenizer),
    DEFAULT_SETTINGS.maxLength,
  );
  const metrics = await evaluateModel(model, examples, 16, {
    padTokenId: tokenizer.padTokenId!,
    paddingSide: 'right',
  });
  const file = await SafetensorsFile.open(join(adapterDir, ADAPTER_WEIGHTS_NAME));
  const tensorNames = file.tensorNames().sort();
  await file.close();
  return { tensorNames, loadedKeys: adapterStateDict(lora).size, evalLoss: metrics.eval_loss };
}
