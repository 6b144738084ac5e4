// Child process of trainer-checkpoints.test.ts: trains with a checkpoint every step and SIGKILLs itself in the
// middle of writing checkpoint-<argv[3]> (after some of its files exist), as a power cut or OOM kill would.
import { nodeStorage } from './node-storage.js';
import { checkpointRunConfig, checkpointRunData } from './toy-data.test-support.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';

const [outputDir, crashStep] = [process.argv[2]!, Number(process.argv[3])];
const model = new ToyLM({ vocabSize: checkpointRunData.vocab, hiddenSize: 6, dropout: 0.1, seed: 4 });
await new Trainer({
  model,
  trainDataset: checkpointRunData.train,
  config: checkpointRunConfig(),
  storage: await nodeStorage(outputDir),
  saveAdapter: async (folder, { step }) => {
    await folder.writeFile('adapter_model.safetensors', 'partial');
    if (step === crashStep) process.kill(process.pid, 'SIGKILL');
  },
}).train();
