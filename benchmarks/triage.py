"""Triage figures (language + kind of a mention), printed as a table: `python benchmarks/triage.py`.

No Redis, no network. How each figure is measured:

a. Cost per mention: `triage()` of N (default 5,000; `--posts`) short posts made from templates
   in 13 languages (emoji, links, @handles, #tags, amounts, some spam), one thread, after the
   detector is loaded and 200 warm-up calls; p50/p99 of each call's wall time. The language
   and kind signals are also timed alone. Beside it, as the baseline measured in the same run,
   what every mention already costs delivery: `Mention.from_json(mention.to_json())` plus its
   card (`render_card`, `card_fallback_text`), and the ratio of the two.
b. Memory: psutil RSS of this process just before and after `load_language_detector()` (the
   models are preloaded, so nothing loads later).
c. The mode not taken: the same posts through a high-accuracy detector of the same languages,
   in a spawned process of its own (RSS growth of building it, p99 per call), to show why the
   module uses low accuracy.
d. Language agreement: how many posts get their template's language, how many None (too short
   or not sure), how many another language. Information only: templates are not ground truth.
e. The share of each kind among the sample posts (information only).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import TypeVar

import psutil
from _common import AUTHORS, FIRST_ID, Figure, percentile, print_table
from lingua import IsoCode639_1, LanguageDetectorBuilder

from bot.blocks.card import card_fallback_text, render_card
from bot.domain.kind import Kind, LexiconKindClassifier
from bot.domain.mention import Author, Mention
from bot.domain.triage import LANGUAGES, NOISE, detect_language, load_language_detector, triage

T = TypeVar("T")
TARGET_MS = 2.0
WARM_UP = 200
MiB = 1024 * 1024

# {b}rand, {p}roduct, {n}umber, {e}moji, {u}rl, {h}andle, {t}ag: filled in at random.
TEMPLATES = {
    "en": (
        "@{b} my order #{n} still hasn't arrived, it's been two weeks {e}",
        "@{b} how do I change the delivery address on my order?",
        "@{b} love the new {p}, thanks for the quick shipping! {e}",
        "@{b} the app is down again, can't even log in {u}",
        "@{b} {p} keeps crashing since yesterday's update. Please fix it {e}",
        "@{b} @{h} thank you so much for sorting this out so fast",
        "🎁 GIVEAWAY 🎁 follow back and RT to win a {p}! {u} {u} #{t} #{t}",
        "@{b} ok",
    ),
    "es": (
        "@{b} mi pedido {n} todavía no ha llegado y nadie me responde {e}",
        "@{b} ¿cuándo vuelve a estar disponible el {p}?",
        "@{b} me encanta el nuevo {p}, muchas gracias {e}",
        "@{b} la aplicación no funciona desde ayer {u}",
    ),
    "fr": (
        "@{b} ma commande {n} n'est toujours pas arrivée, c'est inadmissible {e}",
        "@{b} pourquoi l'application ne marche plus depuis la mise à jour ?",
        "@{b} merci pour votre aide, le service client est génial {e}",
    ),
    "de": (
        "@{b} meine Bestellung {n} ist immer noch nicht angekommen {e}",
        "@{b} wann kommt das neue {p} endlich wieder in den Handel?",
        "@{b} danke für die schnelle Hilfe, alles funktioniert wieder {e}",
    ),
    "pt": (
        "@{b} meu pedido {n} ainda não chegou, que atendimento péssimo {e}",
        "@{b} obrigado pela ajuda rápida, adorei o novo {p} {e}",
        "@{b} quando o aplicativo vai voltar a funcionar? {u}",
    ),
    "it": (
        "Ciao @{b}! Il mio ordine è arrivato in anticipo, grazie mille {e}",
        "@{b} l'app non funziona più dopo l'aggiornamento, che disastro",
    ),
    "nl": ("@{b} waarom is mijn bestelling {n} nog steeds niet verzonden?",),
    "ja": (
        "@{b} アプリが起動しません{e} 昨日のアップデートからです。助けてください",
        "@{b} 注文{n}がまだ届きません。いつ届きますか\uff1f",
    ),
    "ko": ("@{b} 배송이 너무 늦어요 언제 오나요? {e}",),
    "zh": ("@{b} 我的订单{n}还没有到\uff0c怎么回事\uff1f {u}",),
    "ar": ("@{b} طلبي رقم {n} لم يصل بعد، متى سيصل؟ {e}",),
    "ru": ("@{b} Почему списали деньги дважды? Заказ {n} {e}",),
    "tr": ("@{b} siparişim hala gelmedi, ne zaman gelecek? {e}",),
}
PRODUCTS = ("Pro app", "smart speaker", "headphones", "X200", "premium plan", "gift card")
EMOJI = ("🎉", "🙏", "😡", "😢", "❤️", "👍", "📦", "🔥", "🇧🇷", "👏🏽", "")
TAGS = ("BlackFriday", "CustomerService", "fail", "win", "giveaway")
CHOICES = {"b": ("acme", "AcmeSupport", "acme_help"), "p": PRODUCTS, "e": EMOJI, "t": TAGS}


def sample_posts(count: int, seed: int = 20261203) -> list[tuple[str, str]]:
    """`count` (language, text) pairs, English about half of them, as brand mentions run."""
    rng = random.Random(seed)
    langs = list(TEMPLATES)
    weights = [12 if lang == "en" else 1 for lang in langs]
    posts = []
    for _ in range(count):
        lang = rng.choices(langs, weights)[0]
        template = rng.choice(TEMPLATES[lang])
        text = template.format_map(_Slots(rng))
        posts.append((lang, " ".join(text.split())))
    return posts


class _Slots(dict[str, str]):
    """Each {slot} of a template gets its own random value, even when it is used twice."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key in CHOICES:
            return self.rng.choice(CHOICES[key])
        number = self.rng.randrange(10_000, 99_999)
        return {"n": str(number), "h": f"user_{number}", "u": f"https://t.co/{number:x}ab"}[key]


def as_mention(n: int, text: str) -> Mention:
    author_id, username, name, followers = AUTHORS[n % len(AUTHORS)]
    return Mention(
        post_id=str(FIRST_ID + n),
        text=text,
        author=Author(author_id, username, name, followers),
        created_at=datetime.now(UTC),
    )


def timed(run: Callable[[T], object], items: Sequence[T]) -> list[float]:
    """Milliseconds of each call, after WARM_UP untimed ones."""
    for item in items[:WARM_UP]:
        run(item)
    took = []
    for item in items:
        started = time.perf_counter()
        run(item)
        took.append((time.perf_counter() - started) * 1000)
    return took


def carry_and_card(mention: Mention) -> None:
    """What delivery already does per mention: read it back from its JSON, render its card."""
    shown = Mention.from_json(mention.to_json())
    render_card(shown, None, "self-serve")
    card_fallback_text(shown)


def per_mention(posts: list[tuple[str, str]]) -> list[Figure]:
    texts = [text for _, text in posts]
    mentions = [as_mention(n, text) for n, text in enumerate(texts)]
    lexicon = LexiconKindClassifier()
    both = timed(triage, texts)
    lang_only = timed(detect_language, texts)
    kind_only = timed(lambda text: lexicon.classify(text, "en"), texts)
    baseline = timed(carry_and_card, mentions)
    p50, p99 = percentile(both, 50), percentile(both, 99)
    b50, b99 = percentile(baseline, 50), percentile(baseline, 99)
    return [
        Figure("a. triage() p50 per mention", f"{p50:.3f} ms = {p50 / b50:.2f}x baseline",
               "(info)", True),
        Figure("a. triage() p99 per mention", f"{p99:.3f} ms = {p99 / b99:.2f}x baseline",
               f"classification p99 <= {TARGET_MS:g} ms", p99 <= TARGET_MS,
               f"max {max(both):.3f} ms over {len(both):,} posts; language alone p50/p99 "
               f"{percentile(lang_only, 50):.3f}/{percentile(lang_only, 99):.3f} ms, kind alone "
               f"{percentile(kind_only, 50):.3f}/{percentile(kind_only, 99):.3f} ms"),
        Figure("a. baseline: JSON round trip + card p50/p99", f"{b50:.3f}/{b99:.3f} ms",
               "(baseline)", True,
               "Mention.from_json(to_json()) + render_card + card_fallback_text, same posts"),
    ]  # fmt: skip


def detector_memory() -> Figure:
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.perf_counter()
    load_language_detector()
    took = time.perf_counter() - started
    grown = (process.memory_info().rss - before) / MiB
    return Figure(
        "b. RSS growth: loading the detector",
        f"{grown:.1f} MiB in {took:.2f} s",
        "(info: worker <= 150 MB)",
        True,
        f"low accuracy, {len(LANGUAGES)} languages, models preloaded",
    )


def high_accuracy_child(texts: list[str], pipe: Connection) -> None:
    process = psutil.Process()
    before = process.memory_info().rss
    codes = (IsoCode639_1.from_str(code) for code in LANGUAGES)
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    detector = builder.with_preloaded_language_models().build()
    grown = (process.memory_info().rss - before) / MiB
    cleaned = [NOISE.sub(" ", text) for text in texts]
    took = timed(detector.compute_language_confidence_values, cleaned)
    pipe.send((grown, percentile(took, 99)))


def high_accuracy(texts: list[str]) -> Figure:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=high_accuracy_child, args=(texts, theirs))
    child.start()
    grown, p99 = ours.recv()
    child.join()
    return Figure(
        "c. not used: high accuracy RSS / p99", f"+{grown:.0f} MiB / {p99:.3f} ms", "(comparison)",
        True, "same languages and posts, language alone, in a process of its own",
    )  # fmt: skip


def agreement(posts: list[tuple[str, str]]) -> Figure:
    found = [(lang, detect_language(text)) for lang, text in posts]
    same = sum(1 for lang, got in found if got == lang)
    none = sum(1 for _, got in found if got is None)
    other = len(found) - same - none
    misses: dict[str, int] = {}
    for lang, got in found:
        if got is not None and got != lang:
            misses[f"{lang}->{got}"] = misses.get(f"{lang}->{got}", 0) + 1
    return Figure(
        "d. language: template's / None / other",
        f"{same / len(found):.1%} / {none / len(found):.1%} / {other / len(found):.1%}",
        "(info)",
        True,
        "other languages given: "
        + (", ".join(f"{k} x{v}" for k, v in sorted(misses.items())) or "none"),
    )


def kinds(posts: list[tuple[str, str]]) -> Figure:
    counts = Counter(triage(text).kind for _, text in posts)
    shares = [f"{kind or 'None'} {counts[kind] / len(posts):.0%}" for kind in (*Kind, None)]
    return Figure("e. kinds of the sample posts", ", ".join(shares), "(info)", True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5_000)
    posts = sample_posts(parser.parse_args().posts)
    print(f"{len(posts):,} posts, one thread...", file=sys.stderr, flush=True)
    memory = detector_memory()
    figures = per_mention(posts)
    figures.append(memory)
    print("high accuracy, for comparison...", file=sys.stderr, flush=True)
    figures.append(high_accuracy([text for _, text in posts]))
    figures += [agreement(posts), kinds(posts)]
    print_table(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
