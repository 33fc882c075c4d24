/** Puts a run's report into `bench/RESULTS.md`, between its markers, leaving the prose around it. */
import { readFileSync, writeFileSync } from "node:fs";

/** The markers around the measured block of RESULTS.md. */
export const RESULTS_START = "<!-- bench:results:start -->";
export const RESULTS_END = "<!-- bench:results:end -->";

/**
 * Replaces the block between the markers of `path` with `block`.
 * @throws Error when the file lacks the markers (nothing is written then).
 * @example
 * writeResultsBlock("bench/RESULTS.md", renderReport(results));
 */
export function writeResultsBlock(path: string, block: string): void {
  const text = readFileSync(path, "utf8");
  const start = text.indexOf(RESULTS_START);
  const end = text.indexOf(RESULTS_END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(
      `${path} has no ${RESULTS_START} ... ${RESULTS_END} block to replace; add the two markers.`,
    );
  }
  writeFileSync(path, `${text.slice(0, start + RESULTS_START.length)}\n\n${block}\n\n${text.slice(end)}`);
}
