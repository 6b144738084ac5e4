// llama2.c's stories260K as a Hugging Face folder, shipped inside this package: where its files are, and what they
// must hash to. `new URL(literal, import.meta.url)` resolves to a file: URL in Node and is rewritten to an asset URL
// by bundlers (Vite, webpack 5, esbuild with a loader), so the same import serves the CLI and the web app.

/** The files of the Hugging Face folder, by name. */
export const STORIES260K_FILES = {
  'config.json': new URL('../hf/config.json', import.meta.url),
  'generation_config.json': new URL('../hf/generation_config.json', import.meta.url),
  'model.safetensors': new URL('../hf/model.safetensors', import.meta.url),
  'special_tokens_map.json': new URL('../hf/special_tokens_map.json', import.meta.url),
  'tokenizer.json': new URL('../hf/tokenizer.json', import.meta.url),
  'tokenizer_config.json': new URL('../hf/tokenizer_config.json', import.meta.url),
} as const;

/** The name of one shipped file of the model folder. */
export type Stories260kFile = keyof typeof STORIES260K_FILES;

/** sha256 of each shipped file, as PROVENANCE.md records them; a test holds the files to these. */
export const STORIES260K_SHA256: Record<Stories260kFile, string> = {
  'config.json': '4a203eb93976ef61aabd02c77360dbff5d91635b531a32a2a256d8ba4759922a',
  'generation_config.json': '9d1000a341bfa5ab1f9551d3f6001d32ea9cb4468458614de0b05efa6376aaac',
  'model.safetensors': '407a7c581bdd66972383ce9ad24857713fb98786d06ea564a2fe9b34ebe77dfd',
  'special_tokens_map.json': '55f52bf31d4c822aaca1fda1e4e101285a15856b02e054ea95c8f4be8d028c60',
  'tokenizer.json': '10e6bfeaa4e2d64c96528dfde00ab7d65eec49bce28798fdee81ee37fbf2ec2c',
  'tokenizer_config.json': 'c5256042b4aca4f0d6761b7c82f91fa42583cdb39933c2a9c36bae2aad14367c',
};

/** The folder holding the files (a file: URL in Node). */
export const STORIES260K_DIR = new URL('../hf/', import.meta.url);

/** What the model is, for logs and reports. */
export const STORIES260K_DESCRIPTION =
  "stories260K (llama2.c, MIT): a 260k-parameter Llama pretrained on TinyStories — children's-story English only";
