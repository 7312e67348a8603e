// Managed by xeus-kernel-template: `copier update` merges the template's changes into this file;
// your edits to the same lines become conflicts.
//
// Module.initialize_xkernel is the kernel's one asynchronous initialisation hook (the
// convention agreed for xeus lite kernels). It waits until the runtime files (<kernel>.data)
// are in the file system, then runs your xkernel_initialize(Module) from
// wasm/initialize_xkernel.js, once; it returns the same promise to every caller.
//
// jupyterlite-xeus does not call the hook, but it waits for the module's run dependencies
// before creating the kernel: holding one until the hook settles makes it wait. If the hook
// fails, createXeusModule() rejects with the hook's error, so the kernel fails to start
// with that message instead of hanging.

(function () {
  const dependency = "initialize_xkernel";
  let runtimeFilesLoaded = Promise.resolve();
  let initialized = null;

  Module["initialize_xkernel"] = function initialize_xkernel() {
    if (initialized === null) {
      initialized = runtimeFilesLoaded.then(function () {
        if (typeof xkernel_initialize === "function") {
          return xkernel_initialize(Module);
        }
      });
    }
    return initialized;
  };

  // Resolves when every run dependency but ours is gone: the file packager holds one until
  // <kernel>.data is unpacked into the file system.
  function othersDone() {
    return new Promise(function (resolve) {
      const chained = Module["monitorRunDependencies"];
      Module["monitorRunDependencies"] = function (left) {
        if (chained) {
          chained(left);
        }
        if (left === 1) {
          resolve();
        }
      };
    });
  }

  let failure = null;
  Module["preRun"] = [].concat(Module["preRun"] || []);
  Module["preRun"].push(function holdUntilKernelInitialized() {
    runtimeFilesLoaded = othersDone();
    addRunDependency(dependency);
    Module["initialize_xkernel"]().then(
      function () {
        removeRunDependency(dependency);
      },
      function (error) {
        const reason = (error && (error.stack || error.message)) || String(error);
        failure = new Error("initialize_xkernel failed: " + reason);
        removeRunDependency(dependency);
      }
    );
  });

  // Thrown inside the module factory, so that createXeusModule() rejects with it.
  const chainedOnRuntimeInitialized = Module["onRuntimeInitialized"];
  Module["onRuntimeInitialized"] = function () {
    if (failure !== null) {
      throw failure;
    }
    if (chainedOnRuntimeInitialized) {
      chainedOnRuntimeInitialized();
    }
  };
})();
