// The smoke cells of a kernel (its smoke_cells.toml, see smoke.py) in the wasm module, in
// Node.js: `xeus-kernel-bridge node-test --smoke-cells FILE` runs this file with the kernel's
// own node tests, the cells in SMOKE_CELLS as JSON. Any language: what each cell must give
// is in the file.
import assert from "node:assert/strict";
import fs from "node:fs";
import { before, describe, test } from "node:test";

import { startKernel } from "./kernel_harness.mjs";

const { cells } = JSON.parse(fs.readFileSync(process.env.SMOKE_CELLS, "utf8"));

// What a cell gave, in the smoke file's terms (present ones only).
function outcome(kernel, code) {
  const { reply, iopub } = kernel.execute(code);
  const given = {};
  for (const m of iopub) {
    if (m.header.msg_type === "execute_result" && m.content?.data) {
      given.result = m.content.data["text/plain"];
    } else if (m.header.msg_type === "stream" && m.content.name === "stdout") {
      given.stdout = (given.stdout ?? "") + m.content.text;
    }
  }
  if (reply.status === "error") {
    given.error = reply.ename;
  }
  return given;
}

describe("smoke cells in node", () => {
  let kernel;
  before(async () => {
    kernel = await startKernel();
  });

  test("kernel_info describes a language", () => {
    const { reply } = kernel.request("kernel_info_request");
    assert.equal(reply.status, "ok");
    assert.ok(reply.language_info?.name);
  });

  for (const cell of cells) {
    test(`cell ${JSON.stringify(cell.code.slice(0, 40))}`, () => {
      const expected = Object.fromEntries(["result", "stdout", "error"].filter((k) => k in cell).map((k) => [k, cell[k]]));
      const given = outcome(kernel, cell.code);
      const compared = Object.fromEntries(Object.keys(expected).map((k) => [k, given[k]]));
      assert.deepEqual(compared, expected, `${JSON.stringify(cell.code)} gave ${JSON.stringify(given)}`);
    });
  }
});
