// The SVG is checked by parsing it (fast-xml-parser): well-formed XML, polyline point counts, and the axis ticks'
// pixel positions, from which every plotted point is mapped back to its data value.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { MetricsError } from './errors.js';
import { type LineChartOptions, lineChartSvg } from './line-chart-svg.js';

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  parseAttributeValue: false,
  parseTagValue: false,
});

function parse(svg: string): Node {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  return (parser.parse(svg) as { svg: Node }).svg;
}

/** Every element named `tag` under `node`, depth first. */
function findAll(node: unknown, tag: string): Node[] {
  const out: Node[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const c of n) visit(c);
      return;
    }
    if (!n || typeof n !== 'object') return;
    for (const [key, child] of Object.entries(n)) {
      if (key === tag) for (const c of Array.isArray(child) ? child : [child]) out.push(c as Node);
      visit(child);
    }
  };
  visit(node);
  return out;
}

const byClass = (root: Node, cls: string): Node[] => findAll(root, 'g').filter((g) => g.class === cls);
const text = (n: Node): string => String((n.text as Node)['#text'] ?? n.text);

interface Axis {
  values: number[];
  labels: string[];
  /** pixel position -> data value, fitted from the first and last tick */
  invert: (px: number) => number;
  pixels: number[];
}

function axis(root: Node, which: 'x-axis' | 'y-axis'): Axis {
  const g = findAll(root, 'g').find((n) => n.class === `axis ${which}`)!;
  const scale = g['data-scale'] as string;
  const ticks = findAll(g, 'g').filter((n) => n.class === 'tick');
  const values = ticks.map((t) => Number(t['data-value']));
  const labels = ticks.map(text);
  const pixels = ticks.map((t) => Number((t.text as Node)[which === 'x-axis' ? 'x' : 'y']));
  const f = (v: number): number => (scale === 'log' ? Math.log10(v) : v);
  const [v0, v1] = [f(values[0]!), f(values[values.length - 1]!)];
  const [p0, p1] = [pixels[0]!, pixels[pixels.length - 1]!];
  const invert = (px: number): number => {
    const u = v0 + ((px - p0) / (p1 - p0)) * (v1 - v0);
    return scale === 'log' ? 10 ** u : u;
  };
  return { values, labels, invert, pixels };
}

function seriesShapes(root: Node): Map<string, { polylines: number[][][]; dots: number[][] }> {
  const out = new Map<string, { polylines: number[][][]; dots: number[][] }>();
  for (const g of byClass(root, 'series')) {
    const polylines = findAll(g, 'polyline').map((p) =>
      String(p.points)
        .split(' ')
        .map((xy) => xy.split(',').map(Number)),
    );
    const dots = findAll(g, 'circle').map((c) => [Number(c.cx), Number(c.cy)]);
    out.set(String(g['data-name']), { polylines, dots });
  }
  return out;
}

const losses: LineChartOptions = {
  title: 'Loss',
  xLabel: 'step',
  yLabel: 'loss',
  series: [
    {
      name: 'train',
      points: [
        [0, 2.5],
        [10, 2.1],
        [20, Number.NaN],
        [30, 1.6],
        [40, 1.4],
      ],
    },
    {
      name: 'eval',
      points: [
        [10, 2.2],
        [25, 1.9],
        [40, 1.7],
      ],
    },
  ],
};

describe('lineChartSvg', () => {
  test('is well-formed standalone SVG with title, axis labels and a legend entry per series', () => {
    const root = parse(lineChartSvg(losses));
    expect(root.xmlns).toBe('http://www.w3.org/2000/svg');
    expect([root.width, root.height]).toEqual(['640', '400']);
    expect(root.title).toBe('Loss');
    const legend = findAll(byClass(root, 'legend'), 'text').map((t) => String(t['#text']));
    expect(legend).toEqual(['train', 'eval']);
    const labels = findAll(root, 'text')
      .filter((t) => t.class === 'x-label' || t.class === 'y-label')
      .map((t) => t['#text']);
    expect(labels).toEqual(['step', 'loss']);
  });

  test('a NaN breaks the train line into two polylines; point counts match the data', () => {
    const shapes = seriesShapes(parse(lineChartSvg(losses)));
    expect(shapes.get('train')!.polylines.map((p) => p.length)).toEqual([2, 2]);
    expect(shapes.get('eval')!.polylines.map((p) => p.length)).toEqual([3]);
    expect(shapes.get('train')!.dots).toEqual([]);
  });

  test('axis ranges cover the data with nice, evenly spaced ticks, and every point maps back to its value', () => {
    const root = parse(lineChartSvg(losses));
    const x = axis(root, 'x-axis');
    const y = axis(root, 'y-axis');
    expect(x.values).toEqual([0, 10, 20, 30, 40]);
    expect(y.values).toEqual([1, 1.5, 2, 2.5]);
    expect(y.labels).toEqual(['1.0', '1.5', '2.0', '2.5']);
    expect(x.labels.map(Number)).toEqual(x.values);
    // tick pixels are linear in the tick values
    for (const ax of [x, y]) {
      ax.values.forEach((v, i) => {
        expect(ax.invert(ax.pixels[i]!)).toBeCloseTo(v, 6);
      });
    }
    const shapes = seriesShapes(root);
    const back = (pts: number[][]): number[][] => pts.map(([px, py]) => [x.invert(px!), y.invert(py!)]);
    const train = shapes.get('train')!.polylines.flatMap(back);
    const expected = [
      [0, 2.5],
      [10, 2.1],
      [30, 1.6],
      [40, 1.4],
    ];
    train.forEach(([vx, vy], i) => {
      expect(vx).toBeCloseTo(expected[i]![0]!, 1);
      expect(vy).toBeCloseTo(expected[i]![1]!, 2);
    });
  });

  test('a single point is drawn as a dot on a widened axis', () => {
    const root = parse(lineChartSvg({ series: [{ name: 'eval', points: [[100, 3.2]] }] }));
    const shapes = seriesShapes(root);
    expect(shapes.get('eval')).toEqual({ polylines: [], dots: [expect.any(Array)] });
    const x = axis(root, 'x-axis');
    const y = axis(root, 'y-axis');
    expect(x.values[0]!).toBeLessThan(100);
    expect(x.values.at(-1)!).toBeGreaterThan(100);
    const [cx, cy] = shapes.get('eval')!.dots[0]!;
    expect(x.invert(cx!)).toBeCloseTo(100, 1);
    expect(y.invert(cy!)).toBeCloseTo(3.2, 2);
    expect(root.title).toBeUndefined();
  });

  test('log scale: decade ticks, and values <= 0 are gaps', () => {
    const svg = lineChartSvg({
      yScale: 'log',
      series: [
        {
          name: 'loss',
          points: [
            [1, 5],
            [2, 0.5],
            [3, 0],
            [4, 0.04],
            [5, 0.03],
          ],
        },
      ],
    });
    const root = parse(svg);
    const y = axis(root, 'y-axis');
    expect(y.values).toEqual([0.01, 0.1, 1, 10]);
    expect(y.labels).toEqual(['0.01', '0.1', '1', '10']);
    const shapes = seriesShapes(root);
    expect(shapes.get('loss')!.polylines.map((p) => p.length)).toEqual([2, 2]);
    const ys = shapes
      .get('loss')!
      .polylines.flat()
      .map(([, py]) => y.invert(py!));
    [5, 0.5, 0.04, 0.03].forEach((v, i) => {
      expect(ys[i]! / v).toBeCloseTo(1, 2);
    });
  });

  test('names and titles with markup stay text; characters XML forbids are replaced', () => {
    const name = `<b>"r=8" & 'α'</b> 中文\x01`;
    const root = parse(
      lineChartSvg({
        title: 'a < b & c',
        series: [
          {
            name,
            points: [
              [0, 1],
              [1, 2],
            ],
          },
        ],
      }),
    );
    expect(root.title).toBe('a < b & c');
    expect(byClass(root, 'series')[0]!['data-name']).toBe(`<b>"r=8" & 'α'</b> 中文\ufffd`);
  });

  test('a series with no usable point draws nothing but keeps its legend entry', () => {
    const root = parse(
      lineChartSvg({
        series: [
          {
            name: 'a',
            points: [
              [0, 1],
              [1, 2],
            ],
          },
          { name: 'b', points: [[0, Number.NaN]] },
        ],
      }),
    );
    expect(seriesShapes(root).get('b')).toEqual({ polylines: [], dots: [] });
    expect(findAll(byClass(root, 'legend'), 'text')).toHaveLength(2);
  });

  test.each([
    [{ series: [] }, 'lineChartSvg series: expected at least one series, got array(0)'],
    [
      { series: [{ name: 'a', points: [[0, Number.NaN]] }] },
      'lineChartSvg: expected at least one finite point, got none',
    ],
    [
      { yScale: 'log', series: [{ name: 'a', points: [[0, 0]] }] },
      'lineChartSvg: expected at least one finite point (> 0 on log axes), got none',
    ],
    [
      { series: [{ name: 'a', points: [[0, '1']] }] },
      'lineChartSvg series[0].points[0]: expected [x, y] numbers, got array(2)',
    ],
    [{ series: [{ name: 7, points: [] }] }, 'lineChartSvg series[0].name: expected a string, got 7'],
    [
      { width: 0, series: [{ name: 'a', points: [[0, 1]] }] },
      'lineChartSvg width: expected a positive number, got 0',
    ],
    [{ width: 60, series: [{ name: 'a', points: [[0, 1]] }] }, /too small for labels and legend/],
    [
      { xScale: 'sqrt', series: [{ name: 'a', points: [[0, 1]] }] },
      `lineChartSvg xScale: expected 'linear' or 'log', got "sqrt"`,
    ],
  ])('rejects %j', (options, message) => {
    expect(() => lineChartSvg(options as unknown as LineChartOptions)).toThrow(MetricsError);
    expect(() => lineChartSvg(options as unknown as LineChartOptions)).toThrow(message);
  });
});
