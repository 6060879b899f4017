"""The reader network in torch (training and export only; answering runs the ONNX export).

multilingual-e5-small's encoder (BERT layout, as the converter writes it) with a span head:
start and end logits per token. Position 0 (`<s>`) stands for "no answer" (SQuAD 2.0 style).
The lower layers can be frozen and run without gradients, which is where training saves time.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.ao = (nn.Linear(hidden, hidden) for _ in range(4))
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi, self.fo = nn.Linear(hidden, ffn), nn.Linear(ffn, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n, h = x.shape
        d = h // self.heads

        def split(t):
            return t.view(b, n, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, n, h)
        x = self.aln(x + self.dropout(self.ao(ctx)))
        return self.oln(x + self.dropout(self.fo(F.gelu(self.fi(x)))))


class SpanReader(nn.Module):
    def __init__(self, config: dict) -> None:
        super().__init__()
        h, eps = config["hidden_size"], config["layer_norm_eps"]
        self.word = nn.Embedding(config["vocab_size"], h)
        self.pos = nn.Embedding(config["max_position_embeddings"], h)
        self.ttype = nn.Embedding(config["type_vocab_size"], h)
        self.eln = nn.LayerNorm(h, eps=eps)
        self.layers = nn.ModuleList(
            Layer(h, config["num_attention_heads"], config["intermediate_size"], eps)
            for _ in range(config["num_hidden_layers"])
        )
        self.head = nn.Linear(h, 2)
        self.frozen = 0  # layers below this run without gradients

    def freeze_below(self, n: int) -> None:
        self.frozen = n
        for p in [
            *self.word.parameters(),
            *self.pos.parameters(),
            *self.ttype.parameters(),
            *self.eln.parameters(),
        ]:
            p.requires_grad_(False)
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():
                p.requires_grad_(i >= n)

    def lower(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Embeddings and the frozen layers: (hidden states, attention bias)."""
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.eln(self.word(ids) + self.pos(positions) + self.ttype(torch.zeros_like(ids)))
        bias = ((1.0 - mask[:, None, None, :].to(x.dtype)) * -1e4).to(x.dtype)
        for layer in self.layers[: self.frozen]:
            x = layer(x, bias)
        return x, bias

    def upper(self, x: torch.Tensor, bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for layer in self.layers[self.frozen :]:
            x = layer(x, bias)
        logits = self.head(x)
        return logits[..., 0], logits[..., 1]

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.frozen and self.training:
            with torch.no_grad():
                x, bias = self.lower(ids, mask)
        else:
            x, bias = self.lower(ids, mask)
        return self.upper(x, bias)

    def load_weights(self, weights: dict) -> None:
        """Weights under the reader's names (delta.base_weights, delta.apply_delta); the head may be absent."""
        own = self.state_dict()
        for name, value in weights.items():
            own[name] = torch.as_tensor(value)
        self.load_state_dict(own)
