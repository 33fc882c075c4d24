// DESIGN §2: one home per concept. No file beside a folder of the same name, no two modules of src/,
// adapters/ and emulator/ sharing a base name with different jobs, and src/ and emulator/ apart.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TREES = ["src", "adapters", "emulator", "testing"];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? [path, ...walk(path)] : [path];
  });
}

const paths = TREES.flatMap((tree) => walk(join(ROOT, tree))).map((path) => relative(ROOT, path));
const modules = paths.filter((path) => path.endsWith(".ts"));

/** The two adapters mirror each other on purpose: the same file name does the same job for each. */
function sameJobAcrossAdapters(a: string, b: string): boolean {
  const mirror = (path: string) => path.replace(/^adapters\/(express|koa)\//, "adapters/*/");
  return mirror(a) === mirror(b) && a !== b;
}

function importsOf(path: string): string[] {
  const source = readFileSync(join(ROOT, path), "utf8");
  const statements = /^(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']/gm;
  return [...source.matchAll(statements)].map((match) => match[1] ?? match[2] ?? "");
}

describe("the layout of DESIGN §2", () => {
  it("has no file beside a folder of the same name", () => {
    const folders = new Set(paths.filter((path) => statSync(join(ROOT, path)).isDirectory()));
    const beside = modules.filter((path) => folders.has(path.replace(/\.ts$/, "")));
    expect(beside).toEqual([]);
  });

  it("gives no two modules the same base name (index.ts aside, the two adapters' mirrored files aside)", () => {
    const byName = new Map<string, string[]>();
    for (const path of modules) {
      const name = basename(path);
      if (name === "index.ts") continue;
      byName.set(name, [...(byName.get(name) ?? []), path]);
    }
    const clashes = [...byName.values()].filter(
      (group) =>
        group.length > 1 && !(group.length === 2 && sameJobAcrossAdapters(group[0] ?? "", group[1] ?? "")),
    );
    expect(clashes).toEqual([]);
  });

  it("keeps src/ and emulator/ apart: neither imports the other", () => {
    const crossing = modules.filter((path) => {
      const other = path.startsWith("src/") ? "emulator/" : path.startsWith("emulator/") ? "src/" : null;
      return (
        other !== null && importsOf(path).some((spec) => spec.startsWith(".") && spec.includes(`/${other}`))
      );
    });
    expect(crossing).toEqual([]);
  });

  it("keeps the core free of express, koa, pg and ioredis ", () => {
    const frameworks = /^(express|koa|@koa\/router|pg|ioredis)(\/|$)/;
    const offenders = modules
      .filter((path) => path.startsWith("src/"))
      .filter((path) => importsOf(path).some((spec) => frameworks.test(spec)));
    expect(offenders).toEqual([]);
  });
});
