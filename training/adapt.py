"""``python -m training.adapt`` (``make adapt``): train the adapter that moves Lithuanian, Japanese and
Chinese text next to the English text that says the same thing (``python -m indexer.adapt`` applies it).

Multilingual knowledge distillation (Reimers & Gurevych, 2020) on public parallel sentences — NTREX-128 and
Tatoeba from ``../shared/eval`` and the demo knowledge base's parallel titles and example questions. The
converted model, frozen, is the teacher: it embeds the English side of every pair. A copy of its top
``layers`` transformer layers (the student) learns to put the other language's sentence — and the English
sentence itself — on the teacher's English vector, with the ``query: `` and the ``passage: `` prompt, plus an
in-batch contrastive term (the other language's question against the teacher's English passages). The
project's help-desk items (``models/training-data``) are an in-domain dev set; ``--helpdesk`` trains on most
of them too. The layers below stay frozen, so their output is computed once per sentence. The trained layers'
difference from the converted model is written in float16 (``models/e5-small-adapter.safetensors``) with a
JSON record of its SHA-256, the recipe, the data and the time.

The evaluation's judges (FLORES, gnome-help, Mozilla, bitext-cs, banking77, the tests' paraphrases) are never
read for training: a training pair with a text found in any of them (compared by :func:`judge_key`, so
near-copies count too) is dropped, and so is a whole help-desk item with one.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from evals.benchmark import BENCHMARK_DIR, HELD_OUT_SOURCES, TRAINING_SOURCES, read_jsonl
from indexer.adapt import ADAPTER_FILE, record_file
from indexer.convert import STAMP_FILE, sha256_of
from indexer.lexical import fold
from indexer.settings import DEMO_KB, PROJECT_ROOT, model_dir

# parallel help-desk titles and questions written for this project (README, "The adapted model")
HELPDESK_DIR = PROJECT_ROOT / "models" / "training-data"
# every HELPDESK_DEV_EVERY-th help-desk item is held out to watch training
HELPDESK_DEV_EVERY = 10
CACHE_DIR = PROJECT_ROOT / "build" / "adapt" / "cache"
# texts that judge the model: never trained on
JUDGE_YAML = (PROJECT_ROOT / "tests" / "data" / "paraphrases.yaml", PROJECT_ROOT / "tests" / "data" / "off_topic.yaml")
OTHER_LANGUAGES = ("lt", "ja", "zh")


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the trained weights (with the data and the converted model).

    Args:
        layers: trained top transformer layers (of 12).
        epochs: passes over the training pairs.
        batch_size: pairs per step (also the contrastive term's candidates).
        lr: AdamW peak learning rate (linear warm-up over ``warmup`` of the steps, then linear decay).
        warmup: share of the steps spent warming up.
        temperature: of the contrastive term.
        contrastive_weight: of the contrastive term.
        distil_weight: of the other language's distillation term (its distance from the English vectors).
        english_weight: of the English sentence's own terms (keep English where it was).
        max_tokens: tokens kept per training sentence.
        dev_pairs: pairs per source (NTREX per language, each Tatoeba set) held out to watch training.
        helpdesk: train on the help-desk items too (``models/training-data``; every tenth item is
            held out to watch training either way). Off: tried, it did not help the held-out judges
            (README, "The adapted model").
        seed: every random choice.
    """

    layers: int = 4
    epochs: int = 1
    batch_size: int = 32
    lr: float = 3e-5
    warmup: float = 0.1
    temperature: float = 0.05
    contrastive_weight: float = 1.0
    distil_weight: float = 1.0
    english_weight: float = 30.0
    max_tokens: int = 128
    dev_pairs: int = 100
    helpdesk: bool = False
    seed: int = 11


@dataclass(frozen=True)
class Pair:
    source: str
    lang: str
    text: str
    english: str


def with_unaccented(pair: Pair) -> list[Pair]:
    """The pair, and for Lithuanian also its copy without diacritics (ą→a, š→s, ū→u...), as
    customers often type it."""
    folded = fold(pair.text)
    return [pair, replace(pair, text=folded)] if pair.lang == "lt" and folded != pair.text else [pair]


# English words left out when texts are compared with the judges' ("Use the on-screen keyboard" is
# "Use an on-screen keyboard")
FUNCTION_WORDS = frozenset({"a", "an", "the", "your", "my", "its"})


def judge_key(text: str) -> str:
    """A text as compared with the judges' texts: NFKC, lower case, without punctuation or English
    articles and possessives, so a near-copy of a judge's text is caught as well as an exact one."""
    words = "".join(c if c.isalnum() or c.isspace() else " " for c in unicodedata.normalize("NFKC", text).lower())
    return " ".join(w for w in words.split() if w not in FUNCTION_WORDS)


def judge_texts(benchmark_dir: Path) -> set[str]:
    """Every query and document text of the held-out sources and of the tests' labelled questions,
    as :func:`judge_key` compares them."""
    import yaml

    texts = set()
    for name, field in (("queries.jsonl", "query"), ("docs.jsonl", "text")):
        texts |= {row[field] for row in read_jsonl(benchmark_dir / name, set(HELD_OUT_SOURCES))}
    for path in JUDGE_YAML:
        texts |= set(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return {judge_key(text) for text in texts}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def training_pairs(recipe: Recipe, benchmark_dir: Path = BENCHMARK_DIR, kb_dir: Path = DEMO_KB,
                   helpdesk_dir: Path = HELPDESK_DIR) -> tuple[list[Pair], list[Pair], dict]:
    """The parallel training pairs (other language -> English) and the held-out dev pairs.

    NTREX-128 and Tatoeba pair lines by their number; the demo knowledge base pairs every
    non-English title and example question with the article's English title, and adds the English
    title, questions and summary paired with themselves (to keep English in place); the help-desk
    items (``models/training-data``) pair each language's title and question with the English ones,
    and add the English ones paired with themselves. Lithuanian from Tatoeba, the demo KB and the
    help-desk items is added once more without diacritics, as customers often type it.

    Args:
        recipe: how many pairs per source are held out for the dev check.
        benchmark_dir: ``../shared/eval``.
        kb_dir: the demo knowledge base.
        helpdesk_dir: the help-desk items' JSONL files.

    Returns:
        ``(train, dev, counts)``; counts per source and language, of pairs dropped as judges' texts,
        and of help-desk items dropped for one.
    """
    from kb.loader import load_articles

    docs = {row["doc_id"]: row["text"].strip() for row in read_jsonl(benchmark_dir / "docs.jsonl", set(TRAINING_SOURCES))}
    lines: dict[tuple[str, str], int] = {}
    for doc_id in docs:
        source, lang, _ = doc_id.split(":")
        lines[source, lang] = lines.get((source, lang), 0) + 1
    train, dev = [], []
    for doc_id, text in docs.items():
        source, lang, number = doc_id.split(":")
        english = docs.get(f"{source}:en:{number}")
        if lang == "en" or not english or not text:
            continue
        if int(number) >= lines[source, lang] - recipe.dev_pairs:
            dev.append(Pair(source, lang, text, english))
            continue
        pair = Pair(source, lang, text, english)
        train += [pair] if source == "ntrex" else with_unaccented(pair)
    for article in load_articles(kb_dir):
        english = article.variants.get("en")
        if english is None:
            continue
        for text in (english.title, *english.questions, english.summary):
            train.append(Pair("demo-kb", "en", text.strip(), text.strip()))
        for lang in OTHER_LANGUAGES:
            variant = article.variants.get(lang)
            for text in (variant.title, *variant.questions) if variant else ():
                train += with_unaccented(Pair("demo-kb", lang, text.strip(), english.title.strip()))
    judges = judge_texts(benchmark_dir)
    items = helpdesk_items(helpdesk_dir)
    clear = [item for item in items if not any(judge_key(text) in judges for variant in item.values()
                                                for text in variant.values())]
    for number, item in enumerate(clear):
        held_out = number % HELPDESK_DEV_EVERY == HELPDESK_DEV_EVERY - 1
        if not held_out and not recipe.helpdesk:
            continue
        for field in ("title", "question"):
            english = item["en"][field]
            if not held_out:
                train.append(Pair("helpdesk", "en", english, english))
            for lang in OTHER_LANGUAGES:
                pair = Pair("helpdesk", lang, item[lang][field], english)
                if held_out:
                    dev.append(pair)
                else:
                    train += with_unaccented(pair)
    kept = [p for p in train if judge_key(p.text) not in judges and judge_key(p.english) not in judges]
    counts: dict = {}
    for pair in kept:
        counts[f"{pair.source}:{pair.lang}"] = counts.get(f"{pair.source}:{pair.lang}", 0) + 1
    counts["dropped_as_judge_texts"] = len(train) - len(kept)
    counts["helpdesk_items_dropped_as_judge_texts"] = len(items) - len(clear)
    counts["dev"] = len(dev)
    return kept, dev, counts


def helpdesk_items(folder: Path = HELPDESK_DIR) -> list[dict]:
    """The parallel help-desk items: one JSON object per line of ``helpdesk-*.jsonl``, each with a
    ``title`` and a ``question`` in every language of ``("en", *OTHER_LANGUAGES)``.

    Raises:
        ValueError: a line that is not such an item (file and line named).
    """
    items = []
    for path in sorted(folder.glob("helpdesk-*.jsonl")):
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                item = {lang: {field: item[lang][field].strip() for field in ("title", "question")}
                        for lang in ("en", *OTHER_LANGUAGES)}
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise ValueError(f"{path}:{line_number}: not a help-desk item with a title and a question "
                                 f"in en, {', '.join(OTHER_LANGUAGES)} ({error})") from error
            if not all(text for variant in item.values() for text in variant.values()):
                raise ValueError(f"{path}:{line_number}: an empty title or question")
            items.append(item)
    return items


class SentenceStates:
    """Every training sentence through the frozen model once: the hidden states entering the first
    trained layer (float16, one array per sentence) and the teacher's normalised embedding.

    Args:
        sentences: ``(prompt text, sentence)`` pairs.
        states: per sentence, its hidden states ``(tokens, hidden)``.
        teacher: the teacher's vectors, one row per sentence.
    """

    def __init__(self, sentences: list[tuple[str, str]], states: list, teacher):
        self.index = {sentence: i for i, sentence in enumerate(sentences)}
        self.states, self.teacher = states, teacher

    @classmethod
    def compute(cls, model, tokenizer, sentences: list[tuple[str, str]], recipe: Recipe, log=print) -> SentenceStates:
        """Run the frozen model over the sentences (each embedded as prompt + sentence).

        Args:
            model: the converted model (``XLMRobertaModel``), frozen.
            tokenizer: its fast tokenizer.
            sentences: ``(prompt text, sentence)`` pairs.
            recipe: trained layers and token limit.
            log: progress output.

        Returns:
            The states and teacher vectors.
        """
        import torch

        states: list = [None] * len(sentences)
        teacher = torch.zeros(len(sentences), model.config.hidden_size)
        tokenizer.enable_truncation(recipe.max_tokens)
        tokenizer.no_padding()
        ids = [e.ids for e in tokenizer.encode_batch([prompt + text for prompt, text in sentences])]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        first_trained = model.config.num_hidden_layers - recipe.layers
        started, batch = time.perf_counter(), 64
        with torch.no_grad():
            for step, start in enumerate(range(0, len(order), batch)):
                chosen = order[start:start + batch]
                input_ids, mask = _pad([torch.tensor(ids[i]) for i in chosen], model.config.pad_token_id)
                out = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
                teacher[chosen] = mean_pool(out.last_hidden_state, mask)
                for row, i in enumerate(chosen):
                    states[i] = out.hidden_states[first_trained][row, :len(ids[i])].to(torch.float16)
                if step % 50 == 0:
                    log(f"adapt: frozen layers {start + len(chosen)}/{len(order)} sentences "
                        f"({time.perf_counter() - started:.0f} s)")
        return cls(sentences, states, teacher)

    def batch(self, sentences: list[tuple[str, str]]):
        """Padded hidden states ``(batch, tokens, hidden)`` and mask of these sentences."""
        return _pad([self.states[self.index[s]].float() for s in sentences])

    def targets(self, sentences: list[tuple[str, str]]):
        """The teacher's vectors of these sentences."""
        return self.teacher[[self.index[s] for s in sentences]]


def cached_states(model, tokenizer, sentences: list[tuple[str, str]], recipe: Recipe, base_dir: Path,
                  log=print) -> SentenceStates:
    """:class:`SentenceStates` of these sentences, read from ``build/adapt/cache`` when an earlier run
    computed them (same converted model, sentences, trained layers and token limit), else computed and saved.
    """
    import torch

    key = hashlib.sha256(json.dumps([(base_dir / STAMP_FILE).read_text(encoding="utf-8"), recipe.layers,
                                     recipe.max_tokens, sentences]).encode("utf-8")).hexdigest()[:16]
    path = CACHE_DIR / f"states-{key}.pt"
    if path.is_file():
        log(f"adapt: frozen layers' output read from {path}")
        saved = torch.load(path)
        return SentenceStates(sentences, saved["states"], saved["teacher"])
    states = SentenceStates.compute(model, tokenizer, sentences, recipe, log)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    torch.save({"states": states.states, "teacher": states.teacher}, path)
    return states


def _pad(rows: list, value: float = 0):
    """Rows of different lengths (token ids, or hidden states) padded with ``value`` into one
    tensor, and the attention mask of their real tokens."""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    lengths = torch.tensor([len(r) for r in rows])
    mask = (torch.arange(int(lengths.max()))[None, :] < lengths[:, None]).long()
    return pad_sequence(rows, batch_first=True, padding_value=value), mask


def mean_pool(hidden, mask):
    """Mean over real tokens, L2-normalised: the sentence-transformers folder's pooling."""
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return torch.nn.functional.normalize((hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9), dim=-1)


def run_layers(layers, config, hidden, mask):
    """The trained top layers over cached hidden states, pooled: sentence vectors."""
    from transformers.masking_utils import create_bidirectional_mask

    attention = create_bidirectional_mask(config=config, inputs_embeds=hidden, attention_mask=mask)
    for layer in layers:
        hidden = layer(hidden, attention)
    return mean_pool(hidden, mask)


def train(recipe: Recipe, base_dir: Path, adapter: Path = ADAPTER_FILE, log=print) -> dict:
    """Train the top layers on the parallel pairs and write their difference and its record.

    Args:
        recipe: the hyper-parameters.
        base_dir: the converted model folder (``python -m indexer.convert``).
        adapter: the safetensors file to write; its record goes beside it (``.json``).
        log: progress output.

    Returns:
        The record written.
    """
    import torch
    from safetensors.torch import save_file
    from tokenizers import Tokenizer
    from transformers import AutoModel

    started = time.perf_counter()
    torch.manual_seed(recipe.seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    pairs, dev, counts = training_pairs(recipe)
    log(f"adapt: {len(pairs)} training pairs, {len(dev)} dev pairs; {json.dumps(counts)}")
    prompts = json.loads((base_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))["prompts"]
    query, passage = prompts["query"], prompts["passage"]
    model = AutoModel.from_pretrained(str(base_dir), add_pooling_layer=False, local_files_only=True).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    tokenizer = Tokenizer.from_file(str(base_dir / "tokenizer.json"))
    sentences = sorted({(prompt, text) for p in [*pairs, *dev] for text in (p.text, p.english)
                        for prompt in (query, passage)})
    states = cached_states(model, tokenizer, sentences, recipe, base_dir, log)
    first = model.config.num_hidden_layers - recipe.layers
    student = copy.deepcopy(model.encoder.layer[first:])
    for parameter in student.parameters():
        parameter.requires_grad_(True)
    trainable = [p for p in student.parameters()]
    optimizer = torch.optim.AdamW(trainable, lr=recipe.lr, weight_decay=0.0)
    steps = recipe.epochs * math.ceil(len(pairs) / recipe.batch_size)
    warmup = max(1, int(steps * recipe.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    log(f"adapt: frozen layers done in {time.perf_counter() - started:.0f} s; training layers {first}-"
        f"{model.config.num_hidden_layers - 1} ({sum(p.numel() for p in trainable):,} parameters), {steps} steps")
    dev_before = dev_check(None, model.config, states, dev, query, passage)
    log(f"adapt: dev before: {json.dumps(dev_before)}")
    history, step, order_rng = [], 0, np.random.default_rng(recipe.seed)
    for epoch in range(recipe.epochs):
        for batch in batches(pairs, recipe.batch_size, order_rng):
            losses = step_losses(student, model.config, states, batch, query, passage, recipe)
            loss = losses["contrastive"] * recipe.contrastive_weight + losses["distil"] * recipe.distil_weight + \
                losses["english"] * recipe.english_weight
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            if step % 25 == 0 or step == steps:
                log(f"adapt: epoch {epoch + 1} step {step}/{steps} " + " ".join(
                    f"{k} {v.item():.4f}" for k, v in losses.items()) + f" ({time.perf_counter() - started:.0f} s)")
        dev_after = dev_check(student, model.config, states, dev, query, passage)
        history.append(dev_after)
        log(f"adapt: dev after epoch {epoch + 1}: {json.dumps(dev_after)}")
    base_layers = model.encoder.layer[first:]
    delta = {f"encoder.layer.{first + int(name.split('.')[0])}.{name.split('.', 1)[1]}":
             (trained.detach() - base).to(torch.float16).contiguous()
             for (name, trained), base in zip(student.named_parameters(), base_layers.parameters())}
    adapter.parent.mkdir(parents=True, exist_ok=True)
    base_sha = json.loads((base_dir / STAMP_FILE).read_text(encoding="utf-8"))["source_sha256"]
    save_file(delta, str(adapter), metadata={"format": "pt", "base_source_sha256": base_sha})
    record = {
        "file": adapter.name, "sha256": sha256_of(adapter), "bytes": adapter.stat().st_size,
        "base_source_sha256": base_sha, "method": "multilingual knowledge distillation, top layers",
        "recipe": asdict(recipe), "data": counts,
        "trained_parameters": sum(t.numel() for t in delta.values()),
        "dev_before": dev_before, "dev_after_epoch": history,
        "train_seconds": round(time.perf_counter() - started, 1), "torch": torch.__version__,
    }
    record_file(adapter).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    log(f"adapt: wrote {adapter} ({record['bytes'] / 1e6:.1f} MB, sha256 {record['sha256'][:12]}) "
        f"in {record['train_seconds']:.0f} s")
    return record


def batches(pairs: list[Pair], size: int, rng) -> list[list[Pair]]:
    """One epoch's batches: shuffled, then sorted by length within windows of 32 batches, so a batch
    pads little; the batches' order is shuffled again.

    Args:
        pairs: the training pairs.
        size: pairs per batch.
        rng: a seeded ``numpy.random.Generator``.

    Returns:
        The batches.
    """
    order = rng.permutation(len(pairs)).tolist()
    window = size * 32
    result = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=lambda i: len(pairs[i].text) + len(pairs[i].english))
        result += [[pairs[i] for i in chunk[k:k + size]] for k in range(0, len(chunk), size)]
    return [result[i] for i in rng.permutation(len(result))]


def step_losses(student, config, states: SentenceStates, batch: list[Pair], query: str, passage: str,
                recipe: Recipe) -> dict:
    """The loss terms of one batch.

    * ``contrastive``: each pair's other-language question against every English passage of the
      batch (the teacher's vectors), its own the right one; repeats of an English sentence (NTREX
      pairs it with three languages) are not counted as wrong;
    * ``distil``: squared distance of the other language's question and passage from the teacher's
      English question and passage;
    * ``english``: the same for the English sentence itself (it should stay where it is).

    Returns:
        The terms, as tensors.
    """
    import torch

    texts_q = [(query, p.text) for p in batch]
    texts_p = [(passage, p.text) for p in batch]
    english_q = [(query, p.english) for p in batch]
    english_p = [(passage, p.english) for p in batch]
    vectors = run_layers(student, config, *states.batch(texts_q + texts_p + english_q + english_p))
    n = len(batch)
    sq, sp, eq, ep = vectors[:n], vectors[n:2 * n], vectors[2 * n:3 * n], vectors[3 * n:]
    tq, tp = states.targets(english_q), states.targets(english_p)
    logits = sq @ tp.T / recipe.temperature
    same = torch.tensor([[a.english == b.english for b in batch] for a in batch]) & ~torch.eye(n, dtype=torch.bool)
    logits = logits.masked_fill(same, float("-inf"))
    contrastive = torch.nn.functional.cross_entropy(logits, torch.arange(n))

    def distance(a, b):
        return ((a - b) ** 2).sum(-1).mean()

    return {"contrastive": contrastive, "distil": distance(sq, tq) + distance(sp, tp),
            "english": distance(eq, tq) + distance(ep, tp)}


def dev_check(student, config, states: SentenceStates, dev: list[Pair], query: str, passage: str) -> dict:
    """On held-out pairs: R@1 of each other-language question among the English passages of its
    source and language; the mean cosine of each other-language question to the teacher's vector of
    its English question (higher: closer to the English it translates); and the mean cosine of
    English passages to the teacher's (1.0: unmoved).

    Args:
        student: the trained layers; None for the teacher.

    Returns:
        ``{"<source>:<lang> R@1": ..., "cross-lingual cosine": ..., "english cosine": ...}``.
    """
    import torch

    def embed(sentences):
        if student is None:
            return states.targets(sentences)
        vectors = []
        for start in range(0, len(sentences), 64):
            vectors.append(run_layers(student, config, *states.batch(sentences[start:start + 64])))
        return torch.cat(vectors)

    result = {}
    with torch.no_grad():
        groups: dict[str, list[Pair]] = {}
        for pair in dev:
            groups.setdefault(f"{pair.source}:{pair.lang}", []).append(pair)
        cosines, crossing = [], []
        for name, members in sorted(groups.items()):
            questions = embed([(query, p.text) for p in members])
            crossing.append((questions * states.targets([(query, p.english) for p in members])).sum(-1))
            english_p = [(passage, p.english) for p in members]
            passages = embed(english_p)
            hits = (questions @ passages.T).argmax(1) == torch.arange(len(members))
            result[f"{name} R@1"] = round(hits.float().mean().item(), 3)
            cosines.append((passages * states.targets(english_p)).sum(-1))
        result["cross-lingual cosine"] = round(torch.cat(crossing).mean().item(), 4)
        result["english cosine"] = round(torch.cat(cosines).mean().item(), 5)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.adapt", description=__doc__.splitlines()[0])
    for field in fields(Recipe):
        option = f"--{field.name.replace('_', '-')}"
        if isinstance(field.default, bool):
            parser.add_argument(option, action=argparse.BooleanOptionalAction, default=field.default)
        else:
            parser.add_argument(option, type=type(field.default), default=field.default)
    parser.add_argument("--out", type=Path, default=ADAPTER_FILE, help="adapter file to write")
    parser.add_argument("--base", type=Path, default=model_dir("base"), help="converted model folder")
    args = parser.parse_args(argv)
    if not (args.base / STAMP_FILE).is_file():
        print(f"adapt: no converted model at {args.base}: run `python -m indexer.convert` first", file=sys.stderr)
        return 2
    train(Recipe(**{f.name: getattr(args, f.name) for f in fields(Recipe)}), args.base, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
