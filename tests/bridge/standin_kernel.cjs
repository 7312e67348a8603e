// A stand-in for an emscripten-built xeus-lite kernel module, for the tests of xeus-kernel-ci's
// bridge and harness that need no wasm build. It keeps the contract the bridge relies on, as
// the real module does: `createXeusModule(options)` resolves to a Module with `ENV`,
// after running `options.preRun`; `new Module.xkernel(argv).get_server().notify_listener(msg)`
// handles one message synchronously; what the kernel sends goes out through
// `self.postMessage({...message, channel})`; input blocks in `self.get_stdin(input_request)`.
// Its "language": `env NAME`, `input PROMPT`, `busy SECONDS`, `exit CODE`, `argv`, `nulldata`
// (an execute_result whose data is null); anything else is echoed. comm_msg is echoed on iopub
// with its buffers. It answers no complete, inspect or is_complete request (a kernel that hangs).
"use strict";

let sequence = 0;

function header(msgType, session) {
  sequence += 1;
  return {
    msg_id: `standin-${process.pid}-${sequence}`,
    msg_type: msgType,
    session,
    username: "standin",
    date: new Date().toISOString(),
    version: "5.3",
  };
}

function message(parent, msgType, content, buffers = []) {
  return { header: header(msgType, "standin-session"), parent_header: parent.header, metadata: {}, content, buffers };
}

function post(channel, msg) {
  self.postMessage({ ...msg, channel });
}

function run(Module, argv, code, parent) {
  const [command, ...rest] = code.split(" ");
  const argument = rest.join(" ");
  if (command === "env") {
    return Object.hasOwn(Module.ENV, argument) ? Module.ENV[argument] : "(unset)";
  }
  if (command === "input") {
    const answer = self.get_stdin({ ...message(parent, "input_request", { prompt: argument, password: false }), channel: "stdin" });
    return answer.error !== undefined ? `error: ${answer.error}` : answer.content.value;
  }
  if (command === "busy") {
    const until = Date.now() + Number(argument) * 1000;
    while (Date.now() < until) {
      // a long computation: the module does not return to the event loop
    }
    return "done";
  }
  if (command === "exit") {
    process.exit(Number(argument));
  }
  if (command === "argv") {
    return JSON.stringify(argv);
  }
  return code;
}

function handle(Module, argv, state, msg) {
  const type = msg.header.msg_type;
  post("iopub", message(msg, "status", { execution_state: "busy" }));
  if (type === "kernel_info_request") {
    post(msg.channel, message(msg, "kernel_info_reply", {
      status: "ok",
      protocol_version: "5.3",
      implementation: "standin",
      implementation_version: "1.0",
      language_info: { name: "standin", version: "1.0", mimetype: "text/plain", file_extension: ".txt" },
      banner: "a stand-in for a xeus-lite module",
      help_links: [],
    }));
  } else if (type === "execute_request") {
    state.count += 1;
    const code = msg.content.code;
    post("iopub", message(msg, "execute_input", { code, execution_count: state.count }));
    const result = run(Module, argv, code, msg);
    // "nulldata": an execute_result whose data is null, as some kernels send (the protocol allows it)
    const data = code === "nulldata" ? null : { "text/plain": result };
    post("iopub", message(msg, "execute_result", { execution_count: state.count, data, metadata: {} }));
    post(msg.channel, message(msg, "execute_reply", { status: "ok", execution_count: state.count, user_expressions: {}, payload: [] }));
  } else if (type === "comm_msg") {
    post("iopub", message(msg, "comm_msg", msg.content, msg.buffers));
  } else if (type === "interrupt_request") {
    post(msg.channel, message(msg, "interrupt_reply", { status: "ok" }));
  } else if (type === "shutdown_request") {
    post(msg.channel, message(msg, "shutdown_reply", { status: "ok", restart: msg.content.restart }));
  }
  post("iopub", message(msg, "status", { execution_state: "idle" }));
}

module.exports = async function createXeusModule(options = {}) {
  if (process.env.STANDIN_START_ERROR) {
    throw new Error(process.env.STANDIN_START_ERROR);
  }
  const Module = { ...options, ENV: {} };
  for (const callback of [].concat(options.preRun ?? [])) {
    callback(Module);
  }
  Module.xkernel = class {
    constructor(argv) {
      this.argv = argv;
      this.state = { count: 0 };
    }

    get_server() {
      return { notify_listener: (msg) => handle(Module, this.argv, this.state, msg) };
    }

    start() {}
  };
  return Module;
};
