"""The GEMM cases of packages/bench/src/gemm-cases.ts on PyTorch (the same-run baseline of src/torch-gemm.ts).

    /usr/bin/python3 gemm_bench.py --threads 1 --cases '<JSON list of GemmCase>' [--budget 0.6] [--min-reps 5]
        [--max-reps 25]

One process per thread count (torch.set_num_threads). Every case runs in the layout a Linear's forward or backward
would: NN plain, NT with B stored (n, k) and passed as a .t() view (x·Wᵀ), TN with A stored (k, m) and passed as
a .t() view (dW = dYᵀ·X); batch > 1 through torch.bmm with .transpose(1, 2) views. The output goes into a
preallocated tensor (out=), as our runners write into theirs. Timed like src/measure.ts: one warm-up run, then
runs until the budget is spent (at least --min-reps, at most --max-reps), reporting the median wall time and the
median process CPU time. Prints one JSON object on stdout.
"""

import argparse
import json
import re
import statistics
import time

import torch


def measure(run, budget_s: float, min_reps: int, max_reps: int) -> dict:
    def time_once():
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        return time.perf_counter() - wall, time.process_time() - cpu

    warm_wall, warm_cpu = time_once()
    if warm_wall >= budget_s:
        ms = warm_wall * 1e3
        return {"medianMs": ms, "minMs": ms, "medianCpuMs": warm_cpu * 1e3, "reps": 1, "warmupOnly": True}
    walls, cpus, spent = [], [], 0.0
    while len(walls) < max_reps and (len(walls) < min_reps or spent < budget_s):
        wall, cpu = time_once()
        walls.append(wall)
        cpus.append(cpu)
        spent += wall
    return {
        "medianMs": statistics.median(walls) * 1e3,
        "minMs": min(walls) * 1e3,
        "medianCpuMs": statistics.median(cpus) * 1e3,
        "reps": len(walls),
        "warmupOnly": False,
    }


def operands(case: dict, gen: torch.Generator):
    """(a, b, out) where a and b are views of the stored tensors in the case's layout: a (B, m, k), b (B, k, n)."""
    batch, m, k, n, layout = case["batch"], case["m"], case["k"], case["n"], case["layout"]

    def uniform(*shape):
        return torch.rand(*shape, generator=gen) * 2 - 1

    def t(x):
        return x.transpose(-2, -1)

    lead = (batch,) if batch > 1 else ()
    a = t(uniform(*lead, k, m)) if layout == "TN" else uniform(*lead, m, k)  # (B, m, k)
    b = t(uniform(*lead, n, k)) if layout == "NT" else uniform(*lead, k, n)  # (B, k, n)
    return a, b, torch.empty(*lead, m, n)  # (B, m, n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--cases", required=True, help="JSON list of {name, layout, batch, m, k, n}")
    ap.add_argument("--budget", type=float, default=0.6, help="seconds of timed runs per case")
    ap.add_argument("--min-reps", type=int, default=5)
    ap.add_argument("--max-reps", type=int, default=25)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    results = []
    for case in json.loads(args.cases):
        a, b, out = operands(case, gen)
        mm = torch.bmm if case["batch"] > 1 else torch.mm
        flops = 2 * case["batch"] * case["m"] * case["k"] * case["n"]
        timing = measure(lambda: mm(a, b, out=out), args.budget, args.min_reps, args.max_reps)
        results.append(
            {
                "case": case["name"],
                **timing,
                "gflops": flops / timing["medianMs"] / 1e6,
                "gflopsCpu": flops / (timing["medianCpuMs"] / args.threads) / 1e6,
                "outShape": list(out.shape),
            }
        )
    blas = re.search(r"BLAS_INFO=([\w-]+)", torch.__config__.show())  # Debian's "generic": libblas.so.3 (OpenBLAS)
    out = {"torch": torch.__version__, "blas": blas.group(1) if blas else "unknown", "threads": torch.get_num_threads()}
    print(json.dumps({**out, "results": results}))


if __name__ == "__main__":
    main()
