import { describe, expect, it } from "vitest";
import { DEFAULT_STYLESHEET } from "../../src/pages/style.js";

type Palette = Record<string, string>;

/** The custom properties of the first `:root{...}` block inside `css`. */
function paletteOf(css: string): Palette {
  const block = /:root\{([^}]*)\}/.exec(css)?.[1] ?? "";
  const palette: Palette = {};
  for (const [, name, value] of block.matchAll(/--([a-z-]+):(#[0-9a-f]{6})/g)) {
    if (name !== undefined && value !== undefined) palette[name] = value;
  }
  return palette;
}

const LIGHT = paletteOf(DEFAULT_STYLESHEET);
const DARK = {
  ...LIGHT,
  ...paletteOf(/@media \(prefers-color-scheme:dark\)\{(.*)\}/.exec(DEFAULT_STYLESHEET)?.[1] ?? ""),
};

/** WCAG 2 relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channels = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) =>
    c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4,
  );
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(one: string, other: string): number {
  const [high, low] = [luminance(one), luminance(other)].sort((a, b) => b - a) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

/** Text on the backgrounds it is drawn on (WCAG AA: 4.5:1). */
const TEXT_PAIRS: [string, string][] = [
  ["text", "surface"],
  ["text", "page"],
  ["muted", "surface"],
  ["link", "surface"],
  ["link", "page"],
  ["error", "surface"],
  ["on-accent", "accent"],
  ["text", "ok-bg"],
  ["text", "error-bg"],
];

/** Borders that mark a control or a state (WCAG 1.4.11: 3:1 against what is next to them). */
const UI_PAIRS: [string, string][] = [
  ["line", "surface"],
  ["accent", "surface"],
  ["error", "surface"],
];

describe("the default stylesheet", () => {
  it.each([
    ["light", LIGHT],
    ["dark", DARK],
  ] as const)("gives every text colour 4.5:1 and every control border 3:1 in %s mode", (_mode, palette) => {
    for (const [pairs, minimum] of [
      [TEXT_PAIRS, 4.5],
      [UI_PAIRS, 3],
    ] as const) {
      for (const [foreground, background] of pairs) {
        const fg = palette[foreground];
        const bg = palette[background];
        expect(fg, `--${foreground}`).toMatch(/^#[0-9a-f]{6}$/);
        expect(bg, `--${background}`).toMatch(/^#[0-9a-f]{6}$/);
        expect(
          contrast(fg as string, bg as string),
          `--${foreground} on --${background}`,
        ).toBeGreaterThanOrEqual(minimum);
      }
    }
  });

  it("names its colours only in the palette, so the contrast check above sees every one", () => {
    const outsidePalette = DEFAULT_STYLESHEET.replace(/:root\{[^}]*\}/g, "");
    expect(outsidePalette).not.toMatch(/#[0-9a-f]{3,8}\b|\brgba?\(|\bhsla?\(|GrayText|LinkText|Canvas/i);
    expect(Object.keys(DARK).sort()).toEqual(Object.keys(LIGHT).sort());
    expect(
      Object.keys(
        paletteOf(/@media \(prefers-color-scheme:dark\)\{(.*)\}/.exec(DEFAULT_STYLESHEET)?.[1] ?? ""),
      ).sort(),
    ).toEqual(Object.keys(LIGHT).sort());
  });

  it("lets buttons take the page's font and keeps a masked destination on one line", () => {
    expect(DEFAULT_STYLESHEET).toMatch(/(^|\n)button,\.button\{[^}]*font:inherit/);
    expect(DEFAULT_STYLESHEET).toMatch(
      /(^|\n)input\[type=text\],input\[type=tel\],input\[type=email\]\{[^}]*font:inherit/,
    );
    expect(DEFAULT_STYLESHEET).toMatch(/(^|\n)\.nowrap\{white-space:nowrap\}/);
  });
});
