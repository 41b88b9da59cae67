"""Time and memory of PRDC on 10,000 real × 10,000 fake 64-D features (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_prdc.py [--n 10000] [--dim 64] [--k 5] [--device cpu] [--smoke]

Prints wall-clock seconds and peak memory. On the CPU, PyTorch's allocations bypass ``tracemalloc``,
so peak memory is the process's peak resident set size (``resource.getrusage``) above what it held
before the call; on CUDA it is ``torch.cuda.max_memory_allocated``. For scale: one unchunked
10,000 × 10,000 float32 distance matrix alone would take 400 MB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import smoke  # noqa: E402
from ganbench.metrics.prdc import CHUNK_ELEMS, prdc  # noqa: E402


def _rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; falls back to the peak so far)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return _peak_rss_mb()


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="real and fake samples each")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--chunk-elems", type=int, default=CHUNK_ELEMS)
    args = smoke.parse(parser, {"n": 300, "dim": 8})

    device = torch.device(args.device)
    g = torch.Generator(device=device).manual_seed(0)
    real = torch.randn(args.n, args.dim, generator=g, device=device)
    fake = torch.randn(args.n, args.dim, generator=g, device=device) + 0.1
    prdc(real[:100], fake[:100], args.k)  # warm-up (lazy initialisation, kernels)

    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    before = _rss_mb()
    start = time.perf_counter()
    out = prdc(real, fake, args.k, chunk_elems=args.chunk_elems)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start

    print(
        f"PRDC {args.n:,} real x {args.n:,} fake, {args.dim}-D, k={args.k}, on {device} "
        f"({torch.get_num_threads()} CPU threads, chunk_elems={args.chunk_elems:,})"
    )
    print("  " + ", ".join(f"{k} {v.item():.4f}" for k, v in out.items()))
    print(f"  time: {seconds:.2f} s")
    if device.type == "cuda":
        print(f"  peak GPU memory allocated: {torch.cuda.max_memory_allocated(device) / 2**20:.1f} MB")
    else:
        print(
            f"  peak RSS above the inputs: {max(0.0, _peak_rss_mb() - before):.1f} MB "
            f"(process peak {_peak_rss_mb():.1f} MB)"
        )


if __name__ == "__main__":
    main()
