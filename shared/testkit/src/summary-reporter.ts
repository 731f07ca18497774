import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints one closing line, `vitest: N passed, N failed, N skipped`, after the
 * default reporter: CI reads that plain line to know tests really ran.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      // A file whose set-up failed marks its tests skipped; they did not pass, so count them failed.
      const moduleFailed = module.state() === "failed";
      let counted = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed" || moduleFailed) failed++;
        else skipped++;
        counted++;
      }
      if (moduleFailed && counted === 0) failed++;
    }
    console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
