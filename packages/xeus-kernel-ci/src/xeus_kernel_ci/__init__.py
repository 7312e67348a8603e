"""What a xeus kernel's CI runs, made from xeus-kernel-template or not.

- :mod:`xeus_kernel_ci.kernel_bridge`: a wasm (xeus-lite) kernel's installed ``.js``/``.wasm`` as an
  ordinary Jupyter kernel (a kernelspec and a launcher running it in Node.js), so that
  jupyter_kernel_test, jupyter_client and nbclient test it as they test the native kernel;
- :mod:`xeus_kernel_ci.robustness`: random and adversarial requests, for any language;
- :mod:`xeus_kernel_ci.notebooks`: a kernel's notebooks against their stored outputs;
- :mod:`xeus_kernel_ci.known_failures`: the failures a kernel knows of, strict;
- :mod:`xeus_kernel_ci.browser`: pytest fixtures for a packed JupyterLite site in Chromium;
- :mod:`xeus_kernel_ci.template_update`: the update pull request of a kernel made from
  xeus-kernel-template.
"""

from importlib.metadata import version

__version__ = version("xeus-kernel-ci")
