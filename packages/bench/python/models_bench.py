"""One case of the models benchmark on PyTorch (the baseline of packages/bench/src/models-bench.ts).

    /usr/bin/python3 models_bench.py --case forward|train|generate --config '<config.json object>' [--tokens 256]
        [--prompt 32] [--new 32] [--threads 2] [--budget 10] [--max-reps 5]
    /usr/bin/python3 models_bench.py --case loss --weights <HF folder> --ids 1,2,3   (the sameness check)

Prints one JSON object: tokens/s from the median of the timed runs (after a warm-up), and the process's peak RSS.
forward: loss without grad on (1, tokens); train: forward + backward with every decoder linear's weight
trainable (what LoRA targets as all-linear, here as full weight grads); generate: greedy decoding with a KV cache.
loss: the mean next-token loss of --ids under a float32 checkpoint's weights, so a test can check that this model
computes what @lora/models computes.
"""

import argparse
import json
import os
import resource
import struct
import statistics
import time

import torch

from torch_llama import CausalLM, Config, init_weights


def timed(run, budget_s: float, max_reps: int, min_reps: int = 1):
    run()  # warm-up
    times = []
    spent = 0.0
    while len(times) < max_reps and (len(times) < min_reps or spent < budget_s):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
        spent += times[-1]
    return statistics.median(times), len(times)


def load_safetensors(path: str) -> dict:
    """F32 tensors of a .safetensors file: an 8-byte header length, a JSON header, then the raw data."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} expected dtype F32, got {info['dtype']}")
        begin, end = info["data_offsets"]
        data = bytearray(raw[8 + n + begin : 8 + n + end])
        tensors[name] = torch.frombuffer(data, dtype=torch.float32).reshape(info["shape"])
    return tensors


def checkpoint_loss(folder: str, ids: list) -> float:
    with open(os.path.join(folder, "config.json")) as f:
        cfg = Config.from_hf(json.load(f))
    model = CausalLM(cfg)
    state = {name.removeprefix("model."): t for name, t in load_safetensors(os.path.join(folder, "model.safetensors")).items()}
    if cfg.tie_word_embeddings:
        state["lm_head.weight"] = state["embed_tokens.weight"]
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        return model.loss(torch.tensor([ids])).item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", choices=["forward", "train", "generate", "loss"], required=True)
    ap.add_argument("--config", help="config.json object (JSON text)")
    ap.add_argument("--weights", help="loss: a float32 Hugging Face folder")
    ap.add_argument("--ids", help="loss: comma-separated token ids")
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--new", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--budget", type=float, default=10.0)
    ap.add_argument("--max-reps", type=int, default=5)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    if args.case == "loss":
        print(json.dumps({"loss": checkpoint_loss(args.weights, [int(x) for x in args.ids.split(",")])}))
        return
    cfg = Config.from_hf(json.loads(args.config))
    built = time.perf_counter()
    model = CausalLM(cfg)
    init_weights(model, seed=0)
    model.eval()
    build_s = time.perf_counter() - built
    gen = torch.Generator().manual_seed(1)
    result = {"case": args.case, "threads": torch.get_num_threads(), "torch": torch.__version__, "buildSeconds": build_s}

    if args.case in ("forward", "train"):
        ids = torch.randint(0, cfg.vocab_size, (1, args.tokens), generator=gen)
        if args.case == "forward":

            def run():
                with torch.no_grad():
                    model.loss(ids).item()

        else:
            for name, p in model.named_parameters():
                p.requires_grad_(name.startswith("layers.") and name.endswith("proj.weight"))

            def run():
                for p in model.parameters():
                    p.grad = None
                model.loss(ids).backward()

        seconds, reps = timed(run, args.budget, args.max_reps)
        result.update(tokens=args.tokens, seconds=seconds, reps=reps, tokensPerSecond=args.tokens / seconds)
    else:
        prompt = torch.randint(0, cfg.vocab_size, (1, args.prompt), generator=gen)
        for p in model.parameters():
            p.requires_grad_(False)
        prefill, decode = [], []

        def run():
            with torch.no_grad():
                caches = model.new_caches(1, args.prompt + args.new)
                t0 = time.perf_counter()
                token = model.next_logits(prompt, caches, 0).argmax(-1, keepdim=True)  # (1, 1)
                t1 = time.perf_counter()
                for n in range(1, args.new):
                    token = model.next_logits(token, caches, args.prompt + n - 1).argmax(-1, keepdim=True)
                prefill.append(t1 - t0)
                decode.append(time.perf_counter() - t1)

        seconds, reps = timed(run, args.budget, args.max_reps)
        result.update(
            prompt=args.prompt,
            new=args.new,
            seconds=seconds,
            reps=reps,
            prefillTokensPerSecond=args.prompt / statistics.median(prefill[1:]),
            tokensPerSecond=(args.new - 1) / statistics.median(decode[1:]),
        )
    result["peakRssMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
