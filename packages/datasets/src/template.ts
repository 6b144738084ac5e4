// Build a conversation from any record with placeholder templates: `{ user: 'Translate: {source}', assistant: '{target}' }`.

import type { ChatMessage } from '@lora/chatml';
import { DatasetError, describeLocation, type Location, preview } from './errors.js';

/** Message templates; `{field}` is replaced by the record's field, `{{` and `}}` are literal braces. */
export interface MessageTemplate {
  system?: string;
  user: string;
  assistant: string;
}

const PLACEHOLDER = /\{\{|\}\}|\{([^{}]*)\}/g;

/** Check a template at the boundary: every part a string, every placeholder a plain name. */
export function checkTemplate(template: unknown, label = 'template'): MessageTemplate {
  if (typeof template !== 'object' || template === null) {
    throw new DatasetError(
      `${label}: expected { system?, user, assistant } strings, got ${preview(template)}`,
      {
        key: label,
      },
    );
  }
  const t = template as Record<string, unknown>;
  for (const part of ['user', 'assistant', 'system']) {
    const value = t[part];
    if (value === undefined && part === 'system') continue;
    if (typeof value !== 'string') {
      throw new DatasetError(`${label}.${part}: expected a string, got ${preview(value)}`, { key: part });
    }
    for (const match of value.matchAll(PLACEHOLDER)) {
      if (match[1] !== undefined && match[1].trim() === '') {
        throw new DatasetError(
          `${label}.${part}: expected {field} placeholders, got an empty {} at ${match.index}`,
          {
            key: part,
          },
        );
      }
    }
  }
  return t as unknown as MessageTemplate;
}

function fill(text: string, record: Record<string, unknown>, where: Location, part: string): string {
  return text.replace(PLACEHOLDER, (token, name: string | undefined) => {
    if (name === undefined) return token[0]!;
    const value = record[name.trim()];
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new DatasetError(
      `${describeLocation(where)}: template.${part} placeholder {${name}}: expected a string field ${JSON.stringify(name.trim())}, ` +
        `got ${preview(value)} (record keys [${Object.keys(record).join(', ')}])`,
      { where, key: name.trim() },
    );
  });
}

/** The messages a template makes of one record. */
export function applyTemplate(
  template: MessageTemplate,
  record: Record<string, unknown>,
  where: Location,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (template.system !== undefined)
    out.push({ role: 'system', content: fill(template.system, record, where, 'system') });
  out.push({ role: 'user', content: fill(template.user, record, where, 'user') });
  out.push({ role: 'assistant', content: fill(template.assistant, record, where, 'assistant') });
  return out;
}
