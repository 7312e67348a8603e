// The Node.js half of the wasm kernel bridge (kernel_bridge.py starts it; see there why the
// bridge is built this way). It loads the installed <kernel>.js/.wasm the way
// jupyterlite-xeus does (kernel_harness.mjs), starts `new Module.xkernel(argv)` and passes
// messages between the xeus-lite server and kernel_bridge.py, one JSON object per line,
// binary buffers in base64, over three pipes whose descriptors are the arguments:
//
//   node kernel_bridge.mjs KERNEL_JS REQUESTS_FD INPUT_FD MESSAGES_FD
//
//   REQUESTS_FD  in:  shell and control requests, read as they come
//   INPUT_FD     in:  input_reply messages, read synchronously while the kernel waits in
//                     get_stdin (the kernel blocks, as it does in the browser's worker)
//   MESSAGES_FD  out: every message the kernel posts (replies, iopub, input_request)
//
// The launching environment reaches the kernel (Module.ENV), except the variables that
// describe emscripten's own virtual machine (HOME, PWD, PATH, ...), which keep their
// emscripten values. End of REQUESTS_FD ends the process.

import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";

import { loadModule } from "./kernel_harness.mjs";

// The variables emscripten defines itself for the module's virtual file system and user.
const EMSCRIPTEN_OWN_ENV = new Set(["USER", "LOGNAME", "PATH", "PWD", "HOME", "LANG", "_"]);

function writeAll(fd, text) {
  const bytes = Buffer.from(text, "utf8");
  let written = 0;
  while (written < bytes.length) {
    written += fs.writeSync(fd, bytes, written, bytes.length - written);
  }
}

function toWire(message) {
  const buffers = Array.from(message.buffers ?? [], (buffer) =>
    Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).toString("base64")
  );
  return JSON.stringify({ ...message, buffers }) + "\n";
}

function fromWire(line) {
  const message = JSON.parse(line);
  message.buffers = (message.buffers ?? []).map((text) => new Uint8Array(Buffer.from(text, "base64")));
  return message;
}

// Reads one line from a blocking descriptor, synchronously; null at end of input.
function readLineSync(fd, pending) {
  const chunk = Buffer.alloc(65536);
  for (;;) {
    const newline = pending.data.indexOf(10);
    if (newline >= 0) {
      const line = pending.data.subarray(0, newline).toString("utf8");
      pending.data = pending.data.subarray(newline + 1);
      return line;
    }
    let count;
    try {
      count = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      if (error.code === "EAGAIN") {
        continue;
      }
      throw error;
    }
    if (count === 0) {
      return null;
    }
    pending.data = Buffer.concat([pending.data, chunk.subarray(0, count)]);
  }
}

async function main() {
  const [kernelJs, requestsFd, inputFd, messagesFd] = process.argv.slice(2);
  if (!kernelJs || [requestsFd, inputFd, messagesFd].some((fd) => !/^\d+$/.test(fd ?? ""))) {
    console.error("usage: node kernel_bridge.mjs KERNEL_JS REQUESTS_FD INPUT_FD MESSAGES_FD");
    process.exit(2);
  }
  const [requests, input, messages] = [requestsFd, inputFd, messagesFd].map(Number);
  // Interrupts arrive as interrupt_request messages (interrupt_mode "message"): a SIGINT sent
  // to the process group (Ctrl-C in a terminal) must not end the kernel.
  process.on("SIGINT", () => {});

  const post = (message) => writeAll(messages, toWire(message));
  globalThis.self = globalThis;
  globalThis.postMessage = post;
  const pendingInput = { data: Buffer.alloc(0) };
  globalThis.get_stdin = (request) => {
    post({ ...request, channel: "stdin" });
    const line = readLineSync(input, pendingInput);
    if (line === null) {
      return { error: "the bridge closed stdin" };
    }
    return fromWire(line);
  };

  const forwardEnvironment = (Module) => {
    for (const [name, value] of Object.entries(process.env)) {
      if (!EMSCRIPTEN_OWN_ENV.has(name)) {
        Module.ENV[name] = value;
      }
    }
  };
  let Module;
  try {
    Module = await loadModule(kernelJs, { preRun: [forwardEnvironment] });
  } catch (error) {
    console.error(`the wasm kernel failed to start: ${error?.stack ?? error}`);
    process.exit(1);
  }
  const kernel = new Module.xkernel([path.basename(kernelJs, ".js")]);
  const server = kernel.get_server();
  kernel.start();

  // A socket, not fs.createReadStream: a read blocked in libuv's thread pool would keep the
  // process from exiting when the kernel calls exit().
  const lines = readline.createInterface({ input: new net.Socket({ fd: requests, readable: true, writable: false }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) {
      continue;
    }
    try {
      server.notify_listener(fromWire(line));
    } catch (error) {
      console.error(`the kernel failed to handle a message: ${error?.stack ?? error}`);
    }
  }
  process.exit(0);
}

await main();
