#!/usr/bin/env python3
"""A Llama-architecture decoder in plain PyTorch (GQA, RoPE, RMSNorm, SwiGLU)
whose attention reads a paged KV cache through Spotlight.

It prefills a prompt into the paged cache (K, V and the key codes, written
with torch.ops.spotlight.paged_write), then decodes the same tokens twice:
with dense attention (spotlight's dense step, the baseline) and with
Spotlight's sparse step, and prints tokens per second for both and, per step,
how far the sparse logits are from the dense ones.

The default model is small (2 layers, random weights: nothing can be
downloaded here) with Qwen2.5-7B's attention geometry: 28 query heads, 4 KV
heads, head dim 128. A real checkpoint loads with --checkpoint DIR (a
Hugging Face folder: config.json and *.safetensors of a Llama or Qwen2
model), and trained hash weights with --hash-weights (spotlight-train's
.safetensors; "{layer}" in the path picks one file per layer), else the
untrained default hash is used.

    python3 examples/python/decode_llama.py                 # the demo
    python3 examples/python/decode_llama.py --prompt 32768 --steps 16
    python3 examples/python/decode_llama.py --checkpoint ~/Qwen2.5-7B \\
        --hash-weights trained/layer{layer}.safetensors --prompt 8192

The attention module below (PagedAttention) is the integration pattern:
project, rotate, write the new token's K/V into the pools, run the step.
"""

import argparse
import glob
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
import spotlight  # noqa: E402
from spotlight.safetensors import load_file, load_hash_weights  # noqa: E402


# -- the model -----------------------------------------------------------------
class Config:
    def __init__(self, **kw):
        self.layers = 2
        self.hidden = 256
        self.intermediate = 512
        self.vocab = 2048
        self.query_heads = 28
        self.kv_heads = 4
        self.head_dim = 128
        self.rope_theta = 1e6
        self.rms_eps = 1e-6
        self.qkv_bias = True  # Qwen2 has q/k/v biases; Llama does not
        self.tie_embeddings = False
        self.__dict__.update(kw)


def rms_norm(x, weight, eps):
    x32 = x.float()
    x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)
    return (x32 * weight.float()).to(x.dtype)


def rope(x, positions, theta):
    """Rotary embedding (Hugging Face's rotate_half form): x [T, H, D]."""
    d = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    angles = positions.to(torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([angles.cos(), angles.cos()], -1).to(x.dtype)[:, None, :]
    sin = torch.cat([angles.sin(), angles.sin()], -1).to(x.dtype)[:, None, :]
    half = torch.cat([-x[..., d // 2:], x[..., :d // 2]], -1)
    return x * cos + half * sin


def random_weights(cfg, seed=0, dtype=torch.float32):
    """Random weights; q/k projections scaled so attention is peaked, as in
    trained models (uniform attention would make any selection look good)."""
    g = torch.Generator().manual_seed(seed)
    H, QD, KD = cfg.hidden, cfg.query_heads * cfg.head_dim, \
        cfg.kv_heads * cfg.head_dim

    def normal(*shape, sd):
        return (torch.randn(shape, generator=g) * sd).to(dtype)
    w = {"model.embed_tokens.weight": normal(cfg.vocab, H, sd=1.0),
         "model.norm.weight": torch.ones(H, dtype=dtype),
         "lm_head.weight": normal(cfg.vocab, H, sd=1 / math.sqrt(H))}
    for i in range(cfg.layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = torch.ones(H, dtype=dtype)
        w[p + "post_attention_layernorm.weight"] = torch.ones(H, dtype=dtype)
        w[p + "self_attn.q_proj.weight"] = normal(QD, H, sd=2 / math.sqrt(H))
        w[p + "self_attn.k_proj.weight"] = normal(KD, H, sd=2 / math.sqrt(H))
        w[p + "self_attn.v_proj.weight"] = normal(KD, H, sd=1 / math.sqrt(H))
        if cfg.qkv_bias:
            w[p + "self_attn.q_proj.bias"] = normal(QD, sd=0.1)
            w[p + "self_attn.k_proj.bias"] = normal(KD, sd=0.1)
            w[p + "self_attn.v_proj.bias"] = normal(KD, sd=0.1)
        w[p + "self_attn.o_proj.weight"] = normal(H, QD, sd=1 / math.sqrt(QD))
        w[p + "mlp.gate_proj.weight"] = normal(cfg.intermediate, H,
                                               sd=1 / math.sqrt(H))
        w[p + "mlp.up_proj.weight"] = normal(cfg.intermediate, H,
                                             sd=1 / math.sqrt(H))
        w[p + "mlp.down_proj.weight"] = normal(
            H, cfg.intermediate, sd=1 / math.sqrt(cfg.intermediate))
    return w


def load_checkpoint(folder, layers, dtype):
    """A Hugging Face Llama/Qwen2 folder: its config and the weights of the
    first `layers` layers (all when None)."""
    with open(os.path.join(folder, "config.json")) as f:
        hf = json.load(f)
    cfg = Config(
        layers=layers or hf["num_hidden_layers"], hidden=hf["hidden_size"],
        intermediate=hf["intermediate_size"], vocab=hf["vocab_size"],
        query_heads=hf["num_attention_heads"],
        kv_heads=hf.get("num_key_value_heads", hf["num_attention_heads"]),
        rope_theta=hf.get("rope_theta", 10000.0),
        rms_eps=hf.get("rms_norm_eps", 1e-6),
        tie_embeddings=hf.get("tie_word_embeddings", False))
    cfg.head_dim = hf.get("head_dim") or cfg.hidden // cfg.query_heads
    wanted = lambda n: not n.startswith("model.layers.") or \
        int(n.split(".")[2]) < cfg.layers  # noqa: E731
    w = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.safetensors"))):
        for name, t in load_file(path).items():
            if wanted(name):
                w[name] = t.to(dtype)
    cfg.qkv_bias = "model.layers.0.self_attn.q_proj.bias" in w
    if "lm_head.weight" not in w:
        w["lm_head.weight"] = w["model.embed_tokens.weight"]
    return cfg, w


def kept_mass(q, k_cache, block_table, seq_lens, indices, group):
    """The share of dense attention's softmax mass on the selected tokens,
    averaged over sequences and query heads (1: nothing lost)."""
    qh, d = q.shape[1], q.shape[2]
    page, kh = k_cache.shape[1], k_cache.shape[2]
    shares = []
    for b in range(q.shape[0]):
        n = int(seq_lens[b])
        t = torch.arange(n, device=q.device)
        slots = block_table[b].long()[t // page] * page + t % page
        keys = k_cache.view(-1, kh, d)[slots].float()
        keys = keys.repeat_interleave(qh // kh, 1)
        p = torch.einsum("hd,thd->ht", q[b].float(), keys) / math.sqrt(d)
        p = p.softmax(-1)
        rows = indices[b].long()
        mask = torch.zeros(rows.shape[0], n + 1, device=q.device)
        mask.scatter_(1, torch.where(rows < 0, n, rows), 1.0)
        if group:
            mask = mask.repeat_interleave(qh // kh, 0)
        shares.append((p * mask[:, :n]).sum(-1).mean())
    return torch.stack(shares).mean().item()


class PagedAttention:
    """One layer's attention over its paged pools (k, v, codes)."""

    def __init__(self, cfg, w, prefix, decoder, pools):
        self.cfg, self.dec, self.pools = cfg, decoder, pools
        self.measure = False  # record kept_mass of each sparse step
        self.kept = None
        get = lambda n: w.get(prefix + n)  # noqa: E731
        self.wq, self.wk, self.wv, self.wo = (get(f"self_attn.{n}_proj.weight")
                                              for n in "qkvo")
        self.bq, self.bk, self.bv = (get(f"self_attn.{n}_proj.bias")
                                     for n in "qkv")

    def project(self, x, positions):
        cfg = self.cfg
        q = F.linear(x, self.wq, self.bq).view(-1, cfg.query_heads,
                                               cfg.head_dim)
        k = F.linear(x, self.wk, self.bk).view(-1, cfg.kv_heads, cfg.head_dim)
        v = F.linear(x, self.wv, self.bv).view(-1, cfg.kv_heads, cfg.head_dim)
        return (rope(q, positions, cfg.rope_theta),
                rope(k, positions, cfg.rope_theta), v)

    def prefill(self, x, positions, slots):
        """Causal attention over a prompt [T, hidden] (plain torch); its K/V
        go into the pools at `slots`."""
        cfg = self.cfg
        q, k, v = self.project(x, positions)
        self.write(k, v, slots)
        g = cfg.query_heads // cfg.kv_heads
        kk = k.repeat_interleave(g, 1).transpose(0, 1).float()
        vv = v.repeat_interleave(g, 1).transpose(0, 1).float()
        qq = q.transpose(0, 1).float()
        t = x.shape[0]
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        scores = (qq @ kk.transpose(1, 2)) / math.sqrt(cfg.head_dim)
        scores = scores.masked_fill(~mask, float("-inf"))
        o = (scores.softmax(-1) @ vv).transpose(0, 1).reshape(t, -1)
        return F.linear(o.to(x.dtype), self.wo)

    def write(self, k, v, slots):
        k_cache, v_cache, code_cache = self.pools
        self.dec.write(k.to(self.dec.dtype).contiguous(),
                       v.to(self.dec.dtype).contiguous(), slots, k_cache,
                       v_cache, code_cache)

    def decode(self, x, positions, slots, block_table, seq_lens, sparse):
        """One token per sequence: x [B, hidden]."""
        q, k, v = self.project(x, positions)
        self.write(k, v, slots)
        k_cache, v_cache, code_cache = self.pools
        q = q.to(self.dec.dtype).contiguous()
        if sparse:
            o, indices = self.dec.decode(q, k_cache, v_cache, code_cache,
                                         block_table, seq_lens)
            if self.measure:
                self.kept = kept_mass(q, k_cache, block_table, seq_lens,
                                      indices, self.dec.spec["mode"] == "group")
        else:
            o = self.dec.dense(q, k_cache, v_cache, block_table, seq_lens)
        return F.linear(o.reshape(x.shape[0], -1).to(x.dtype), self.wo)


class Model:
    def __init__(self, cfg, w, decoders, num_pages):
        self.cfg, self.w = cfg, w
        self.attn = [PagedAttention(cfg, w, f"model.layers.{i}.", decoders[i],
                                    decoders[i].new_cache(num_pages))
                     for i in range(cfg.layers)]

    def mlp(self, x, p):
        w = self.w
        gate = F.linear(x, w[p + "mlp.gate_proj.weight"])
        up = F.linear(x, w[p + "mlp.up_proj.weight"])
        return F.linear(F.silu(gate) * up, w[p + "mlp.down_proj.weight"])

    def forward(self, tokens, attend, last_only=False):
        """Logits of `tokens` (of the last one only with last_only)."""
        cfg, w = self.cfg, self.w
        x = F.embedding(tokens, w["model.embed_tokens.weight"])
        for i, attn in enumerate(self.attn):
            p = f"model.layers.{i}."
            h = rms_norm(x, w[p + "input_layernorm.weight"], cfg.rms_eps)
            x = x + attend(attn, h)
            h = rms_norm(x, w[p + "post_attention_layernorm.weight"],
                         cfg.rms_eps)
            x = x + self.mlp(h, p)
        if last_only:
            x = x[-1:]
        x = rms_norm(x, w["model.norm.weight"], cfg.rms_eps)
        return F.linear(x, w["lm_head.weight"]).float()

    def pools(self):
        return [a.pools for a in self.attn]

    def set_pools(self, pools):
        for a, p in zip(self.attn, pools):
            a.pools = p


# -- the run ---------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, default=None,
                    help="decoder layers (default 2; a checkpoint: all)")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--intermediate", type=int, default=512)
    ap.add_argument("--vocab", type=int, default=2048)
    ap.add_argument("--query-heads", type=int, default=28)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--head-dim", type=int, default=128)
    ap.add_argument("--checkpoint", help="Hugging Face Llama/Qwen2 folder")
    ap.add_argument("--hash-weights",
                    help="spotlight-train .safetensors ({layer}: per layer)")
    ap.add_argument("--batch", type=int, default=1, help="sequences")
    ap.add_argument("--prompt", type=int, default=512,
                    help="prompt tokens (sequence b gets prompt - b * "
                         "prompt / (2 batch): a ragged batch)")
    ap.add_argument("--steps", type=int, default=8, help="tokens to decode")
    ap.add_argument("--page-size", type=int, default=16)
    ap.add_argument("--budget", default="0.02",
                    help="a count (512) or a fraction (0.02)")
    ap.add_argument("--sink", type=int, default=4)
    ap.add_argument("--window", type=int, default=64)
    ap.add_argument("--mode", choices=("group", "head"), default="group")
    ap.add_argument("--cache-dtype", choices=("bf16", "f16", "f32"),
                    default="bf16")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    compute = torch.float32 if dev.type == "cpu" else torch.bfloat16
    if args.checkpoint:
        cfg, w = load_checkpoint(args.checkpoint, args.layers, compute)
        source = f"checkpoint {args.checkpoint}"
    else:
        cfg = Config(layers=args.layers or 2, hidden=args.hidden,
                     intermediate=args.intermediate, vocab=args.vocab,
                     query_heads=args.query_heads, kv_heads=args.kv_heads,
                     head_dim=args.head_dim)
        w = random_weights(cfg, args.seed, compute)
        source = "random weights"
    w = {n: t.to(dev) for n, t in w.items()}

    budget = float(args.budget) if any(c in args.budget for c in ".eE") \
        else int(args.budget)
    cache_dtype = {"bf16": torch.bfloat16, "f16": torch.float16,
                   "f32": torch.float32}[args.cache_dtype]
    B, page = args.batch, args.page_size
    prompt_lens = [args.prompt - b * (args.prompt // (2 * B)) for b in range(B)]
    longest = max(prompt_lens) + args.steps
    max_tokens = max(4096, 1 << (longest - 1).bit_length())
    decoders, made = [], {}
    for i in range(cfg.layers):
        path = args.hash_weights.replace("{layer}", str(i)) \
            if args.hash_weights else None
        if path not in made:
            made[path] = spotlight.SparseDecoder(
                query_heads=cfg.query_heads, kv_heads=cfg.kv_heads,
                head_dim=cfg.head_dim, page_size=page,
                weights=load_hash_weights(path) if path else None,
                dtype=cache_dtype, budget=budget, sink=args.sink,
                window=args.window, mode=args.mode, device=dev,
                max_tokens=max_tokens)
        decoders.append(made[path])

    # Pages: each sequence gets its own, in shuffled order (as an engine's
    # allocator hands them out).
    pages_of = [(n + args.steps + page - 1) // page for n in prompt_lens]
    num_pages = sum(pages_of)
    order = torch.randperm(num_pages).tolist()
    max_pages = max(pages_of)
    block_table = torch.full((B, max_pages), -1, dtype=torch.int32)
    for b, n in enumerate(pages_of):
        for i in range(n):
            block_table[b, i] = order.pop()
    block_table = block_table.to(dev)

    def slots_of(b, positions):
        table = block_table[b].long()
        return (table[positions // page] * page + positions % page).to(
            torch.int32)

    model = Model(cfg, w, decoders, num_pages)
    print(f"model      {cfg.layers} layers, hidden {cfg.hidden}, QH "
          f"{cfg.query_heads}, KH {cfg.kv_heads}, D {cfg.head_dim} ({source})")
    print(f"cache      {args.cache_dtype}, {num_pages} pages of {page}; batch "
          f"{B}, prompts {prompt_lens}")
    d0 = decoders[0]
    hashes = f"hash weights {args.hash_weights}" if args.hash_weights else \
        "the untrained default hash (near chance: train with spotlight-train)"
    print(f"spotlight  budget {args.budget}, sink {args.sink}, window "
          f"{args.window}, {args.mode} mode, {d0.selection_slots} index "
          f"slots; {hashes}")

    # Prefill each prompt (plain causal attention), writing K/V and codes.
    gen = torch.Generator().manual_seed(args.seed + 1)
    prompts = [torch.randint(cfg.vocab, (n,), generator=gen).to(dev)
               for n in prompt_lens]
    start = time.perf_counter()
    last_logits = []
    for b, tokens in enumerate(prompts):
        pos = torch.arange(len(tokens), device=dev)
        slots = slots_of(b, pos)
        logits = model.forward(tokens, lambda a, h: a.prefill(h, pos, slots),
                               last_only=True)
        last_logits.append(logits[-1])
    print(f"prefill    {sum(prompt_lens)} tokens in "
          f"{time.perf_counter() - start:.2f} s")
    first = torch.stack(last_logits).argmax(-1)
    prefilled = [tuple(t.clone() for t in p) for p in model.pools()]

    def run(sparse, inputs=None, steps=args.steps):
        """Decodes `steps` tokens per sequence (greedy, or the given
        inputs) from the prefilled pools; returns the tokens fed, the logits
        per step, the seconds it took and layer 0's kept attention."""
        model.set_pools([tuple(t.clone() for t in p) for p in prefilled])
        lens = torch.tensor(prompt_lens, dtype=torch.int32, device=dev)
        token, fed, logits_per_step, kept = first, [], [], []
        sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
        sync()
        start = time.perf_counter()
        for step in range(steps):
            if inputs is not None:
                token = inputs[step]
            pos = lens.long()
            slots = torch.stack([slots_of(b, pos[b:b + 1])[0]
                                 for b in range(B)])
            lens = lens + 1
            logits = model.forward(token, lambda a, h: a.decode(
                h, pos, slots, block_table, lens, sparse))
            fed.append(token)
            logits_per_step.append(logits)
            kept.append(model.attn[0].kept)
            token = logits.argmax(-1)
        sync()
        return fed, logits_per_step, time.perf_counter() - start, kept

    run(sparse=False, steps=1)  # warm up (first calls, thread pools)
    run(sparse=True, steps=1)
    fed, dense_logits, dense_s, _ = run(sparse=False)
    _, sparse_logits, sparse_s, _ = run(sparse=True, inputs=fed)
    # Untimed: the same sparse steps again, measuring layer 0's retrieval.
    model.attn[0].measure = True
    _, _, _, kept = run(sparse=True, inputs=fed)

    print("step  position  logits rel. diff  same argmax  attention kept "
          "(layer 0)")
    for step, (ld, ls) in enumerate(zip(dense_logits, sparse_logits)):
        diff = ((ls - ld).norm(dim=-1) / ld.norm(dim=-1)).max().item()
        agree = (ls.argmax(-1) == ld.argmax(-1)).float().mean().item()
        print(f"{step:4d}  {prompt_lens[0] + step:8d}  {diff:16.3e}  "
              f"{agree * 100:10.0f}%  {kept[step] * 100:23.1f}%")
    print(f"dense      {B * args.steps / dense_s:8.1f} tokens/s "
          f"({dense_s / args.steps * 1e3:.1f} ms/step)")
    print(f"spotlight  {B * args.steps / sparse_s:8.1f} tokens/s "
          f"({sparse_s / args.steps * 1e3:.1f} ms/step)")


if __name__ == "__main__":
    main()
