// Managed by xeus-kernel-template: `copier update` merges the template's changes into this file;
// your edits to the same lines become conflicts.
//
// The node tests' harness, from xeus-kernel-ci: loads the installed wasm kernel the way
// jupyterlite-xeus does and drives it through the xeus-lite server (startKernel, message,
// loadModule). ctest runs the tests with `xeus-kernel-bridge node-test`, which names it.
const harness = process.env.KERNEL_HARNESS;
if (!harness) {
  throw new Error("KERNEL_HARNESS is not set: run the tests with `xeus-kernel-bridge node-test` (ctest does)");
}
export const { loadModule, message, startKernel } = await import(harness);
