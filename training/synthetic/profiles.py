"""Free-text claimant profiles: German case-manager style notes and foreign-language ones."""

from __future__ import annotations

from typing import Any

from matcher.domain import (
    CEFR,
    PhysicalLoad,
    Sex,
    SkillLevel,
)
from matcher.occupations import BY_CODE, Occupation
from training.synthetic.draw import Draw
from training.synthetic.wording import add_typos, join_items, say_title, years


def german_profile(d: Draw, c: dict[str, Any], desired_titles: list[str], main: Occupation, sex: Sex) -> str:
    """A German profile text in the style of case-manager notes or the claimant's own words."""
    town = c["place"].name
    ds = join_items(desired_titles, d)
    intro = d.pick(
        (
            f"Ich suche eine Stelle als {ds}.",
            f"Suche Arbeit als {ds}, gerne in {town} oder Umgebung.",
            f"Berufswunsch: {ds}.",
            f"Möchte gerne als {ds} arbeiten.",
            f"Kd. sucht Tätigkeit als {ds}.",
            f"ELB strebt eine Beschäftigung als {ds} an.",
            f"Ziel: Arbeitsaufnahme als {ds}.",
            f"Interesse an einer Stelle als {ds}, Quereinstieg möglich.",
            f"Bin auf der Suche nach einem Job als {ds}.",
            f"Wunschtätigkeit {ds} (Raum {town}).",
        )
    )
    parts: list[str] = []
    for code, months in c["experience"]:
        o = BY_CODE[code]
        t = say_title(o, sex, d)
        y = years(months)
        if months < 12:
            parts.append(
                d.pick(
                    (
                        f"{months} Monate Erfahrung als {t}.",
                        f"Zuletzt kurz als {t} tätig ({months} Mon.).",
                        f"Praktikum/Aushilfe als {t}, ca. {months} Monate.",
                    )
                )
            )
        else:
            parts.append(
                d.pick(
                    (
                        f"{y} Jahre Erfahrung als {t}.",
                        f"Habe {y} Jahre als {t} gearbeitet.",
                        f"Berufserfahrung: {t} ({y} J.).",
                        f"Zuletzt als {t} tätig ({months} Monate).",
                        f"Erf. als {t} ca. {y} J.",
                        f"War {months} Monate als {t} über eine Zeitarbeitsfirma beschäftigt.",
                        f"Langjährige Tätigkeit als {t}."
                        if months >= 60
                        else f"Einige Zeit als {t} gearbeitet.",
                    )
                )
            )
    if not c["experience"]:
        parts.append(
            d.pick(
                (
                    "Bisher keine Berufserfahrung.",
                    "Noch keine Erfahrung, möchte mich einarbeiten.",
                    "Keine Berufspraxis, aber hoch motiviert.",
                    "Berufseinsteiger.",
                )
            )
        )
    lvl = c["skill"]
    if lvl is SkillLevel.HELPER:
        if d() < 0.6:
            parts.append(
                d.pick(
                    (
                        "Ohne Berufsabschluss.",
                        "Keine abgeschlossene Ausbildung.",
                        "Schulabschluss: Hauptschule.",
                        "Ausbildung abgebrochen.",
                        "Kein anerkannter Berufsabschluss.",
                    )
                )
            )
    elif lvl is SkillLevel.SKILLED:
        t = main.title if main.level is SkillLevel.SKILLED else "Fachkraft"
        parts.append(
            d.pick(
                (
                    f"Abgeschlossene Ausbildung als {t}.",
                    f"Ausbildung zum/zur {t} abgeschlossen.",
                    "Gesellenbrief vorhanden.",
                    "Berufsausbildung abgeschlossen (Abschluss anerkannt).",
                )
            )
        )
    elif lvl is SkillLevel.SPECIALIST:
        parts.append(d.pick(("Meisterbrief vorhanden.", "Techniker-Abschluss.", "Fortbildung zum Fachwirt.")))
    else:
        parts.append(
            d.pick(
                (
                    "Abgeschlossenes Studium.",
                    "Hochschulabschluss (im Ausland, Anerkennung läuft).",
                    "Bachelor-Abschluss.",
                )
            )
        )
    kw = main.keywords
    if kw and d() < 0.7:
        a, b = d.pick(kw), d.pick(kw)
        parts.append(
            d.pick(
                (
                    f"Kenntnisse: {a}, {b}." if a != b else f"Kenntnisse: {a}.",
                    f"Erfahrung mit {a}.",
                    f"Kann gut mit {a} umgehen.",
                    f"Skills: {a}" + (f", {b}" if a != b else "") + ".",
                )
            )
        )
    lic = c["licences"]
    if "CE" in lic:
        parts.append(
            d.pick(
                (
                    "Führerschein CE mit Modul 95 und Fahrerkarte.",
                    "FS Kl. CE vorhanden.",
                    "LKW-Führerschein CE.",
                )
            )
        )
    elif "D" in lic:
        parts.append("Busführerschein (Kl. D) vorhanden.")
    if "B" in lic:
        if c["has_car"]:
            parts.append(
                d.pick(
                    (
                        "Führerschein Kl. B und eigenes Auto vorhanden.",
                        "FS B, PKW vorhanden.",
                        "Mobil mit eigenem PKW.",
                        "Führerschein und Auto vorhanden.",
                    )
                )
            )
        else:
            parts.append(
                d.pick(
                    (
                        "Führerschein B, aber kein Auto.",
                        "FS Kl. B vorhanden, kein eigener PKW.",
                        "Hat Führerschein, aber kein Fahrzeug.",
                    )
                )
            )
    elif d() < 0.7:
        parts.append(
            d.pick(
                (
                    "Kein Führerschein, auf ÖPNV angewiesen.",
                    "Ohne Führerschein.",
                    "Kein FS.",
                    "Nur mit Bus und Bahn mobil.",
                )
            )
        )
    g = c["german"]
    if g <= CEFR.C1 or d() < 0.1:
        parts.append(
            d.pick(
                (
                    f"Deutschkenntnisse {g.name}.",
                    f"Deutsch: {g.name} (Zertifikat).",
                    f"Sprachniveau {g.name}, Integrationskurs abgeschlossen.",
                    f"Deutsch {g.name}, möchte Sprache verbessern.",
                    f"Deutsch auf {g.name}-Niveau.",
                )
            )
        )
    h = c["hours"]
    if h >= 37:
        parts.append(d.pick(("Vollzeit möglich.", "Verfügbar in Vollzeit.", "Sucht Vollzeitstelle.", "VZ")))
    else:
        kids = c["household"].children_0_5 + c["household"].children_6_13
        opts = [
            f"Teilzeit gewünscht, max. {h:g} Std./Woche.",
            f"Kann {h:g} Stunden pro Woche arbeiten.",
            f"TZ, ca. {h:g} Std.",
        ]
        if kids:
            opts += [
                "Nur vormittags möglich (Kinderbetreuung).",
                f"Wegen Kinderbetreuung max. {h:g} Std./Woche.",
            ]
        parts.append(d.pick(opts))
    if c["shifts_ok"]:
        if d() < 0.6:
            parts.append(
                d.pick(
                    (
                        "Schichtarbeit kein Problem.",
                        "Auch Wochenende und Nachtschicht möglich.",
                        "Bereit zu Schicht- und Wochenendarbeit.",
                    )
                )
            )
    else:
        parts.append(
            d.pick(
                (
                    "Keine Schichtarbeit möglich.",
                    "Keine Nachtschichten.",
                    "Nur Frühschicht möglich.",
                    "Kein Wochenenddienst.",
                )
            )
        )
    if c["max_commute"] is not None:
        m = c["max_commute"]
        parts.append(
            d.pick(
                (
                    f"Max. {m} Min. Fahrtweg.",
                    f"Möchte nicht länger als {m} Minuten pendeln.",
                    f"Arbeitsweg höchstens {m} min.",
                )
            )
        )
    hl = c["health"]
    if hl is PhysicalLoad.LOW:
        parts.append(
            d.pick(
                (
                    "Nur leichte Tätigkeiten möglich (ärztliches Gutachten).",
                    "Gesundheitliche Einschränkungen: kein Heben, überwiegend sitzend.",
                    "Rückenprobleme, nur leichte Arbeit.",
                )
            )
        )
    elif hl is PhysicalLoad.MEDIUM:
        parts.append(
            d.pick(
                (
                    "Kein schweres Heben (max. 10 kg).",
                    "Keine schweren körperlichen Arbeiten.",
                    "Gesundheitlich eingeschränkt: keine Überkopfarbeiten, kein schweres Heben.",
                )
            )
        )
    if d() < 0.55:
        parts.append(
            d.pick(
                (
                    "Zuverlässig und pünktlich.",
                    "Teamfähig, belastbar.",
                    "Motiviert, möchte endlich wieder arbeiten.",
                    "Hat an einer Maßnahme (AGH) teilgenommen.",
                    "Sucht dringend Arbeit.",
                    "Arbeitet gern im Team und packt mit an.",
                    "Freundlich im Umgang mit Kunden.",
                )
            )
        )
    if c["months_unemployed"] >= 36 and d() < 0.4:
        parts.append(f"Seit ca. {c['months_unemployed'] // 12} Jahren ohne Beschäftigung.")
    keys = [d() for _ in parts]
    parts = [p for _, p in sorted(zip(keys, parts, strict=True), key=lambda kp: kp[0])]
    out = [intro, *parts] if d() < 0.8 else [*parts[:2], intro, *parts[2:]]
    text = " ".join(out)
    u = d()
    if u < 0.18:
        text = add_typos(text, d, 1 if u < 0.12 else 2)
    if d() < 0.1:
        text = text.lower()
    return text


def foreign_profile(d: Draw, c: dict[str, Any], desired: list[Occupation], lang: str, sex: Sex) -> str:
    """A short profile in ``lang`` (en, tr, pl, uk, ar), sometimes with a German note."""

    def t(o: Occupation) -> str:
        return o.en if lang == "en" and o.en and d() < 0.7 else say_title(o, sex, d)

    ds = join_items([t(o) for o in desired], d, lang)
    exp = c["experience"][0] if c["experience"] else None
    y = years(exp[1]) if exp else ""
    et = t(BY_CODE[exp[0]]) if exp else ""
    g, h, lic = c["german"].name, c["hours"], "B" in c["licences"]
    full = h >= 37
    S = {
        "en": (
            f"Looking for a job as {ds}.",
            f"{y} years experience as {et}.",
            "No work experience yet.",
            "Driving licence B." + (" Own car." if c["has_car"] else ""),
            "No driving licence.",
            f"German level {g}.",
            "Full time possible." if full else f"Part time, max {h:g} hours per week.",
            "No heavy lifting.",
            "Reliable and hard-working.",
        ),
        "tr": (
            f"{ds} olarak iş arıyorum.",
            f"{y} yıl {et} olarak çalıştım.",
            "Henüz iş deneyimim yok.",
            "Ehliyetim var.",
            "Ehliyetim yok.",
            f"Almancam {g} seviyesinde.",
            "Tam zamanlı çalışabilirim." if full else f"Haftada en fazla {h:g} saat çalışabilirim.",
            "Ağır kaldıramam.",
            "Güvenilir ve çalışkanım.",
        ),
        "pl": (
            f"Szukam pracy jako {ds}.",
            f"Pracowałem {y} lat jako {et}.",
            "Nie mam jeszcze doświadczenia.",
            "Mam prawo jazdy kat. B.",
            "Nie mam prawa jazdy.",
            f"Znajomość niemieckiego: {g}.",
            "Mogę pracować na pełny etat." if full else f"Maksymalnie {h:g} godzin tygodniowo.",
            "Nie mogę dźwigać ciężarów.",
            "Jestem solidny i punktualny.",
        ),
        "uk": (
            f"Shukayu robotu yak {ds}.",
            f"Pratsyuvav {y} rokiv yak {et}.",
            "Shche ne mayu dosvidu roboty.",
            "Mayu posvidchennya vodiya kategoriyi B.",
            "Ne mayu prav vodiya.",
            f"Nimetska mova: {g}.",
            "Mozhu pratsyuvaty povnyy den." if full else f"Maksymum {h:g} hodyn na tyzhden.",
            "Ne mozhu pidnimaty vazhke.",
            "Vidpovidalnyy i punktualnyy.",
        ),
        "ar": (
            f"Abhath 'an 'amal ka-{ds}.",
            f"Ladayya khibra {y} sanawat ka-{et}.",
            "Laysa ladayya khibra ba'd.",
            "Ladayya rukhsat qiyada B.",
            "Laysa ladayya rukhsat qiyada.",
            f"Mustawa al-lugha al-almaniya {g}.",
            "Yumkinuni al-'amal dawam kamil." if full else f"Urid al-'amal {h:g} sa'a fi al-usbu'.",
            "La astati' haml al-athqal.",
            "Ana mujtahid wa multazim.",
        ),
    }[lang]
    parts = [S[0], S[1] if exp else S[2], S[3] if lic else S[4], S[5], S[6]]
    if c["health"] is not None:
        parts.append(S[7])
    if d() < 0.5:
        parts.append(S[8])
    if lang != "en" and d() < 0.3:
        parts.append("(Profil in Herkunftssprache, Übersetzung folgt.)")
    return " ".join(parts)
