"""Tooling of xeus-kernel-template: toolchains for building kernels rendered from the template."""

__version__ = "0.1.0"
