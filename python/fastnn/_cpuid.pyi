"""Type stub for fastnn._cpuid: what this CPU can run (see fastnn._isa)."""

def features() -> list[str]:
    """The x86-64-v2/v3/v4 features this CPU (and its OS) supports, by GCC's names."""

def identity() -> tuple[str, int, int]:
    """(vendor, family, model) from CPUID; ('', 0, 0) off x86-64."""
