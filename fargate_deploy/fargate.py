"""What Fargate accepts: the task CPU and memory pairs, and the two CPU architectures."""

from __future__ import annotations

ARCHITECTURES = ("X86_64", "ARM64")

# CPU units (1024 = 1 vCPU) → memory sizes in MiB that Fargate accepts with it.
VALID_MEMORY_FOR_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


def is_valid_pair(cpu: int, memory: int) -> bool:
    return memory in VALID_MEMORY_FOR_CPU.get(cpu, ())


def describe_valid_memory(cpu: int) -> str:
    """One line for an error message: what memory this CPU takes, or which CPUs exist."""
    sizes = VALID_MEMORY_FOR_CPU.get(cpu)
    if sizes is None:
        return "cpu must be one of " + ", ".join(str(c) for c in VALID_MEMORY_FOR_CPU)
    if len(sizes) <= 4:
        return f"cpu {cpu} takes memory " + ", ".join(str(m) for m in sizes)
    return f"cpu {cpu} takes memory {sizes[0]}–{sizes[-1]} in steps of {sizes[1] - sizes[0]}"
