/** Attribute values of an SVG element; undefined ones are left out. */
export type SvgAttributes = Record<string, string | number | undefined>;

/** Text safe inside an XML element or attribute. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function attributes(attrs: SvgAttributes): string {
  return Object.entries(attrs)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
    .join('');
}

// Two decimals are far below a pixel and keep the files small and diff-friendly.
function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * A hand-written SVG: elements are appended in drawing order and serialized with a white
 * background and one font, so that the charts need no dependency and render the same anywhere.
 */
export class SvgDocument {
  private readonly parts: string[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  rect(x: number, y: number, width: number, height: number, attrs: SvgAttributes = {}): this {
    return this.element('rect', {
      x: round(x),
      y: round(y),
      width: round(width),
      height: round(height),
      ...attrs,
    });
  }

  line(x1: number, y1: number, x2: number, y2: number, attrs: SvgAttributes = {}): this {
    return this.element('line', {
      x1: round(x1),
      y1: round(y1),
      x2: round(x2),
      y2: round(y2),
      ...attrs,
    });
  }

  polyline(points: readonly [number, number][], attrs: SvgAttributes = {}): this {
    const path = points.map(([x, y]) => `${round(x)},${round(y)}`).join(' ');
    return this.element('polyline', { points: path, fill: 'none', ...attrs });
  }

  circle(cx: number, cy: number, r: number, attrs: SvgAttributes = {}): this {
    return this.element('circle', { cx: round(cx), cy: round(cy), r, ...attrs });
  }

  text(x: number, y: number, content: string, attrs: SvgAttributes = {}): this {
    this.parts.push(
      `<text${attributes({ x: round(x), y: round(y), ...attrs })}>${escapeXml(content)}</text>`,
    );
    return this;
  }

  /** A tooltip-carrying group: `<title>` shows on hover in browsers. */
  titled(title: string, draw: (svg: this) => void): this {
    this.parts.push(`<g><title>${escapeXml(title)}</title>`);
    draw(this);
    this.parts.push('</g>');
    return this;
  }

  toString(): string {
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" ` +
        `viewBox="0 0 ${this.width} ${this.height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
      `<rect width="${this.width}" height="${this.height}" fill="#ffffff"/>`,
      ...this.parts,
      '</svg>',
      '',
    ].join('\n');
  }

  private element(name: string, attrs: SvgAttributes): this {
    this.parts.push(`<${name}${attributes(attrs)}/>`);
    return this;
  }
}
