"""Plain-torch Llama / Qwen2 decoder (transformers LlamaForCausalLM / Qwen2ForCausalLM, eager attention).

The PyTorch baseline of the models benchmark: the same shapes and math as @lora/models (RMSNorm, rotate_half RoPE,
grouped KV heads, SwiGLU MLP, optional q/k/v biases, optional tied embeddings), written from the definitions so
it runs on Debian's torch 1.13 without transformers. Shapes: B batch, T tokens, C channels, H heads, D head dim.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Config:
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    rope_theta: float = 10000.0
    norm_eps: float = 1e-6
    qkv_bias: bool = False
    tie_word_embeddings: bool = False

    @staticmethod
    def from_hf(raw: dict) -> "Config":
        heads = raw["num_attention_heads"]
        return Config(
            vocab_size=raw["vocab_size"],
            hidden_size=raw["hidden_size"],
            intermediate_size=raw["intermediate_size"],
            num_layers=raw["num_hidden_layers"],
            num_heads=heads,
            num_kv_heads=raw.get("num_key_value_heads", heads),
            head_dim=raw.get("head_dim") or raw["hidden_size"] // heads,
            # transformers 5 saves it under rope_parameters
            rope_theta=raw.get("rope_theta") or (raw.get("rope_parameters") or {}).get("rope_theta", 10000.0),
            norm_eps=raw.get("rms_norm_eps", 1e-6),
            qkv_bias=raw.get("model_type") == "qwen2" or raw.get("attention_bias", False),
            tie_word_embeddings=raw.get("tie_word_embeddings", False),
        )


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_tables(cfg: Config, positions):
    inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float32) / cfg.head_dim))
    freqs = positions.float()[:, None] * inv_freq[None, :]  # (T, D/2)
    emb = torch.cat((freqs, freqs), dim=-1)  # (T, D)
    return emb.cos(), emb.sin()


class Attention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        C, H, Hkv, D = cfg.hidden_size, cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
        self.q_proj = nn.Linear(C, H * D, bias=cfg.qkv_bias)
        self.k_proj = nn.Linear(C, Hkv * D, bias=cfg.qkv_bias)
        self.v_proj = nn.Linear(C, Hkv * D, bias=cfg.qkv_bias)
        self.o_proj = nn.Linear(H * D, C, bias=False)

    def forward(self, x, cos, sin, cache=None, start=0):
        cfg = self.cfg
        B, T, _ = x.shape
        H, Hkv, D = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
        q = self.q_proj(x).view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        k = self.k_proj(x).view(B, T, Hkv, D).transpose(1, 2)  # (B, Hkv, T, D)
        v = self.v_proj(x).view(B, T, Hkv, D).transpose(1, 2)  # (B, Hkv, T, D)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            cache[0][:, :, start : start + T] = k
            cache[1][:, :, start : start + T] = v
            k, v = cache[0][:, :, : start + T], cache[1][:, :, : start + T]  # (B, Hkv, L, D)
        L = k.shape[2]
        g = H // Hkv
        k = k.repeat_interleave(g, dim=1)  # (B, H, L, D) repeat_kv
        v = v.repeat_interleave(g, dim=1)
        scores = q @ k.transpose(-1, -2) / D**0.5  # (B, H, T, L)
        causal = torch.ones(T, L, dtype=torch.bool).tril(diagonal=L - T)
        scores = scores.masked_fill(~causal, float("-inf"))
        out = F.softmax(scores, dim=-1) @ v  # (B, H, T, D)
        return self.o_proj(out.transpose(1, 2).reshape(B, T, H * D))


class Mlp(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        C, I = cfg.hidden_size, cfg.intermediate_size
        self.gate_proj = nn.Linear(C, I, bias=False)
        self.up_proj = nn.Linear(C, I, bias=False)
        self.down_proj = nn.Linear(I, C, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.norm_eps)
        self.mlp = Mlp(cfg)

    def forward(self, x, cos, sin, cache=None, start=0):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, start)
        return x + self.mlp(self.post_attention_layernorm(x))


class CausalLM(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([Block(cfg) for _ in range(cfg.num_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.norm_eps)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)
        if cfg.tie_word_embeddings:
            self.lm_head.weight = self.embed_tokens.weight

    def hidden(self, ids, caches=None, start=0):
        T = ids.shape[1]
        cos, sin = rope_tables(self.cfg, torch.arange(start, start + T))
        x = self.embed_tokens(ids)  # (B, T, C)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i], start)
        return self.norm(x)

    def loss(self, ids):
        """Mean next-token cross-entropy over the batch (labels = inputs, shifted inside)."""
        logits = self.lm_head(self.hidden(ids))  # (B, T, V)
        V = logits.shape[-1]
        return F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))

    def new_caches(self, batch: int, capacity: int):
        cfg = self.cfg
        shape = (batch, cfg.num_kv_heads, capacity, cfg.head_dim)
        return [(torch.zeros(shape), torch.zeros(shape)) for _ in range(cfg.num_layers)]

    def next_logits(self, ids, caches, start):
        """Logits (B, V) of the last of `ids`, appending their keys and values to `caches` at `start`."""
        return self.lm_head(self.hidden(ids, caches, start)[:, -1])


def init_weights(model: CausalLM, seed: int, std: float = 0.02):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("layernorm.weight") or name == "norm.weight":
                p.fill_(1.0)
            else:
                p.uniform_(-std * 3**0.5, std * 3**0.5)
