"""Triage signals of a mention: its language, its kind, and that neither ever raises."""

from __future__ import annotations

import json
import threading

import pytest
from structlog.testing import capture_logs

from bot.domain import triage as triage_module
from bot.domain.kind import LexiconKindClassifier
from bot.domain.triage import (
    Kind,
    Triage,
    detect_language,
    load_language_detector,
    triage,
    triage_label,
)

LEXICON = LexiconKindClassifier()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("@acme The app crashes every time I open settings since the update", "en"),
        ("@acme ¿Cuándo llega mi pedido? Llevo una semana esperando 📦", "es"),
        ("@acme Mon colis n'est toujours pas arrivé, c'est inadmissible", "fr"),
        ("@acme Warum funktioniert die App schon wieder nicht? https://t.co/x1", "de"),
        ("@acme Obrigado pelo atendimento rápido, adorei! 🙏", "pt"),
        ("Ciao @acme! Il mio ordine è arrivato in anticipo, grazie mille 🎉🇮🇹", "it"),
        ("@acme Waarom is mijn bestelling nog steeds niet verzonden?", "nl"),
        ("@acme アプリが起動しません😢 昨日のアップデートからです。助けてください", "ja"),
        ("@acme 배송이 너무 늦어요 언제 오나요?", "ko"),
        ("@acme 我的订单还没有到\uff0c怎么回事\uff1f", "zh"),
        ("@acme طلبي لم يصل بعد، متى سيصل؟", "ar"),
        ("@acme Почему списали деньги дважды? 😡", "ru"),
        ("@acme Siparişim hala gelmedi, ne zaman gelecek?", "tr"),
        ("@acme Dlaczego aplikacja znowu nie działa?", "pl"),
    ],
)
def test_language_of_real_looking_posts(text: str, lang: str) -> None:
    """Posts in each of these languages get their ISO 639-1 code, lowercase."""
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ok",
        "lol",
        "👍",
        "🎉🎉🎉 🙏",
        "https://t.co/abc123",
        "@acme",
        "@acme @acmesupport lol",
        "#acme #fail",
        "$ACME",
        "12345 !!!",
        "kkkkk",
        "hej hej",
    ],
)
def test_too_short_or_empty_text_has_no_language(text: str) -> None:
    """Text with too few letters once links, handles, tags and emoji are gone is None, not a
    guess."""
    assert detect_language(text) is None


def test_handles_tags_and_links_do_not_sway_the_language() -> None:
    """English #tags, @handles and a link around a Spanish sentence leave it Spanish."""
    text = (
        "@AcmeSupport @AcmeHelp mi pedido llegó roto y nadie me responde "
        "#BlackFriday #CustomerService #HappyHolidays https://t.co/z"
    )
    assert detect_language(text) == "es"


def test_detector_is_built_once_across_threads() -> None:
    """Threads asking for the detector at the same moment all get the same instance."""
    found: list[int] = []
    threads = [
        threading.Thread(target=lambda: found.append(id(load_language_detector())))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "🎁 GIVEAWAY 🎁 follow back and RT to win! https://t.co/a https://t.co/b",
        "Earn passive income with crypto, DM me https://t.co/x",
        "Check my profile for free followers",
        "#win #free #iphone #giveaway #contest #promo",
        "@acme @acme @acme look at this https://t.co/x",
        "https://t.co/a https://t.co/b https://t.co/c",
    ],
)
def test_spam(text: str) -> None:
    """Promotion: promo words with links or tags, or floods of links, tags or handles."""
    assert LEXICON.classify(text, "en") is Kind.SPAM


@pytest.mark.parametrize(
    "text",
    [
        "@acme the app is broken",
        "@acme still waiting for my refund",
        "Worst customer service ever @acme",
        "@acme your site is down again",
        "@acme checkout not working since yesterday",
        "@acme I don\u2019t know why but it doesn't work",
        "@acme not great tbh",
        "@acme where is my order!!",
        "@acme no funciona la app",
        "@acme ça ne marche pas",
        "@acme die App funktioniert nicht",
        "@acme o app não funciona",
        "@acme my crypto wallet is broken",
        "@acme can you DM me about my refund",
    ],
)
def test_complaint(text: str) -> None:
    """Negative words and phrases (en, es, fr, de, pt), negated praise, and "!!" without praise
    make a complaint; one promo word alone does not make it spam."""
    assert LEXICON.classify(text, None) is Kind.COMPLAINT


@pytest.mark.parametrize(
    "text",
    [
        "@acme how do I change my email",
        "@acme @acmehelp is there a student discount",
        "Does this work on Android?",
        "@acme ¿Cómo cambio mi contraseña",
        "@acme pourquoi ma commande est bloquée",
        "@acme est-ce que la boutique est ouverte dimanche",
        "@acme wann kommt meine Bestellung",
        "@acme quando chega meu pedido",
        "@acme アカウントを変更できますか\uff1f",  # full-width question mark
    ],
)
def test_question(text: str) -> None:
    """A question mark (also full-width, Spanish, Arabic), or a question word first after any
    @handles, makes a question."""
    assert LEXICON.classify(text, None) is Kind.QUESTION


@pytest.mark.parametrize(
    "text",
    [
        "@acme thanks for the quick help",
        "@acme love the new update",
        "@acme 🙏",
        "@acme awesome ❤️",
        "@acme thank you so much!!",
        "@acme no problem, thanks for checking",
        "@acme what a great team",
        "@acme gracias por todo",
        "@acme merci pour votre aide",
        "@acme danke für die schnelle Hilfe",
        "@acme obrigado pela ajuda",
    ],
)
def test_praise(text: str) -> None:
    """Thanks, love, great and friends (en, es, fr, de, pt) and warm emoji make praise; "!!"
    after thanks and "no problem" stay praise; "what a..." is no question."""
    assert LEXICON.classify(text, None) is Kind.PRAISE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ok",
        "@acme just saw your ad on TV",
        "@acme can't wait for the launch",
        "Do not buy from @acme",
        "@acme your downtown store has a new sign",
    ],
)
def test_no_kind(text: str) -> None:
    """Nothing matches: None ("can't" is not "can", "downtown" is not "down")."""
    assert LEXICON.classify(text, None) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Giveaway! The app is broken? Win crypto https://t.co/a https://t.co/b", Kind.SPAM),
        ("@acme why is the app broken?", Kind.COMPLAINT),
        ("@acme love it, but the app is broken", Kind.COMPLAINT),
        ("@acme thanks! when does it ship?", Kind.QUESTION),
    ],
)
def test_precedence(text: str, kind: Kind) -> None:
    """When several match: spam > complaint > question > praise."""
    assert LEXICON.classify(text, "en") is kind


def test_question_words_follow_the_language() -> None:
    """A Portuguese question word opens a question in Portuguese, not in an English post."""
    assert LEXICON.classify("como faço para trocar a senha", "pt") is Kind.QUESTION
    assert LEXICON.classify("como faço para trocar a senha", "en") is None


def test_triage_combines_both_signals() -> None:
    """triage() gives the language and the kind, and hands the language to the classifier."""
    seen: list[str | None] = []

    class Recording:
        def classify(self, text: str, lang: str | None) -> Kind | None:
            seen.append(lang)
            return Kind.QUESTION

    text = "@acme アプリが起動しません 昨日のアップデートからです"
    assert triage(text, Recording()) == Triage(lang="ja", kind=Kind.QUESTION)
    assert seen == ["ja"]
    broken = "@acme the app has been broken since the last update, please fix it"
    assert triage(broken) == Triage("en", Kind.COMPLAINT)


class Failing:
    def classify(self, text: str, lang: str | None) -> Kind | None:
        raise RuntimeError("lexicon exploded")


class Panicking:
    """What pyo3 raises for a Rust panic: a BaseException, not an Exception."""

    class PanicException(BaseException):
        pass

    def classify(self, text: str, lang: str | None) -> Kind | None:
        raise self.PanicException("boom")


def test_a_failing_classifier_leaves_kind_none_and_logs_once() -> None:
    """A classifier that raises: kind None, language still there, one warning without the
    post text."""
    text = "@acme my secret order number is 12345 and it never arrived"
    with capture_logs() as logs:
        result = triage(text, Failing())
    assert result == Triage(lang="en", kind=None)
    assert logs == [
        {
            "event": "triage_signal_failed",
            "signal": "kind",
            "error": "RuntimeError",
            "log_level": "warning",
        }
    ]


def test_a_panic_is_caught_too() -> None:
    """A BaseException that is not KeyboardInterrupt or SystemExit (a Rust panic) is caught."""
    with capture_logs() as logs:
        assert triage("@acme thanks for the help, great team", Panicking()).kind is None
    assert [log["error"] for log in logs] == ["PanicException"]


def test_a_failing_detector_leaves_lang_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """A detector that cannot be built or fails: lang None, kind still computed."""

    def broken() -> None:
        raise MemoryError

    monkeypatch.setattr(triage_module, "load_language_detector", broken)
    with capture_logs() as logs:
        result = triage("@acme the app is broken since the last update")
    assert result == Triage(lang=None, kind=Kind.COMPLAINT)
    assert [(log["signal"], log["error"]) for log in logs] == [("lang", "MemoryError")]


def test_a_classifier_answering_a_plain_string() -> None:
    """A plugged-in classifier may answer "praise"; an unknown answer is a failed signal."""

    class Plain:
        def __init__(self, answer: str) -> None:
            self.answer = answer

        def classify(self, text: str, lang: str | None) -> Kind | None:
            return self.answer  # type: ignore[return-value]

    assert triage("ok", Plain("praise")).kind is Kind.PRAISE
    with capture_logs():
        assert triage("ok", Plain("rant")).kind is None


def test_very_long_text_is_bounded() -> None:
    """A 100,000-character text is triaged from its start, without error."""
    text = "@acme the app is broken again and nobody answers. " * 2_000
    assert triage(text) == Triage(lang="en", kind=Kind.COMPLAINT)


@pytest.mark.parametrize(
    "value",
    [Triage(), Triage("en"), Triage(kind=Kind.SPAM), Triage("ja", Kind.QUESTION)]
    + [Triage("fr", kind) for kind in Kind],
)
def test_round_trip(value: Triage) -> None:
    """to_dict is JSON-friendly and from_dict gives back the same Triage."""
    assert Triage.from_dict(json.loads(json.dumps(value.to_dict()))) == value


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, Triage()),
        ({}, Triage()),
        ({"lang": "en"}, Triage("en")),
        ({"kind": "praise"}, Triage(kind=Kind.PRAISE)),
        ({"lang": "EN", "kind": "rant"}, Triage("en")),
        ({"lang": 5, "kind": ["spam"]}, Triage()),
        ({"lang": "english", "kind": None, "extra": 1}, Triage()),
        ({"lang": "", "kind": ""}, Triage()),
    ],
)
def test_from_dict_is_tolerant(data: dict[str, object] | None, expected: Triage) -> None:
    """Missing, malformed or unknown values become None; a code's case does not matter."""
    assert Triage.from_dict(data) == expected


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (Triage("ja", Kind.QUESTION), "Japanese \u00b7 Question"),
        (Triage("en", Kind.COMPLAINT), "English \u00b7 Complaint"),
        (Triage("es"), "Spanish"),
        (Triage(kind=Kind.PRAISE), "Praise"),
        (Triage("fi", Kind.SPAM), "FI \u00b7 Spam"),
        (Triage(), None),
    ],
)
def test_label(value: Triage, label: str | None) -> None:
    """The card's label names the language and the kind, either alone, or is None."""
    assert triage_label(value) == label
