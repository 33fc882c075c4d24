/** Runs the budget-memory bench in its own process (`--expose-gc`). */
import { startChild } from "../lib/child.js";
import type { BenchEnv } from "../lib/env.js";
import type { BudgetsConfig, BudgetsResult } from "./budgets-main.js";

/**
 * Measures what the budgets hold for `env.options.budgetKeys` distinct users.
 * @example
 * const budgets = await runBudgetsBench(env);
 */
export async function runBudgetsBench(env: BenchEnv): Promise<BudgetsResult> {
  const child = startChild({
    script: env.script("memory/budgets-main.js"),
    config: {},
    core: env.plan.serverCore,
    plan: env.plan,
    nodeFlags: ["--expose-gc"],
  });
  try {
    const config: BudgetsConfig = { keys: env.options.budgetKeys };
    env.log(`budgets: ${config.keys} distinct users and IPs`);
    return await child.request<BudgetsResult>("run", config);
  } finally {
    await child.stop();
  }
}
