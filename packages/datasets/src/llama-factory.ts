// LLaMA-Factory's dataset_info.json → sources: alpaca/sharegpt formatting, `columns` and `tags` as field maps.

import { SHAREGPT_ROLES } from '@lora/chatml';
import { DatasetError, preview } from './errors.js';
import type { DatasetFormat, FieldMap } from './formats.js';
import type { SourceOptions } from './load.js';
import type { TurnTags } from './turns.js';

/** One dataset_info.json entry resolved to a local source. */
export interface DatasetInfoSource extends SourceOptions {
  name: string;
  path: string;
}

interface InfoEntry {
  file_name?: string;
  hf_hub_url?: string;
  ms_hub_url?: string;
  om_hub_url?: string;
  script_url?: string;
  formatting?: string;
  ranking?: boolean;
  columns?: Record<string, string>;
  tags?: Record<string, string>;
}

function alpacaSource(
  columns: Record<string, string>,
  ranking: boolean,
): { format: DatasetFormat; fieldMap: FieldMap } {
  const { prompt, query, response, history, system, tools, chosen, rejected } = columns;
  const extra: FieldMap = {
    ...(system === undefined ? {} : { system }),
    ...(tools === undefined ? {} : { tools }),
  };
  if (ranking) {
    return {
      format: 'preference',
      fieldMap: {
        prompt: prompt ?? 'instruction',
        chosen: chosen ?? 'chosen',
        rejected: rejected ?? 'rejected',
        ...extra,
      },
    };
  }
  // a prompt column alone is pre-training text (wiki_demo, c4_demo)
  if (prompt !== undefined && response === undefined && query === undefined && history === undefined) {
    return { format: 'text', fieldMap: { text: prompt } };
  }
  return {
    format: 'alpaca',
    fieldMap: {
      instruction: prompt ?? 'instruction',
      input: query ?? 'input',
      output: response ?? 'output',
      ...(history === undefined ? {} : { history }),
      ...extra,
    },
  };
}

function shareGptSource(
  columns: Record<string, string>,
  tags: Record<string, string>,
  ranking: boolean,
): { format: DatasetFormat; fieldMap: FieldMap; tags: TurnTags } {
  const { messages, system, tools, chosen, rejected } = columns;
  const speaker = (tag: string, fallback: string): string => tags[tag] ?? fallback;
  const turnTags: TurnTags = {
    role: tags.role_tag ?? 'from',
    content: tags.content_tag ?? 'value',
    roles: {
      [speaker('user_tag', 'human')]: 'user',
      [speaker('assistant_tag', 'gpt')]: 'assistant',
      [speaker('observation_tag', 'observation')]: SHAREGPT_ROLES.observation ?? 'tool',
      [speaker('function_tag', 'function_call')]: SHAREGPT_ROLES.function_call ?? 'assistant',
      [speaker('system_tag', 'system')]: 'system',
    },
  };
  const fieldMap: FieldMap = {
    messages: messages ?? 'conversations',
    ...(system === undefined ? {} : { system }),
    ...(tools === undefined ? {} : { tools }),
    ...(ranking ? { chosen: chosen ?? 'chosen', rejected: rejected ?? 'rejected' } : {}),
  };
  return { format: ranking ? 'preference' : 'messages', fieldMap, tags: turnTags };
}

/** `file` inside `dir`, unless `file` is absolute. */
function joinPath(dir: string, file: string): string {
  if (dir === '' || file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) return file;
  return /[\\/]$/.test(dir) ? dir + file : `${dir}/${file}`;
}

/** Resolve one entry; remote-only entries (hf_hub_url, ms_hub_url, script_url) are an error: nothing is downloaded. */
export function datasetInfoSource(
  name: string,
  entry: unknown,
  baseDir: string,
  file = 'dataset_info.json',
): DatasetInfoSource {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new DatasetError(`${file} key ${JSON.stringify(name)}: expected an object, got ${preview(entry)}`, {
      key: name,
    });
  }
  const e = entry as InfoEntry;
  if (typeof e.file_name !== 'string') {
    const remote = e.hf_hub_url ?? e.ms_hub_url ?? e.om_hub_url ?? e.script_url;
    throw new DatasetError(
      `${file} key ${JSON.stringify(name)}: expected a local file_name, got ${remote === undefined ? 'none' : `only the remote ${JSON.stringify(remote)} (nothing is downloaded)`}`,
      { key: name },
    );
  }
  const formatting = e.formatting ?? 'alpaca';
  const columns = e.columns ?? {};
  const path = joinPath(baseDir, e.file_name);
  if (formatting === 'alpaca') return { name, path, ...alpacaSource(columns, e.ranking === true) };
  if (formatting === 'sharegpt')
    return { name, path, ...shareGptSource(columns, e.tags ?? {}, e.ranking === true) };
  if (formatting === 'openai') {
    const tags = {
      role_tag: 'role',
      content_tag: 'content',
      user_tag: 'user',
      assistant_tag: 'assistant',
      ...e.tags,
    };
    return { name, path, ...shareGptSource({ messages: 'messages', ...columns }, tags, e.ranking === true) };
  }
  throw new DatasetError(
    `${file} key ${JSON.stringify(name)}: formatting: expected 'alpaca', 'sharegpt' or 'openai', got ${preview(formatting)}`,
    { key: name },
  );
}

/**
 * Read a LLaMA-Factory dataset_info.json and resolve the named entries (all local ones when `names` is absent)
 * to sources whose paths sit beside the info file.
 */
export async function readDatasetInfo(infoPath: string, names?: string[]): Promise<DatasetInfoSource[]> {
  let info: unknown;
  try {
    const { readFile } = await import('node:fs/promises');
    info = JSON.parse(await readFile(infoPath, 'utf8'));
  } catch (cause) {
    throw new DatasetError(`${infoPath}: expected a readable JSON object (${(cause as Error).message})`, {
      cause,
      where: { file: infoPath },
    });
  }
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new DatasetError(`${infoPath}: expected an object of dataset entries, got ${preview(info)}`, {
      where: { file: infoPath },
    });
  }
  const entries = info as Record<string, unknown>;
  const baseDir = infoPath.slice(0, Math.max(infoPath.lastIndexOf('/'), infoPath.lastIndexOf('\\')) + 1);
  if (names === undefined) {
    return Object.entries(entries)
      .filter(([, entry]) => typeof (entry as InfoEntry | null)?.file_name === 'string')
      .map(([name, entry]) => datasetInfoSource(name, entry, baseDir, infoPath));
  }
  return names.map((name) => {
    if (!(name in entries)) {
      throw new DatasetError(
        `${infoPath}: expected a dataset named ${JSON.stringify(name)}, got none (${Object.keys(entries).length} entries)`,
        {
          where: { file: infoPath },
          key: name,
        },
      );
    }
    return datasetInfoSource(name, entries[name], baseDir, infoPath);
  });
}
