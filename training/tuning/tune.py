"""Contrastive tuning of the embedder on job-title pairs, top layers only, deterministic by seed.

The loss is the in-batch softmax of sentence-transformers' MultipleNegativesRankingLoss, written out
here so that every step is ours to seed: for a batch of B pairs, each query's positive must score
above the other B − 1 positives and every hard negative of the batch (cosine / ``temperature``,
cross-entropy). Queries carry the model's query prompt and positives its passage prompt, exactly as
the matcher embeds claimants' wishes and occupation titles.

With ``distill`` > 0 a term of multilingual knowledge distillation (Reimers & Gurevych 2020) joins
the loss: the squared distance of the query (a label in any language) and of its German positive
to the *frozen base model's* vector of that German label, times ``distill``; it pulls other
languages onto the German label's place and holds the German labels near where the base model put
them.

Only the top ``train_layers`` transformer layers (and nothing below them) are trained: the result
differs from the base model in a few MB, it trains on 2 CPU cores in minutes, and the multilingual
lower layers that map 100 languages into one space stay as they were. Determinism: one torch
thread for the optimiser's arithmetic order, a seeded shuffle, seeded dropout; the same seed and
pairs give the same weights hash (``manifest.json``), which is also part of the model id, so every
embedding cache keyed by the id is rebuilt after a tuning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from training.tuning.pairs import Pair

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TuneParams:
    seed: int = 0
    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 3e-5
    train_layers: int = 4
    temperature: float = 0.05
    max_steps: int | None = None  # a budget for demos and tests; None: the whole epochs
    # weight of the distillation term (module doc); 0: the contrastive loss alone
    distill: float = 0.0


def pairs_sha256(pairs: Sequence[Pair]) -> str:
    h = hashlib.sha256()
    for p in pairs:
        h.update(f"{p.lang}\t{p.concept}\t{p.query}\t{p.positive}\t{p.negative or ''}\n".encode())
    return h.hexdigest()


def _weights_sha256(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*.safetensors")):
        h.update(f.read_bytes())
    return h.hexdigest()


def tune(
    base: Path,
    pairs: Sequence[Pair],
    out: Path,
    params: TuneParams,
    *,
    base_id: str,
    extra_manifest: dict[str, Any] | None = None,
    calibrate: Callable[[Path], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Train from the sentence-transformers folder ``base`` on ``pairs``; write the tuned folder to
    ``out`` (replaced atomically) with a ``manifest.json``. ``calibrate`` is given the saved folder
    before it is moved into place; what it returns joins the manifest (the grounding floor), so a
    folder in place always has it. Returns the manifest."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(params.seed)
    torch.set_num_threads(1)
    random.seed(params.seed)
    model: Any = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    model.eval()
    prompts = dict(getattr(model, "prompts", None) or {})
    q_prompt = prompts.get("query") or ""
    p_prompt = prompts.get("passage") or prompts.get("document") or ""
    encoder = model[0].auto_model
    layers = encoder.encoder.layer
    split = len(layers) - params.train_layers
    for p in model.parameters():
        p.requires_grad_(False)
    trained = [p for layer in layers[split:] for p in layer.parameters()]
    for p in trained:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(trained, lr=params.learning_rate, weight_decay=0.01)

    texts = sorted(
        {q_prompt + p.query for p in pairs}
        | {p_prompt + p.positive for p in pairs}
        | {p_prompt + p.negative for p in pairs if p.negative}
    )
    t0 = time.perf_counter()
    lower = LowerLayers(model, split)
    cache = lower.run(texts)
    logger.info("lower %d layers of %d texts in %.0f s", split, len(texts), time.perf_counter() - t0)
    upper = UpperLayers(model, split)
    teacher = None
    if params.distill:
        import copy

        frozen = copy.deepcopy(model)  # the base model's top layers, never trained
        frozen.eval()
        teacher = UpperLayers(frozen, split)

    order = list(range(len(pairs)))
    steps, t0, losses = 0, time.perf_counter(), []
    for layer in layers[split:]:
        layer.train()  # dropout in the trained layers only; the cached lower ones ran in eval mode
    for epoch in range(params.epochs):
        random.Random(params.seed * 1000 + epoch).shuffle(order)
        for start in range(0, len(order) - params.batch_size + 1, params.batch_size):
            batch = [pairs[i] for i in order[start : start + params.batch_size]]
            q = upper.chunked([cache[q_prompt + p.query] for p in batch])
            passages = [p_prompt + p.positive for p in batch]
            passages += [p_prompt + p.negative for p in batch if p.negative]
            d = upper.chunked([cache[t] for t in passages])
            logits = q @ d.T / params.temperature
            # a positive that another pair of the batch shares is no negative of that pair
            mask = torch.zeros(logits.shape, dtype=torch.bool)
            mask[:, : len(batch)] = torch.tensor([[a.positive == b.positive for b in batch] for a in batch])
            mask[:, : len(batch)] &= ~torch.eye(len(batch), dtype=torch.bool)
            logits = logits.masked_fill(mask, float("-inf"))
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            if teacher is not None:
                with torch.no_grad():
                    target = teacher.chunked([cache[t] for t in passages[: len(batch)]])
                # the query (any language) and its German positive onto the frozen base model's
                # vector of that German label
                own = d[: len(batch)]
                pull = ((q - target) ** 2).sum(dim=1).mean() + ((own - target) ** 2).sum(dim=1).mean()
                loss = loss + params.distill * pull
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            steps += 1
            if steps % 50 == 0:
                recent = sum(losses[-50:]) / 50
                logger.info("step %d loss %.4f (%.0f s)", steps, recent, time.perf_counter() - t0)
            if params.max_steps is not None and steps >= params.max_steps:
                break
        if params.max_steps is not None and steps >= params.max_steps:
            break
    model.eval()
    seconds = time.perf_counter() - t0

    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp))
    manifest: dict[str, Any] = {
        "base_model": base_id,
        "params": asdict(params),
        "pairs": len(pairs),
        "pairs_sha256": pairs_sha256(pairs),
        "steps": steps,
        "train_seconds": round(seconds, 1),
        "final_loss": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 4),
        "weights_sha256": _weights_sha256(tmp),
        **(extra_manifest or {}),
    }
    if calibrate is not None:
        manifest |= calibrate(tmp)
    (tmp / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return manifest


class LowerLayers:
    """The frozen part of the model, run once per distinct text: token embeddings and the lower
    ``split`` transformer layers, in eval mode. Their output is all the trained layers need, so a
    training step costs only the top layers (3× fewer at 4 of 12)."""

    def __init__(self, model: Any, split: int, batch_size: int = 128) -> None:
        self.model, self.split, self.batch_size = model, split, batch_size
        self.encoder = model[0].auto_model
        # renamed in sentence-transformers 6 (``tokenize`` still exists there, deprecated)
        self._tokenize = getattr(model, "preprocess", None) or model.tokenize

    def run(self, texts: Sequence[str]) -> dict[str, Any]:
        import torch
        from transformers.masking_utils import create_bidirectional_mask

        out: dict[str, Any] = {}
        enc = self.encoder
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                chunk = list(texts[start : start + self.batch_size])
                f = self._tokenize(chunk)
                h = enc.embeddings(input_ids=f["input_ids"], token_type_ids=f.get("token_type_ids"))
                mask = create_bidirectional_mask(
                    config=enc.config, inputs_embeds=h, attention_mask=f["attention_mask"]
                )
                for layer in enc.encoder.layer[: self.split]:
                    h = layer(h, mask)
                lengths = f["attention_mask"].sum(dim=1).tolist()
                for i, text in enumerate(chunk):
                    out[text] = h[i, : lengths[i]].clone()
        return out


class UpperLayers:
    """The trained top layers over cached lower-layer states, then the model's mean pooling and
    normalisation: the same vectors as ``model.encode`` (checked in a test)."""

    def __init__(self, model: Any, split: int) -> None:
        self.encoder = model[0].auto_model
        self.split = split

    def __call__(self, states: Sequence[Any]) -> Any:
        import torch
        from transformers.masking_utils import create_bidirectional_mask

        width = max(int(s.shape[0]) for s in states)
        dim = int(states[0].shape[1])
        h = torch.zeros(len(states), width, dim)
        attention = torch.zeros(len(states), width, dtype=torch.long)
        for i, s in enumerate(states):
            h[i, : s.shape[0]] = s
            attention[i, : s.shape[0]] = 1
        mask = create_bidirectional_mask(
            config=self.encoder.config, inputs_embeds=h, attention_mask=attention
        )
        for layer in self.encoder.encoder.layer[self.split :]:
            h = layer(h, mask)
        m = attention.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def chunked(self, states: Sequence[Any], chunk: int = 16) -> Any:
        """``self(states)`` in chunks of similar length (the same vectors, to float rounding):
        one long title no longer pads a whole batch to its width. Titles are 5–50 tokens, and a
        batch of 64 padded to its longest spent about half of a training step on padding."""
        import torch

        order = sorted(range(len(states)), key=lambda i: (int(states[i].shape[0]), i))
        parts = [self([states[i] for i in order[s : s + chunk]]) for s in range(0, len(order), chunk)]
        out = torch.cat(parts)
        inverse = torch.empty(len(order), dtype=torch.long)
        inverse[torch.tensor(order)] = torch.arange(len(order))
        return out[inverse]
