// The process's own memory, which no tensor explains, as measured for `lora train` (Node 20, tsx, the CLI's
// modules, the wasm backend with 2 threads); fixtures/measured-peak-rss.json holds the runs, README the method.

/**
 * Bytes the `lora train` process holds besides the planned parts: Node, V8, tsx, the CLI, the wasm module, its
 * memory's own structures and its 2 threads — the tiny run's measured peak less every other part of its plan.
 */
export const RUNTIME_BYTES = 136 * 2 ** 20;

/**
 * Bytes a loaded @lora/tokenize Tokenizer holds per vocabulary entry (its vocab, merges and lookup maps): RSS grew
 * by 126.3 MiB for Qwen2.5's tokenizer.json (151,665 entries), 43.3 MiB for GPT-2's (50,257), 38.7 MiB for
 * TinyLlama's (32,000).
 */
export const TOKENIZER_BYTES_PER_TOKEN = 900;
