"""Small text moves shared by the profiles: typos, spoken titles, lists."""

from __future__ import annotations

from matcher.domain import (
    Sex,
)
from matcher.occupations import Occupation, female
from training.synthetic.draw import Draw


def typo(word: str, d: Draw) -> str:
    """``word`` with one swapped, dropped or doubled letter (short or non-alphabetic words unchanged)."""
    if len(word) < 5 or not word.isalpha():
        return word
    i = d.int(1, len(word) - 2)
    kind = d()
    if kind < 0.35:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.7:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def add_typos(text: str, d: Draw, n: int) -> str:
    """``text`` with ``n`` typos in randomly chosen words."""
    words = text.split(" ")
    for _ in range(n):
        j = d.int(0, len(words) - 1)
        words[j] = typo(words[j], d)
    return " ".join(words)


def say_title(o: Occupation, sex: Sex, d: Draw) -> str:
    """How a person names occupation ``o``: its title or another name, often the female form."""
    name = o.title if d() < 0.45 else d.pick(o.names)
    u = d()
    if sex is Sex.FEMALE and u < 0.55:
        return female(name)
    if u > 0.9:
        return f"{name}/in" if name.endswith("er") else name
    return name


def join_items(items: list[str], d: Draw, lang: str = "de") -> str:
    """``items`` as a list in words ("a, b oder c"), the conjunction in ``lang``."""
    if len(items) == 1:
        return items[0]
    conj = {
        "de": d.pick((" oder ", " bzw. ", " / ", " und ")),
        "en": " or ",
        "tr": " veya ",
        "pl": " lub ",
        "uk": " abo ",
        "ar": " aw ",
    }[lang]
    return ", ".join(items[:-1]) + conj + items[-1]


def years(months: int) -> str:
    """Months as whole years, at least 1, as text."""
    return str(max(1, round(months / 12)))
