// Loads the installed wasm kernel in Node.js the way jupyterlite-xeus does in its web
// worker (createXeusModule, then `new Module.xkernel(argv)`, get_server(), start()) and
// drives it with Jupyter messages through the xeus-lite server's notify_listener. The
// kernel answers synchronously: its replies are posted (self.postMessage) before
// notify_listener returns. The module is KERNEL_JS (`xeus-kernel-bridge node-test` sets it,
// and KERNEL_HARNESS, this file's URL, for the tests to import it from).

import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";

export function message(msgType, content, parent = {}) {
  return {
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: "node-test",
      username: "node",
      date: new Date().toISOString(),
      version: "5.3",
    },
    parent_header: parent,
    metadata: {},
    content,
    buffers: [],
  };
}

// Loads the module; rejects with the module's own error (e.g. a failing initialize_xkernel).
// `options` go to createXeusModule with locateFile (e.g. preRun, print, printErr).
export async function loadModule(kernelJs = process.env.KERNEL_JS, options = {}) {
  if (!kernelJs) {
    throw new Error("KERNEL_JS must name the installed <kernel>.js (ctest sets it)");
  }
  const require = createRequire(import.meta.url);
  const createXeusModule = require(path.resolve(kernelJs));
  const bin = path.dirname(path.resolve(kernelJs));
  // Side modules (libxeus.so) live in PREFIX/lib, as jupyterlite-xeus serves them.
  const locateFile = (file) => path.join(file.endsWith(".so") ? path.join(bin, "..", "lib") : bin, file);
  return createXeusModule({ ...options, locateFile });
}

// Starts a kernel. `answerInput(request)` answers input_request messages (stdin).
export async function startKernel({ kernelJs = process.env.KERNEL_JS, answerInput } = {}) {
  const posted = [];
  globalThis.self = globalThis;
  globalThis.postMessage = (msg) => posted.push(msg);
  globalThis.get_stdin = (request) => {
    posted.push(request);
    if (!answerInput) {
      return { error: "this test gives no input" };
    }
    return { ...message("input_reply", { value: answerInput(request) }, request.header), channel: "stdin" };
  };

  const Module = await loadModule(kernelJs);
  const kernel = new Module.xkernel([path.basename(kernelJs, ".js")]);
  const server = kernel.get_server();
  kernel.start();

  // Sends a request and returns its reply and the iopub messages it caused, in order.
  function request(msgType, content = {}, channel = "shell") {
    posted.length = 0;
    const msg = message(msgType, content);
    server.notify_listener({ ...msg, channel });
    const mine = posted.filter((m) => m.parent_header?.msg_id === msg.header.msg_id);
    const reply = mine.find((m) => m.channel === channel && m.header.msg_type === msgType.replace(/_request$/, "_reply"));
    if (!reply) {
      throw new Error(`no reply to ${msgType}: ${JSON.stringify(mine.map((m) => m.header.msg_type))}`);
    }
    const iopub = mine.filter((m) => m.channel === "iopub" && m.header.msg_type !== "status");
    const stdin = mine.filter((m) => m.channel === "stdin");
    return { reply: reply.content, iopub, stdin };
  }

  // Executes code; adds `result`, the text/plain of its execute_result (if any: the protocol
  // allows an execute_result whose data is null, or without text/plain).
  function execute(code, options = {}) {
    const answer = request("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: Boolean(answerInput),
      stop_on_error: true,
      ...options,
    });
    const result = answer.iopub.find((m) => m.header.msg_type === "execute_result");
    return { ...answer, result: result?.content?.data?.["text/plain"] };
  }

  return { Module, kernel, request, execute };
}
