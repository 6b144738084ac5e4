// Dataset formats, their canonical field names, the field map, and detection from a record's keys.

import { DatasetError, describeLocation, type Location } from './errors.js';

/**
 * - `text`: `{ text }`, trained on every token
 * - `alpaca`: `{ instruction, input?, output, system?, history? }`
 * - `prompt-completion`: `{ prompt, completion }` (strings, or TRL conversational message lists)
 * - `messages`: `{ messages | conversations | conversation: turns }`, turns `{ role, content }` or ShareGPT `{ from, value }`
 * - `preference`: `{ messages | conversations | prompt, chosen, rejected }`; SFT trains on the chosen reply
 * - `tokenized`: `{ input_ids, labels? }` (transformers convention: aligned with input_ids, -100 ignored)
 */
export type DatasetFormat = 'text' | 'alpaca' | 'prompt-completion' | 'messages' | 'preference' | 'tokenized';

/** The formats `detectFormat` and `loadDataset` know. */
export const DATASET_FORMATS: readonly DatasetFormat[] = [
  'text',
  'alpaca',
  'prompt-completion',
  'messages',
  'preference',
  'tokenized',
];

/** The field names the formats read, which a `FieldMap` maps from a file's own columns. */
export const CANONICAL_FIELDS = [
  'text',
  'instruction',
  'input',
  'output',
  'system',
  'history',
  'prompt',
  'completion',
  'messages',
  'tools',
  'chosen',
  'rejected',
  'input_ids',
  'labels',
] as const;
/** A field a format reads. */
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Canonical field → the record's key holding it, e.g. `{ instruction: 'question', output: 'answer' }`. */
export type FieldMap = Partial<Record<CanonicalField, string>>;

const MESSAGE_KEYS = ['messages', 'conversations', 'conversation'];

/** Check a user's field map at the boundary. */
export function checkFieldMap(fieldMap: unknown, label = 'fieldMap'): FieldMap {
  if (fieldMap === undefined) return {};
  if (typeof fieldMap !== 'object' || fieldMap === null || Array.isArray(fieldMap)) {
    throw new DatasetError(
      `${label}: expected an object of canonical field → column, got ${typeof fieldMap}`,
      {
        key: label,
      },
    );
  }
  for (const [key, column] of Object.entries(fieldMap)) {
    if (!(CANONICAL_FIELDS as readonly string[]).includes(key)) {
      throw new DatasetError(
        `${label}: expected keys among ${CANONICAL_FIELDS.join(', ')}, got ${JSON.stringify(key)}`,
        {
          key,
        },
      );
    }
    if (typeof column !== 'string' || column === '') {
      throw new DatasetError(`${label}.${key}: expected a column name, got ${JSON.stringify(column)}`, {
        key,
      });
    }
  }
  return fieldMap as FieldMap;
}

/** The key a canonical field is read from in this record, or undefined when the record lacks it. */
export function keyOf(
  record: Record<string, unknown>,
  field: CanonicalField,
  fieldMap: FieldMap,
): string | undefined {
  const mapped = fieldMap[field];
  if (mapped !== undefined) return mapped in record ? mapped : undefined;
  if (field === 'messages') return MESSAGE_KEYS.find((k) => k in record);
  return field in record ? field : undefined;
}

export function hasField(
  record: Record<string, unknown>,
  field: CanonicalField,
  fieldMap: FieldMap,
): boolean {
  const key = keyOf(record, field, fieldMap);
  return key !== undefined && record[key] !== undefined && record[key] !== null;
}

/** The format a record's keys imply (after the field map), or a DatasetError naming its keys. */
export function detectFormat(
  record: Record<string, unknown>,
  fieldMap: FieldMap = {},
  where?: Location,
): DatasetFormat {
  const has = (field: CanonicalField): boolean => hasField(record, field, fieldMap);
  if (has('input_ids')) return 'tokenized';
  if (has('chosen') && has('rejected')) return 'preference';
  if (has('messages')) return 'messages';
  if (has('prompt') && has('completion')) return 'prompt-completion';
  if (has('output') && (has('instruction') || has('input'))) return 'alpaca';
  if (has('text')) return 'text';
  const at = where === undefined ? 'detectFormat' : describeLocation(where);
  throw new DatasetError(
    `${at}: cannot detect the dataset format: expected keys text | instruction+output | prompt+completion | ` +
      `messages/conversations | chosen+rejected | input_ids, got keys [${Object.keys(record).join(', ')}]; ` +
      'pass format, fieldMap or template',
    where === undefined ? {} : { where },
  );
}
