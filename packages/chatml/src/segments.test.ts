import { describe, expect, test } from 'vitest';
import { SegmentBuilder, trainedTexts } from './segments.js';

describe('SegmentBuilder', () => {
  test('merges neighbours with the same flag and drops empty text', () => {
    const rendered = new SegmentBuilder()
      .push('a', false)
      .push('', true)
      .push('b', false)
      .push('c', true)
      .push('d', true)
      .push('', false)
      .build();
    expect(rendered).toEqual({
      text: 'abcd',
      segments: [
        { text: 'ab', train: false },
        { text: 'cd', train: true },
      ],
    });
    expect(trainedTexts(rendered)).toEqual(['cd']);
  });

  test('an empty builder renders empty text with no segments', () => {
    expect(new SegmentBuilder().build()).toEqual({ text: '', segments: [] });
  });

  test('build() returns copies, so later pushes do not change an earlier result', () => {
    const builder = new SegmentBuilder().push('x', true);
    const first = builder.build();
    builder.push('y', true);
    expect(first.segments).toEqual([{ text: 'x', train: true }]);
  });
});
