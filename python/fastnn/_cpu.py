"""Refuse to load a _core built for instructions this CPU does not have."""

from __future__ import annotations


def missing_features_message(arch: str, missing: list[str]) -> str:
    """The ImportError text for a CPU that lacks `missing`, needed by a build for `arch`."""
    return (
        f"fastnn was built for the {arch} instruction set, but this CPU lacks "
        f"{', '.join(missing)}. Reinstall from source with a portable build: "
        "FASTNN_ARCH=x86-64 pip install --force-reinstall --no-binary fastnn fastnn "
        "(or, from a checkout, FASTNN_ARCH=x86-64 pip install .)"
    )


def check_cpu() -> None:
    """Raise ImportError when the CPU lacks a feature the _core build needs."""
    from fastnn import _cpuid

    missing = list(_cpuid.missing_features())
    if missing:
        raise ImportError(missing_features_message(_cpuid.arch, missing))
