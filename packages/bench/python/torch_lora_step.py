"""PyTorch baseline of the LoRA-step table (src/lora-step-bench.ts) and of @lora/models' scripts/profile-step.ts: the
models benchmark's plain-torch Llama (torch_llama.py) with LoRA (PEFT's Linear: frozen base, trainable A (R, in) and
B (out, R), scale alpha/R) on every decoder linear, forward and forward + backward on (1, tokens) ids, best of N after a warm-up.

    /usr/bin/python3 torch_lora_step.py --overrides '<config.json keys>' [--tokens 256] [--rank 16] [--threads 2]
        [--reps 5] [--step-only] [--device cuda]

Run it with OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) set to --threads, as src/lora-step.ts does: Debian's torch
multiplies through OpenBLAS, whose thread pool torch.set_num_threads does not limit.

Prints one JSON line: forwardMs, stepMs, their tokens/s and CPU ms (all threads), and the process's peak RSS in MiB;
with --step-only the forward figures are absent (not timed).
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_llama import CausalLM, Config, init_weights  # noqa: E402


class LoraLinear(nn.Module):
    """y = base(x) + s·(x·Aᵀ)·Bᵀ (peft.tuners.lora.layer.Linear without dropout)."""

    def __init__(self, base: nn.Linear, r: int, alpha: float):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        with torch.no_grad():
            self.lora_B.normal_(0, 0.02)  # nonzero, so backward does the work it does mid-training
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.t()) @ self.lora_B.t() * self.scaling


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--overrides", required=True, help="config.json keys (JSON object)")
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--step-only", action="store_true", help="time the training step only, not the forward")
    ap.add_argument("--device", default="cpu", help="torch device: cpu, or cuda on a GPU machine (f32, no TF32)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    raw = {"model_type": "llama", "rms_norm_eps": 1e-5, **json.loads(args.overrides)}
    cfg = Config.from_hf(raw)
    model = CausalLM(cfg)
    init_weights(model, seed=0)
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.layers:
        for parent in (layer.self_attn, layer.mlp):
            for name, child in list(parent.named_children()):
                if isinstance(child, nn.Linear):
                    setattr(parent, name, LoraLinear(child, args.rank, 2 * args.rank))
    trainable = [p for p in model.parameters() if p.requires_grad]
    ids = torch.randint(0, cfg.vocab_size, (1, args.tokens), generator=torch.Generator().manual_seed(1))
    device = torch.device(args.device)
    model.to(device)
    ids = ids.to(device)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = False  # f32 products, as @lora's

    def forward():
        model.loss(ids).item()

    def step():
        for p in trainable:
            p.grad = None
        model.loss(ids).backward()

    def best_of(fn):
        """Best wall-clock ms and least CPU ms (all threads) of one run, after a warm-up; on CUDA, to its end."""
        fn()
        times, cpus = [], []
        for _ in range(args.reps):
            if cuda:
                torch.cuda.synchronize()
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            if cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        return min(times) * 1000, min(cpus) * 1000

    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "device": torch.cuda.get_device_name(device) if cuda else "cpu",
        "trainable": sum(p.numel() for p in trainable),
    }
    if not args.step_only:
        forward_ms, forward_cpu = best_of(forward)
        out.update(
            forwardMs=forward_ms, forwardCpuMs=forward_cpu, forwardTokensPerSecond=args.tokens / forward_ms * 1000
        )
    step_ms, step_cpu = best_of(step)
    out.update(stepMs=step_ms, stepCpuMs=step_cpu, stepTokensPerSecond=args.tokens / step_ms * 1000)
    out["peakRssMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps(out))


if __name__ == "__main__":
    main()
