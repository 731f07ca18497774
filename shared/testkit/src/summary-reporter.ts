import type { Reporter, TestModule } from "vitest/node";
import { FIGURES } from "./figures.js";

/**
 * Prints one closing line, `vitest: N passed, N failed, N skipped`, after the
 * default reporter: CI reads that plain line to know tests really ran. Before
 * it, the figures long tests measured (annotations of type FIGURES), one line
 * each, so a run's numbers can be read without scrolling through its output.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const figures: string[] = [];
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
        for (const annotation of test.annotations())
          if (annotation.type === FIGURES) figures.push(`  ${test.name}: ${annotation.message}`);
      }
      if (moduleFailed && counted === 0) failed++;
    }
    // A reporter's output is the point: written to stdout, where CI reads the closing line.
    if (figures.length > 0) process.stdout.write(`figures:\n${figures.join("\n")}\n`);
    process.stdout.write(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
