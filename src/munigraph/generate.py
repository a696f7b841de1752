"""A synthetic but realistic munigraph data set, written in the project's own data format (`munigraph generate`).

What "realistic" means here:

- **Countries** are 40 real ones (real ISO codes and Wikidata QIDs, names in en, pl, lt, uk, be, de and their own
  language). **Municipalities** are invented: names built from syllables typical of the country's language, with its
  diacritics or script (Cyrillic, Greek, Georgian, Armenian, Chinese, Japanese, with a romanisation), unique within a
  country after diacritics folding; a few names are deliberately repeated across countries. Notable towns also get
  exonyms in the six languages (Ukrainian towns in Polish transliteration, Polish towns in Lithuanian adaptation,
  ...), so that name resolution and folding are exercised. Each local government governs a place with coordinates
  inside its country's bounding box, lies in a region (with its regional government), and has codes (TERYT for
  Poland, ISO 3166-2 for regions).
- **Partnerships** form a heavy-tailed network (a power-law degree sequence, big towns having more partners),
  positively degree-assortative (about +0.3: stubs are paired with stubs of similar degree, part of them at random),
  mostly international with country affinity (neighbours and old twinning traditions), plus triadic closure (a
  shared partner facilitating a new partnership, `mg:facilitatedBy`).
- Each partnership has a **start** (waves: post-war Western Europe, 1990s Central Europe, 2000s China) at the
  precision a source would give, an establishing **agreement** (partnership, framework cooperation, cooperation or
  friendship agreement), often a letter of intent before it and sometimes a renewal, **signatories** (the mayors in
  office on that date, in the capacity of their post, sometimes with the council chair), **events** (visits and
  meetings before the agreement, with hosts, attendees and invitations), and for a few per cent a **status
  change** (2014/2022 terminations and suspensions with Russian and Belarusian partners, expiries, inactivity).
- **Officials**: each local government has a succession of mayors (terms of 4 or 5 years from national election
  dates, re-elections); active ones also have council chairs. Tenures have start and end dates.
- **Sources**: every file is one source document with its own node (title, publisher, address, language, date,
  licence): per-country gazetteers, registers of office holders, twinning registers (a slice of partnerships each,
  with their agreements, events and status changes) and encyclopaedia lists that restate partnerships, a few of
  them with a different start year (a conflict between sources, as in the curated data).

Everything is drawn from `random.Random` seeded by the size and the seed, iterated in a fixed order, with dates
fixed relative to a reference date derived from the seed: the same size and seed give byte-identical files. The
Turtle is written as text directly (no rdflib), into a temporary folder beside `--out` that replaces it only when
complete.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
import math
import os
import shutil
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Callable

from .errors import MunigraphError

MARKER = ".munigraph-generated"
ID = "https://w3id.org/munigraph/id/"

# Counts at size L; M is a tenth, S a hundredth.
SCALE = {"S": 0.01, "M": 0.1, "L": 1.0}
L_GOVERNMENTS = 100_000
L_PARTNERSHIPS = 40_000
L_OFFICIALS = 200_000
L_EVENTS = 50_000
COUNTRIES_BY_SIZE = {"S": 16, "M": 40, "L": 40}
MAX_DEGREE = {"S": 24, "M": 60, "L": 150}
GOVS_PER_GAZETTEER_FILE = 1_200
PARTNERSHIPS_PER_REGISTER_FILE = 180
PARTNERSHIPS_PER_LIST_FILE = 1_000


class GenerateError(MunigraphError):
    """A bad --size, --seed or --out for `munigraph generate`."""

    exit_code = 2


# =====================================================================================================
# Countries
# =====================================================================================================

@dataclass(frozen=True)
class CountrySpec:
    code: str
    qid: str
    names: dict  # language -> name (en, pl, lt, uk, be, de and the country's own languages)
    langs: tuple  # languages of its municipalities (by region, in turn)
    bbox: tuple  # lat_min, lat_max, lon_min, lon_max
    weight: float  # relative number of local governments
    region_type: str  # what its first-level regions are called in English


def _c(code, qid, en, pl, lt, uk, be, de, native, langs, bbox, weight, region_type):
    names = {"en": en, "pl": pl, "lt": lt, "uk": uk, "be": be, "de": de}
    for lang, name in native.items():
        names.setdefault(lang, name)
    return CountrySpec(code, qid, names, tuple(langs), bbox, weight, region_type)


COUNTRIES = [
    _c("PL", "Q36", "Poland", "Polska", "Lenkija", "Польща", "Польшча", "Polen", {}, ["pl"], (49.0, 54.8, 14.1, 24.1), 6, "Voivodeship"),
    _c("DE", "Q183", "Germany", "Niemcy", "Vokietija", "Німеччина", "Германія", "Deutschland", {}, ["de"], (47.3, 55.0, 5.9, 15.0), 7, "Land"),
    _c("UA", "Q212", "Ukraine", "Ukraina", "Ukraina", "Україна", "Украіна", "Ukraine", {}, ["uk"], (44.4, 52.3, 22.1, 40.2), 5, "Oblast"),
    _c("LT", "Q37", "Lithuania", "Litwa", "Lietuva", "Литва", "Літва", "Litauen", {}, ["lt"], (53.9, 56.4, 21.0, 26.8), 3, "County"),
    _c("BY", "Q184", "Belarus", "Białoruś", "Baltarusija", "Білорусь", "Беларусь", "Belarus", {"ru": "Беларусь"}, ["be"], (51.3, 56.2, 23.2, 32.8), 3, "Region"),
    _c("FR", "Q142", "France", "Francja", "Prancūzija", "Франція", "Францыя", "Frankreich", {"fr": "France"}, ["fr"], (43.0, 51.0, -4.5, 7.8), 7, "Department"),
    _c("IT", "Q38", "Italy", "Włochy", "Italija", "Італія", "Італія", "Italien", {"it": "Italia"}, ["it"], (37.0, 46.5, 7.0, 18.0), 6, "Province"),
    _c("CN", "Q148", "China", "Chiny", "Kinija", "Китай", "Кітай", "China", {"zh": "中国"}, ["zh"], (22.0, 45.0, 100.0, 122.0), 4, "Province"),
    _c("DK", "Q35", "Denmark", "Dania", "Danija", "Данія", "Данія", "Dänemark", {"da": "Danmark"}, ["da"], (54.8, 57.6, 8.2, 12.6), 2, "Region"),
    _c("SE", "Q34", "Sweden", "Szwecja", "Švedija", "Швеція", "Швецыя", "Schweden", {"sv": "Sverige"}, ["sv"], (55.4, 66.0, 12.0, 23.5), 3, "County"),
    _c("NL", "Q55", "Netherlands", "Holandia", "Nyderlandai", "Нідерланди", "Нідэрланды", "Niederlande", {"nl": "Nederland"}, ["nl"], (50.8, 53.4, 3.5, 7.1), 3, "Province"),
    _c("FI", "Q33", "Finland", "Finlandia", "Suomija", "Фінляндія", "Фінляндыя", "Finnland", {"fi": "Suomi", "sv": "Finland"}, ["fi"], (60.0, 68.5, 21.0, 30.5), 3, "Region"),
    _c("GE", "Q230", "Georgia", "Gruzja", "Gruzija", "Грузія", "Грузія", "Georgien", {"ka": "საქართველო"}, ["ka"], (41.2, 43.4, 40.2, 46.6), 2, "Region"),
    _c("RU", "Q159", "Russia", "Rosja", "Rusija", "Росія", "Расія", "Russland", {"ru": "Россия"}, ["ru"], (44.0, 64.0, 28.0, 60.0), 5, "Oblast"),
    _c("US", "Q30", "United States", "Stany Zjednoczone", "Jungtinės Amerikos Valstijos", "Сполучені Штати Америки", "Злучаныя Штаты Амерыкі", "Vereinigte Staaten", {}, ["en"], (26.0, 48.5, -123.0, -68.0), 6, "State"),
    _c("LV", "Q211", "Latvia", "Łotwa", "Latvija", "Латвія", "Латвія", "Lettland", {"lv": "Latvija"}, ["lv"], (55.7, 58.0, 21.1, 28.1), 2, "Region"),
    _c("PT", "Q45", "Portugal", "Portugalia", "Portugalija", "Португалія", "Партугалія", "Portugal", {"pt": "Portugal"}, ["pt"], (37.0, 42.0, -9.4, -6.3), 2, "District"),
    _c("MD", "Q217", "Moldova", "Mołdawia", "Moldova", "Молдова", "Малдова", "Moldau", {"ro": "Republica Moldova"}, ["ro"], (45.5, 48.4, 26.7, 30.0), 2, "Region"),
    _c("CZ", "Q213", "Czech Republic", "Czechy", "Čekija", "Чехія", "Чэхія", "Tschechien", {"cs": "Česko"}, ["cs"], (48.6, 51.0, 12.2, 18.8), 4, "Region"),
    _c("RO", "Q218", "Romania", "Rumunia", "Rumunija", "Румунія", "Румынія", "Rumänien", {"ro": "România"}, ["ro"], (43.7, 48.2, 20.3, 29.6), 4, "County"),
    _c("BG", "Q219", "Bulgaria", "Bułgaria", "Bulgarija", "Болгарія", "Балгарыя", "Bulgarien", {"bg": "България"}, ["bg"], (41.3, 44.2, 22.4, 28.6), 2, "Province"),
    _c("AT", "Q40", "Austria", "Austria", "Austrija", "Австрія", "Аўстрыя", "Österreich", {}, ["de"], (46.4, 49.0, 9.6, 17.1), 3, "State"),
    _c("BE", "Q31", "Belgium", "Belgia", "Belgija", "Бельгія", "Бельгія", "Belgien", {"nl": "België", "fr": "Belgique"}, ["nl", "fr"], (49.5, 51.5, 2.6, 6.4), 2, "Province"),
    _c("ES", "Q29", "Spain", "Hiszpania", "Ispanija", "Іспанія", "Іспанія", "Spanien", {"es": "España"}, ["es"], (36.2, 43.7, -9.2, 3.2), 5, "Province"),
    _c("GB", "Q145", "United Kingdom", "Wielka Brytania", "Jungtinė Karalystė", "Велика Британія", "Вялікабрытанія", "Vereinigtes Königreich", {}, ["en"], (50.2, 58.5, -5.5, 1.7), 4, "County"),
    _c("NO", "Q20", "Norway", "Norwegia", "Norvegija", "Норвегія", "Нарвегія", "Norwegen", {"nb": "Norge"}, ["nb"], (58.1, 69.5, 5.0, 30.0), 2, "County"),
    _c("EE", "Q191", "Estonia", "Estonia", "Estija", "Естонія", "Эстонія", "Estland", {"et": "Eesti"}, ["et"], (57.6, 59.6, 22.0, 28.1), 1, "County"),
    _c("SK", "Q214", "Slovakia", "Słowacja", "Slovakija", "Словаччина", "Славакія", "Slowakei", {"sk": "Slovensko"}, ["sk"], (47.8, 49.5, 17.0, 22.5), 3, "Region"),
    _c("HU", "Q28", "Hungary", "Węgry", "Vengrija", "Угорщина", "Венгрыя", "Ungarn", {"hu": "Magyarország"}, ["hu"], (45.8, 48.5, 16.2, 22.8), 4, "County"),
    _c("SI", "Q215", "Slovenia", "Słowenia", "Slovėnija", "Словенія", "Славенія", "Slowenien", {"sl": "Slovenija"}, ["sl"], (45.5, 46.8, 13.5, 16.5), 1, "Region"),
    _c("HR", "Q224", "Croatia", "Chorwacja", "Kroatija", "Хорватія", "Харватыя", "Kroatien", {"hr": "Hrvatska"}, ["hr"], (42.5, 46.4, 13.6, 19.3), 2, "County"),
    _c("RS", "Q403", "Serbia", "Serbia", "Serbija", "Сербія", "Сербія", "Serbien", {"sr": "Србија"}, ["sr"], (42.3, 46.1, 19.0, 22.9), 2, "District"),
    _c("GR", "Q41", "Greece", "Grecja", "Graikija", "Греція", "Грэцыя", "Griechenland", {"el": "Ελλάδα"}, ["el"], (35.1, 41.6, 20.2, 26.5), 2, "Region"),
    _c("TR", "Q43", "Turkey", "Turcja", "Turkija", "Туреччина", "Турцыя", "Türkei", {"tr": "Türkiye"}, ["tr"], (36.2, 42.0, 26.2, 44.5), 4, "Province"),
    _c("JP", "Q17", "Japan", "Japonia", "Japonija", "Японія", "Японія", "Japan", {"ja": "日本"}, ["ja"], (31.5, 43.3, 130.5, 145.3), 3, "Prefecture"),
    _c("CA", "Q16", "Canada", "Kanada", "Kanada", "Канада", "Канада", "Kanada", {"fr": "Canada"}, ["en", "fr"], (42.5, 54.0, -122.5, -60.5), 2, "Province"),
    _c("IE", "Q27", "Ireland", "Irlandia", "Airija", "Ірландія", "Ірландыя", "Irland", {"ga": "Éire"}, ["en"], (51.5, 55.3, -10.3, -6.1), 1, "County"),
    _c("CH", "Q39", "Switzerland", "Szwajcaria", "Šveicarija", "Швейцарія", "Швейцарыя", "Schweiz", {"fr": "Suisse", "it": "Svizzera"}, ["de", "fr", "it"], (45.9, 47.7, 6.0, 10.4), 2, "Canton"),
    _c("AM", "Q399", "Armenia", "Armenia", "Armėnija", "Вірменія", "Арменія", "Armenien", {"hy": "Հայաստան"}, ["hy"], (38.9, 41.2, 43.5, 46.5), 1, "Province"),
    _c("IS", "Q189", "Iceland", "Islandia", "Islandija", "Ісландія", "Ісландыя", "Island", {"is": "Ísland"}, ["is"], (63.4, 66.4, -23.8, -13.6), 1, "Region"),
]

# Pairs of countries with strong twinning ties (neighbours, shared history); others get a base affinity by region.
AFFINITY = {
    frozenset(p): w for p, w in [
        (("PL", "DE"), 8), (("PL", "UA"), 8), (("PL", "LT"), 6), (("PL", "BY"), 5), (("PL", "FR"), 4), (("PL", "CZ"), 5),
        (("PL", "SK"), 4), (("PL", "HU"), 4), (("PL", "IT"), 3), (("PL", "NL"), 3), (("PL", "SE"), 3), (("PL", "DK"), 3),
        (("DE", "FR"), 10), (("DE", "AT"), 5), (("DE", "NL"), 5), (("DE", "IT"), 5), (("DE", "GB"), 6), (("DE", "CZ"), 5),
        (("DE", "CH"), 4), (("DE", "BE"), 4), (("DE", "HU"), 4), (("DE", "US"), 3), (("DE", "DK"), 3), (("DE", "LT"), 3),
        (("FR", "IT"), 6), (("FR", "GB"), 7), (("FR", "BE"), 5), (("FR", "ES"), 5), (("FR", "PT"), 4), (("FR", "CA"), 4),
        (("UA", "LT"), 4), (("UA", "GE"), 4), (("UA", "MD"), 5), (("UA", "RU"), 3), (("UA", "CZ"), 3), (("UA", "SK"), 3),
        (("UA", "RO"), 3), (("UA", "BG"), 3), (("UA", "US"), 3), (("UA", "LV"), 3), (("UA", "CN"), 3),
        (("LT", "LV"), 6), (("LT", "BY"), 4), (("LT", "SE"), 3), (("LT", "FI"), 3), (("LT", "GE"), 3), (("LV", "EE"), 6),
        (("EE", "FI"), 7), (("FI", "SE"), 7), (("SE", "NO"), 7), (("SE", "DK"), 6), (("NO", "DK"), 5), (("IS", "NO"), 3),
        (("IS", "DK"), 3), (("BY", "RU"), 6), (("RU", "CN"), 4), (("RU", "AM"), 3), (("RU", "BG"), 3), (("GE", "AM"), 3),
        (("MD", "RO"), 7), (("RO", "BG"), 3), (("RO", "HU"), 3), (("HU", "SK"), 4), (("HU", "AT"), 4), (("CZ", "SK"), 6),
        (("CZ", "AT"), 4), (("SI", "HR"), 5), (("SI", "AT"), 4), (("HR", "RS"), 3), (("RS", "GR"), 3), (("GR", "BG"), 3),
        (("GR", "TR"), 2), (("TR", "DE"), 3), (("TR", "AM"), 1), (("IT", "ES"), 3), (("ES", "PT"), 5), (("IE", "GB"), 5),
        (("IE", "FR"), 4), (("IE", "US"), 4), (("GB", "US"), 4), (("US", "CA"), 5), (("US", "JP"), 5), (("US", "CN"), 5),
        (("JP", "CN"), 5), (("CA", "JP"), 3), (("CH", "FR"), 3), (("CH", "IT"), 3), (("NL", "BE"), 5),
    ]
}
EUROPE_EAST = {"PL", "UA", "LT", "BY", "LV", "EE", "CZ", "SK", "HU", "RO", "MD", "BG", "RS", "HR", "SI", "RU", "GE", "AM"}
OUTSIDE_EUROPE = {"US", "CA", "CN", "JP"}


@functools.cache
def country_affinity(a: str, b: str) -> float:
    """How likely a partnership links a local government of country a with one of country b (same country: low)."""
    if a == b:
        return 0.6
    w = AFFINITY.get(frozenset((a, b)))
    if w:
        return float(w)
    if (a in OUTSIDE_EUROPE) or (b in OUTSIDE_EUROPE):
        return 0.35
    return 1.0 if (a in EUROPE_EAST) == (b in EUROPE_EAST) else 0.7


# =====================================================================================================
# Names: syllables, scripts, transliteration
# =====================================================================================================

_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ß": "ss", "đ": "d", "Đ": "d", "æ": "ae", "Æ": "ae",
                       "ı": "i", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "–": "-", "—": "-", "’": "'"})


def fold(text: str) -> str:
    """Diacritics and case folded, as munigraph.rules.search_key does (uniqueness is checked on this)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


def slugify(text: str) -> str:
    out, dash = [], False
    for c in fold(text):
        if "a" <= c <= "z" or "0" <= c <= "9":
            out.append(c)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def _tokens(text: str, inventory: list[str]) -> list[str]:
    """Split romanised text into the longest tokens of `inventory` (unknown characters pass through)."""
    out, i = [], 0
    while i < len(text):
        for tok in inventory:
            if text.startswith(tok, i):
                out.append(tok)
                i += len(tok)
                break
        else:
            out.append(text[i])
            i += 1
    return out


_INVENTORIES: dict[int, list[str]] = {}


def _apply(text: str, table: dict[str, str], capitalize: bool = True) -> str:
    """Render romanised `text` with a token table (longest tokens first), word by word, capitalised."""
    inventory = _INVENTORIES.get(id(table))
    if inventory is None:
        inventory = _INVENTORIES[id(table)] = sorted(table, key=len, reverse=True)
    words = []
    for word in text.split(" "):
        parts = []
        for piece in word.split("-"):
            lower = piece.lower()
            converted = "".join(table.get(t, t) for t in _tokens(lower, inventory))
            if converted.endswith("σ"):  # Greek final sigma
                converted = converted[:-1] + "ς"
            parts.append(converted[:1].upper() + converted[1:] if capitalize else converted)
        words.append("-".join(parts))
    return " ".join(words)


# East Slavic and South Slavic names are generated in one romanisation ("neutral": j = й, y = и/ы, i = і/и,
# ja/ju/je/ji = я/ю/є/ї, w = ў, ' = ь) and rendered in each script and each language's transliteration.
_SLAVIC = {
    "uk": {"a": "а", "b": "б", "v": "в", "h": "г", "g": "ґ", "d": "д", "e": "е", "je": "є", "zh": "ж", "z": "з", "y": "и",
           "i": "і", "ji": "ї", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с",
           "t": "т", "u": "у", "f": "ф", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш", "shch": "щ", "'": "ь", "ju": "ю",
           "ja": "я", "w": "в"},
    "be": {"a": "а", "b": "б", "v": "в", "h": "г", "g": "г", "d": "д", "e": "е", "je": "е", "zh": "ж", "z": "з", "y": "ы",
           "i": "і", "ji": "і", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с",
           "t": "т", "u": "у", "f": "ф", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш", "shch": "шч", "'": "ь", "ju": "ю",
           "ja": "я", "w": "ў"},
    "ru": {"a": "а", "b": "б", "v": "в", "h": "г", "g": "г", "d": "д", "e": "е", "je": "е", "zh": "ж", "z": "з", "y": "ы",
           "i": "и", "ji": "и", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с",
           "t": "т", "u": "у", "f": "ф", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш", "shch": "щ", "'": "ь", "ju": "ю",
           "ja": "я", "w": "в"},
    "bg": {"a": "а", "b": "б", "v": "в", "h": "х", "g": "г", "d": "д", "e": "е", "je": "е", "zh": "ж", "z": "з", "y": "ъ",
           "i": "и", "ji": "и", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с",
           "t": "т", "u": "у", "f": "ф", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш", "shch": "щ", "'": "ь", "ju": "ю",
           "ja": "я", "w": "в"},
    "sr": {"a": "а", "b": "б", "v": "в", "h": "х", "g": "г", "d": "д", "e": "е", "je": "је", "zh": "ж", "z": "з", "y": "и",
           "i": "и", "ji": "ји", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с",
           "t": "т", "u": "у", "f": "ф", "kh": "х", "ts": "ц", "ch": "ч", "sh": "ш", "shch": "шч", "'": "", "ju": "ју",
           "ja": "ја", "w": "в"},
}
_ROMAN = {  # the neutral romanisation in each Latin-script language that names these towns
    "en": {"je": "ye", "ji": "yi", "j": "y", "'": "", "ju": "yu", "ja": "ya", "w": "w"},
    "pl": {"v": "w", "zh": "ż", "kh": "ch", "ts": "c", "ch": "cz", "sh": "sz", "shch": "szcz", "'": "", "w": "ł",
           "l": "ł", "li": "li", "l'": "l"},
    "de": {"v": "w", "zh": "sch", "z": "s", "kh": "ch", "ts": "z", "ch": "tsch", "sh": "sch", "shch": "schtsch",
           "'": "", "w": "w"},
    "lt": {"zh": "ž", "kh": "ch", "ts": "c", "ch": "č", "sh": "š", "shch": "šč", "'": "", "w": "v"},
    "sr-Latn": {"zh": "ž", "kh": "h", "ts": "c", "ch": "č", "sh": "š", "shch": "šč", "'": "", "je": "je", "ji": "ji",
                "ju": "ju", "ja": "ja", "w": "v"},
}
_GEORGIAN = {"kh": "ხ", "ts": "ც", "dz": "ძ", "ch": "ჩ", "sh": "შ", "zh": "ჟ", "gh": "ღ", "a": "ა", "b": "ბ", "g": "გ",
             "d": "დ", "e": "ე", "v": "ვ", "z": "ზ", "t": "თ", "i": "ი", "k": "კ", "l": "ლ", "m": "მ", "n": "ნ", "o": "ო",
             "p": "პ", "r": "რ", "s": "ს", "u": "უ", "q": "ყ", "j": "ჯ", "h": "ჰ", "f": "ფ", "y": "ი", "w": "ვ", "x": "ხ", "c": "ც"}
_ARMENIAN = {"kh": "խ", "ts": "ց", "dz": "ձ", "ch": "չ", "sh": "շ", "zh": "ժ", "gh": "ղ", "u": "ու", "a": "ա", "b": "բ",
             "g": "գ", "d": "դ", "e": "ե", "z": "զ", "t": "տ", "i": "ի", "l": "լ", "k": "կ", "h": "հ", "m": "մ", "y": "յ",
             "n": "ն", "o": "ո", "p": "պ", "j": "ջ", "r": "ր", "s": "ս", "v": "վ", "f": "ֆ", "q": "ք", "x": "խ", "c": "ց", "w": "վ"}
_GREEK = {"th": "θ", "ch": "χ", "ps": "ψ", "ks": "ξ", "ou": "ου", "a": "α", "b": "β", "v": "β", "g": "γ", "d": "δ", "e": "ε",
          "z": "ζ", "i": "ι", "k": "κ", "l": "λ", "m": "μ", "n": "ν", "x": "ξ", "o": "ο", "p": "π", "r": "ρ", "s": "σ",
          "t": "τ", "y": "υ", "f": "φ", "h": "χ", "c": "κ", "j": "ι", "w": "β", "u": "ου"}
_HANZI = {"an": "安", "yang": "阳", "ning": "宁", "shan": "山", "he": "河", "jiang": "江", "zhou": "州", "ping": "平",
          "chang": "长", "xing": "兴", "hua": "华", "dong": "东", "xi": "西", "nan": "南", "bei": "北", "tai": "泰",
          "lin": "林", "qing": "青", "feng": "丰", "hai": "海", "fu": "福", "kang": "康", "jin": "金", "yun": "云",
          "long": "龙", "de": "德", "bao": "宝", "shui": "水", "cheng": "城", "xin": "新", "jian": "建", "guo": "国",
          "ming": "明", "wei": "伟", "hong": "红", "li": "丽", "jun": "军", "wen": "文", "hui": "惠", "ze": "泽",
          "yu": "玉", "le": "乐", "ji": "吉", "ling": "陵", "kou": "口", "men": "门", "tang": "塘", "ye": "叶"}
_KANJI = {"yama": "山", "kawa": "川", "ta": "田", "shima": "島", "saki": "崎", "hara": "原", "matsu": "松", "oka": "岡",
          "naga": "長", "hira": "平", "mori": "森", "ki": "木", "mura": "村", "no": "野", "sawa": "沢", "ishi": "石",
          "taka": "高", "fuji": "藤", "hashi": "橋", "kami": "上", "nishi": "西", "higashi": "東", "kita": "北",
          "minami": "南", "to": "戸", "ura": "浦", "tsu": "津", "ichi": "市", "wa": "和", "miya": "宮", "sato": "里"}
_VOICED = {"k": "g", "t": "d", "s": "z", "h": "b", "f": "b", "sh": "j", "ts": "z"}
_SURNAMES_ZH = [("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"), ("Huang", "黄"),
                ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"), ("Xu", "徐"), ("Sun", "孙"), ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡")]
_GIVEN_JA = [("Hiroshi", "博"), ("Takashi", "隆"), ("Kenji", "健二"), ("Satoshi", "聡"), ("Naoki", "直樹"), ("Makoto", "誠"),
             ("Yuki", "雪"), ("Akiko", "明子"), ("Yoko", "洋子"), ("Keiko", "恵子"), ("Emi", "恵美"), ("Haruka", "遥")]


@dataclass(frozen=True)
class Language:
    """How a language names towns and people, and how its local governments and posts are called."""
    code: str
    starts: tuple
    mids: tuple
    ends: tuple
    first_m: tuple
    first_f: tuple
    surname_m: tuple  # suffixes added to a surname root (from the town syllables)
    surname_f: tuple
    town: str  # label templates ({n} the name, {g} its genitive where the language needs one)
    district: str
    mayor: str
    council: str
    script: str = "latn"  # latn, slavic, ka, hy, el, zh, ja


def _lang(code, starts, mids, ends, first_m, first_f, sm, sf, town, district, mayor, council, script="latn"):
    sp = str.split
    return Language(code, tuple(sp(starts)), tuple(sp(mids)), tuple(sp(ends)), tuple(sp(first_m)), tuple(sp(first_f)),
                    tuple(sp(sm)), tuple(sf.split()) if sf else tuple(sp(sm)), town, district, mayor, council, script)


LANGUAGES = {l.code: l for l in [
    _lang("pl", "Bia Bo Brze Chrza Dą Gło Go Grą Ja Kę Ko Kra Krzy Łu Ło Mi Mła No Olsz Pio Prze Rze Sie Skar Szcz Świ To Wą Wło Zie Żar Ży Dę Bę Ostr Lę Pszczy Ra Sła Wie Ząb",
          "bi cie dar gó ko la lesz mia ni ro sza wi rze cho sto ka ło",
          "ów owo ice in ino no ec sk yce ówka nica aw ków czyn zyn ęcin ierz ik",
          "Piotr Jan Andrzej Krzysztof Tomasz Paweł Marcin Michał Grzegorz Józef Zbigniew Jerzy Tadeusz Wojciech Łukasz Stanisław",
          "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Elżbieta Joanna Beata Dorota Jolanta Grażyna Bożena",
          "ski cki wicz czyk ak ek", "ska cka wicz czyk ak ek",
          "gmina miejska {n}", "gmina {n}", "burmistrz miasta {n}", "rada gminy {n}"),
    _lang("lt", "Tra Kė Ši Pa Vil Kau Ro Jo Ža Mo Už Ne Ba Ma Rū Ly Du Bir Pla Ane Šal Kuš Ute Zar Ig Kup Vei Jur Tel Sku Aly Mol Ėr Gar",
          "kš ši ge nė lu va ri dži ba rė",
          "ai iai ėnai iškės onys as is ys ė ava iškis ynė uva",
          "Andrius Jonas Petras Vytautas Algirdas Darius Mindaugas Tomas Rimantas Saulius Gintaras Valdas",
          "Edita Jolanta Rasa Asta Daiva Rūta Laima Vilma Inga Birutė Aušra Dalia",
          "as is ius evičius auskas", "ienė ienė aitė ytė ienė",
          "{g} miesto savivaldybė", "{g} rajono savivaldybė", "{g} savivaldybės meras", "{g} savivaldybės taryba"),
    _lang("de", "Ober Unter Neu Alt Hohen Schön Grün Rosen Lin Hild Wolf Kö Mün Bür Frei Lau Witt Dür Hei Stein Mühl Eich Kirch Wald Sonn Mar Gü Wern Fürs Lü Ahr",
          "en el er ing s",
          "berg burg dorf hausen heim stadt feld bach au ingen rode hagen münde wald brück see weiler",
          "Bert Klaus Jürgen Stefan Thomas Michael Wolfgang Andreas Frank Uwe Dieter Matthias Jörg",
          "Cornelia Petra Sabine Ute Andrea Katrin Birgit Susanne Monika Claudia Jutta Gabriele",
          "mann er meier hoff feld bach lich ke ert", "",
          "Stadt {n}", "Gemeinde {n}", "Bürgermeister der Stadt {n}", "Stadtrat {n}"),
    _lang("uk", "bor kol myr hor zhyt cher kras bil tern vyn lub ost sum rov koz zbar buch zol dub lyp kam'jan slav vol pryl star nov hlyn sok kost ber vas tul luh khmel rad sniat",
          "o a y e",
          "iv ivka ne sk horod pil' yn ets' ky any ychi ivtsi ivs'k",
          "ruslan viktor serhij oleh andrij mykola petro volodymyr ivan taras bohdan jurij vasyl'",
          "olena natalija oksana iryna halyna tetjana marija lesja svitlana larysa",
          "enko chuk yshyn ovych s'kyj jak iv", "enko chuk yshyn ovych s'ka jak iv",
          "{n} міська громада", "{n} сільська громада", "міський голова {n}", "міська рада міста {n}", "slavic"),
    _lang("be", "lid hrod mahil pin slon bar navahr bab vil kobr hlyb smarh asip valozh dzjar kalink rech zhlob pastaw mjadz lahojsk",
          "a o y e",
          "a sk ichy avichy ina ava shchyna ki any ewsk",
          "aljaksandr sjarhej uladzimir ihar dzmitryj andrej mikalaj pjotr jawhen vasil'",
          "alena natallja volha iryna hanna tatsjana maryja ljudmila",
          "enka ovich ski ajev", "enka ovich skaja ajeva",
          "горад {n}", "раён {n}", "старшыня выканкама {n}", "Савет дэпутатаў {n}", "slavic"),
    _lang("ru", "serp surg tver ivan pskov smol kal bryan orl kursk tul jarosl kostr vlad tambov penz sarat kirov perm ufim samar ryaz kolom podol",
          "o a e i",
          "ovo ino sk evo grad ovka ets ovsk ino insk",
          "aleksandr sergej vladimir igor dmitrij andrej nikolaj pavel jevgenij mikhail",
          "natal'ja ol'ga jelena tat'jana irina svetlana anna marina",
          "ov in ev skij", "ova ina eva skaja",
          "городской округ {n}", "муниципальный район {n}", "глава города {n}", "Дума города {n}", "slavic"),
    _lang("bg", "sil plov var burg rus stara shum jamb vrats dobr pern haskov pazar gabr kyust lovech smol kard sliv",
          "e o i a",
          "ovo ets itsa ograd ishte evo en ino",
          "georgi ivan dimitar nikolaj petar stefan todor hristo",
          "marija ivanka elena jordanka tsvetana rumjana",
          "ov ev ski", "ova eva ska",
          "Община {n}", "Община {n}", "кмет на община {n}", "Общински съвет {n}", "slavic"),
    _lang("sr", "kral krag nov sab zaj sme pan vrsh chach ub val leskov pozh jag bor lozn",
          "e o i a",
          "ac ica ovo evac in ograd ovac",
          "milan dragan zoran nenad aleksandar goran dejan",
          "jelena milica dragana snezhana ivana marija",
          "ich ovich evich", "ich ovich evich",
          "Град {n}", "Општина {n}", "градоначелник града {n}", "Скупштина града {n}", "slavic"),
    _lang("fr", "Beau Bel Bour Cham Châ Fon Gre Lan Mar Mont Mou Pon Ro Sau Ver Vil Tou Ar Bri Cor Dol Écou Lé Sé",
          "ge ti re ne lle ri",
          "ville court mont ges vres lon ac ay ières y nay ère",
          "Jean Pierre Michel Philippe Alain Bernard Christophe Jacques Éric Thierry",
          "Marie Nathalie Isabelle Sylvie Catherine Françoise Hélène Valérie Élise",
          "ier et and eau in ard", "",
          "Ville de {n}", "Commune de {n}", "Maire de {n}", "Conseil municipal de {n}"),
    _lang("it", "Al Bor Ca Cor Fa Gra Lu Mon Pe Ro San Ser Tor Val Vi Bel Cas Fio Ma Ri Sa",
          "li ra ne ta ve gi",
          "ano ello ino aro ate ese ola one asco iglia",
          "Giuseppe Marco Giovanni Antonio Luca Paolo Francesco Stefano Andrea",
          "Maria Giulia Francesca Anna Chiara Laura Elena Paola",
          "ini etti ello oni ucci ari", "",
          "Comune di {n}", "Comune di {n}", "Sindaco di {n}", "Consiglio comunale di {n}"),
    _lang("es", "Al Ba Cas Cor Es Gua Lo Mon Pe Ri San Te Val Vi Ar Be Ca Fuen Man Villa",
          "ña re lla to de",
          "ejo illa ar ena ón ero al uela osa ín",
          "José Antonio Manuel Francisco Javier Carlos Miguel Alejandro",
          "María Carmen Ana Isabel Lucía Pilar Elena Rosa",
          "ez ado ero ales ón", "",
          "Ayuntamiento de {n}", "Ayuntamiento de {n}", "Alcalde de {n}", "Pleno del Ayuntamiento de {n}"),
    _lang("pt", "Bra Cas Al Vi Gui Fa Lou Mi Pe San Ta Va Co Ou Ba Ser",
          "ga re ma ri zu",
          "ão ais eira ela osa ende inhos ães al ia",
          "João José António Manuel Rui Pedro Paulo Luís",
          "Maria Ana Isabel Sofia Teresa Catarina Rita",
          "eira es ado ão", "",
          "Município de {n}", "Município de {n}", "Presidente da Câmara Municipal de {n}", "Assembleia Municipal de {n}"),
    _lang("nl", "Roer Gel Amers Zwol Del Ven Hoorn Alk Bre Ede Gou Hel Lei Maas Oss Zee Wijk Ter",
          "en er el",
          "mond dam hoven veen wijk dorp burg huizen sloot horst rode",
          "Jan Pieter Hendrik Willem Johan Kees Marco Bas Ruud",
          "Anna Maria Ingrid Els Sanne Marieke Anouk Petra",
          "s sen ink man", "",
          "Gemeente {n}", "Gemeente {n}", "Burgemeester van {n}", "Gemeenteraad van {n}"),
    _lang("sv", "Kris Lu Ös Väs Ystad Hel Sunds Gäv Norr Sö Borå Falk Karl Troll Väx Skell",
          "an e ing",
          "stad köping by holm berg ås vik hamn näs torp",
          "Lars Anders Johan Erik Per Karl Magnus Mikael",
          "Anna Eva Maria Karin Kristina Lena Ingrid Sara",
          "sson berg ström lund qvist", "",
          "{n} kommun", "{n} kommun", "kommunstyrelsens ordförande i {n}", "kommunfullmäktige i {n}"),
    _lang("da", "Glad Ros Ål Hors Ve Fre Hil Næst Kol Sla Hol Tør Ring Ska Ha",
          "e s",
          "saxe kilde borg sens jle rup sted bæk lev købing ing",
          "Jens Niels Søren Lars Henrik Morten Anders Peter",
          "Anne Mette Kirsten Hanne Lene Susanne Pia Karen",
          "sen gaard strup", "",
          "{n} Kommune", "{n} Kommune", "borgmester i {n} Kommune", "{n} Byråd"),
    _lang("nb", "Dram Ha Mol Bo Tøns Lar Kongs Sand Ar Gjø Ste Ler Nar Hor",
          "e a",
          "men vik stad berg dal sund øy ås rud nes",
          "Ole Lars Knut Bjørn Per Hans Terje Arne",
          "Kari Ingrid Anne Liv Marit Astrid Solveig",
          "sen rud dal stad", "",
          "{n} kommune", "{n} kommune", "ordfører i {n}", "{n} kommunestyre"),
    _lang("fi", "Sei Lah Ou Ko Jy Kuo Po Hä Rau Mik Kaja Sa Vaa Lappeen Ii Nur",
          "nä ta ka vi",
          "joki lu la järvi koski salmi niemi mäki lahti vesi",
          "Juha Matti Timo Jari Mikko Pekka Kari Heikki",
          "Anne Päivi Tuula Sari Riitta Leena Tiina Marja",
          "nen la inen lä", "",
          "{g} kaupunki", "{g} kunta", "{g} kaupunginjohtaja", "{g} kaupunginvaltuusto"),
    _lang("et", "Tar Pär Vil Rak Kär Jõ Võ Haap Pal Kei Saa Ota",
          "tu ja ve",
          "nu vere maa küla pea jõe järve linna sare",
          "Jaan Toomas Andres Peeter Mart Urmas Tõnu",
          "Kadri Mari Tiina Kersti Anu Piret Triin",
          "mets mäe son saar", "",
          "{n} linn", "{n} vald", "{n} linnapea", "{n} volikogu"),
    _lang("lv", "Jēkab Jel Ta Ogr Cē Lie Val Kul Bau Sal Ai Dobe Rēze Mad Līvā",
          "ga ra lu",
          "pils gava s ciems ava e ene ava ums",
          "Jānis Andris Māris Aivars Guntis Edgars Valdis",
          "Inese Ilze Anita Dace Līga Sandra Gunta",
          "s iņš s ovskis", "a iņa e ovska",
          "{g} pilsētas pašvaldība", "{g} novada pašvaldība", "{g} domes priekšsēdētājs", "{g} dome"),
    _lang("cs", "Tá Pře Be Ko Hra Čes Jih Kla Olo Pís Žďá Tře Mě Rou Stra Vy",
          "ro ne šo la",
          "ov ice any ín ovice nice ec ná ník",
          "Jan Petr Jiří Josef Pavel Martin Tomáš Jaroslav",
          "Jana Marie Eva Hana Lenka Kateřina Věra",
          "ák ek ický ný", "áková ková ická ná",
          "Město {n}", "Obec {n}", "starosta města {n}", "Zastupitelstvo města {n}"),
    _lang("sk", "Pre Tre Ži Ko Le Mar Zvo Bar Ru Pie Ste Lu Poprad Spiš",
          "ši ča ro",
          "ov ovce any ín ná ica ok",
          "Ján Peter Jozef Milan Martin Miroslav Ľubomír",
          "Mária Anna Zuzana Katarína Eva Ľudmila",
          "ák ek ský ný", "áková ková ská ná",
          "Mesto {n}", "Obec {n}", "primátor mesta {n}", "Mestské zastupiteľstvo {n}"),
    _lang("hu", "Sze Győ Pé De Kecs Nyír Mis Eger Sop Vác Ba Tata Gö Kő",
          "ge ke ré ti",
          "háza falva vár hely egyháza szeg vásárhely telek lak",
          "István László József János Zoltán Gábor Attila",
          "Mária Erzsébet Katalin Ilona Éva Zsuzsanna Anikó",
          "i ó és gyi", "",
          "{n} Város Önkormányzata", "{n} Község Önkormányzata", "{n} polgármestere", "{n} Képviselő-testülete"),
    _lang("sl", "Ce Kra Ptu Ve No Kam Slo Ko Ljut Tr Bre Pi",
          "le ni ro",
          "lje nj ica ovo ec ina ane",
          "Janez Marko Andrej Jože Franc Matej",
          "Marija Ana Maja Irena Mojca Nataša",
          "ič nik ec šek", "",
          "Mestna občina {n}", "Občina {n}", "župan občine {n}", "Občinski svet {n}"),
    _lang("hr", "Za Spli Osi Ri Vara Kar Sla Vin Po Ša Đa Čako",
          "do ne ko",
          "ac ica ovo ina evac ane",
          "Ivan Marko Josip Stjepan Tomislav Ante",
          "Ana Marija Ivana Katarina Mirjana Jelena",
          "ić ović ević", "",
          "Grad {n}", "Općina {n}", "gradonačelnik grada {n}", "Gradsko vijeće {n}"),
    _lang("ro", "Bai Su Bra Clu Ora Pi Târ Vas Bâr Foc Slo Hu Cău Ung Stră Ore Ți",
          "ce ma ni la",
          "ești eni ița ova ani ăuți oaia",
          "Ion Gheorghe Vasile Mihai Constantin Andrei Dorin",
          "Maria Elena Ioana Ana Mihaela Daniela Cristina",
          "escu eanu aru iuc", "",
          "Municipiul {n}", "Comuna {n}", "primarul municipiului {n}", "Consiliul Local {n}"),
    _lang("el", "ka pa the lar vol chan ioan kom trik ser kal dra",
          "la ri ni ko",
          "os i a ia oupoli ada",
          "giorgos nikos dimitris giannis kostas panagiotis",
          "maria eleni katerina sofia anna dimitra",
          "opoulos idis akis", "opoulou idou aki",
          "Δήμος {n}", "Δήμος {n}", "Δήμαρχος {n}", "Δημοτικό Συμβούλιο {n}", "el"),
    _lang("tr", "Bur Kon Es Ma Ak Çan Ba Yoz Kır Sam Tra Ödem Şile Uşa",
          "ki la ta",
          "sa ya köy lı hisar pınar dere kale ova",
          "Mehmet Ahmet Mustafa Ali Hüseyin Hasan İbrahim",
          "Ayşe Fatma Emine Hatice Zeynep Elif Özlem",
          "oğlu can er türk", "",
          "{n} Belediyesi", "{n} Belediyesi", "{n} Belediye Başkanı", "{n} Belediye Meclisi"),
    _lang("en", "Ash Brad Bright Cam Chel Dor Elm Fair Green Hamp Ken Lan Mel Nor Ox Red Sal Stan Wal Win Wood",
          "ing er ley",
          "ton ford field ham bury port wick ley stead well mouth bridge",
          "John David Michael James Robert Peter Andrew Mark Paul",
          "Mary Susan Sarah Elizabeth Karen Helen Emma Claire",
          "son ton ley er", "",
          "{n} Town Council", "{n} District Council", "Mayor of {n}", "{n} Council"),
    _lang("is", "Akur Hafnar Kópa Sel Ísa Egil Bor Dal Grund Húsa",
          "a ar",
          "eyri fjörður vík foss staðir nes höfn",
          "Jón Sigurður Guðmundur Gunnar Ólafur",
          "Guðrún Anna Kristín Sigríður Helga",
          "sson", "sdóttir",
          "Sveitarfélagið {n}", "Sveitarfélagið {n}", "bæjarstjóri {n}", "bæjarstjórn {n}"),
    _lang("ka", "tbi ru sta mtsk kuta go zug tel akh khash ozur ba tsq samt",
          "ta ri la ne",
          "i eti ani uri a ari",
          "giorgi davit levan irakli zurab nika",
          "nino tamar ketevan mariam eka natia",
          "shvili dze ia ava", "",
          "{n} მუნიციპალიტეტი", "{n} მუნიციპალიტეტი", "{n} მერი", "{n} საკრებულო", "ka"),
    _lang("hy", "ye gyu va a i se go kap ar mar ash ta dil",
          "re na bo je",
          "van ri dzor ik ats an ut ashen",
          "armen tigran gor hayk aram davit",
          "ani anahit lilit narine gayane",
          "yan", "",
          "{n} համայնք", "{n} համայնք", "{n} համայնքի ղեկավար", "{n} ավագանի", "hy"),
    _lang("zh", "", "", "", "", "", "", "", "{n}市人民政府", "{n}县人民政府", "{n}市长", "{n}市人民代表大会", "zh"),
    _lang("ja", "", "", "", "", "", "", "", "{n}市", "{n}町", "{n}市長", "{n}市議会", "ja"),
]}
_NATIVE_SCRIPT = {"ka": _GEORGIAN, "hy": _ARMENIAN, "el": _GREEK}


def genitive(name: str, lang: str) -> str:
    """A rough genitive for the languages whose body names need one (lt, lv, fi)."""
    if lang == "lt":
        for end, rep in (("iai", "ių"), ("ai", "ų"), ("ės", "ių"), ("ys", "ių"), ("as", "o"), ("is", "io"), ("ė", "ės"),
                         ("uva", "uvos"), ("a", "os")):
            if name.endswith(end):
                return name[: -len(end)] + rep
        return name
    if lang == "lv":
        for end, rep in (("s", "a"), ("a", "as"), ("e", "es")):
            if name.endswith(end):
                return name[: -len(end)] + rep
        return name
    if lang == "fi":
        return name + ("n" if name[-1:] in "aeiouyäö" else "in")
    return name


@dataclass
class Name:
    """A name with its labels: lang -> text (the native one first)."""
    native: str
    lang: str
    labels: dict


def _pinyin_join(syllables: list[str]) -> str:
    out = syllables[0]
    for s in syllables[1:]:
        out += ("'" + s) if s[0] in "aeo" else s
    return out.capitalize()


@functools.cache
def _cyrillic_table(lang: str) -> dict[str, str]:
    return {"szcz": "щ", "sch": "ш", "sz": "ш", "cz": "ч", "ch": "х", "rz": "ж", "ż": "ж", "ž": "ж", "š": "ш", "č": "ч",
             "ł": "л", "w": "в", "ó": "у", "ą": "он", "ę": "ен", "ś": "сь", "ć": "ць", "ń": "нь", "ź": "зь", "c": "ц",
             "y": "и" if lang == "uk" else "ы", "i": "і", "e": "е", "j": "й", "h": "г" if lang == "uk" else "г",
             "g": "ґ" if lang == "uk" else "г", "a": "а", "b": "б", "d": "д", "f": "ф", "k": "к", "l": "л", "m": "м",
             "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "z": "з", "x": "кс", "q": "к",
             "ė": "е", "ū": "у", "ų": "у", "į": "і", "ä": "е", "ö": "е", "ü": "ю", "ß": "с", "é": "е", "è": "е", "à": "а",
             "ā": "а", "ē": "е", "ī": "і", "ř": "ж", "ě": "е", "á": "а", "í": "і", "ý": "и", "ú": "у", "ů": "у", "ő": "е",
             "ű": "ю", "ç": "с", "ñ": "нь", "ã": "ан", "õ": "он", "ă": "е", "â": "и", "î": "і", "ș": "ш", "ț": "ц",
             "ğ": "", "ı": "и", "ş": "ш", "ð": "д", "þ": "т", "æ": "е", "ø": "е", "å": "о", "đ": "дж", "ľ": "ль", "ť": "ть",
             "ď": "дь", "ň": "нь", "ô": "о", "ê": "е", "ë": "е", "ï": "ї" if lang == "uk" else "і", "ì": "і", "ò": "о",
             "ù": "у", "ũ": "у", "'": ""}


def _latin_to_cyrillic(text: str, lang: str) -> str:
    return _apply(text, _cyrillic_table(lang))


_TO_LT = {"sz": "š", "cz": "č", "rz": "ž", "ż": "ž", "w": "v", "ł": "l", "ó": "o", "ą": "o", "ę": "e", "ś": "s",
          "ć": "č", "ń": "n", "ź": "z", "sch": "š", "ä": "e", "ö": "e", "ü": "iu", "ß": "s", "x": "ks", "q": "k"}
_LT_TO_PL = {"š": "sz", "č": "cz", "ž": "ż", "ė": "e", "ū": "u", "ų": "u", "į": "i", "ą": "a", "ę": "e", "v": "w"}
_PL_TO_DE = {"sz": "sch", "cz": "tsch", "rz": "rsch", "ż": "sch", "ł": "l", "ó": "o", "ą": "an", "ę": "en", "ś": "s",
             "ć": "tz", "ń": "n", "ź": "s", "w": "w", "c": "z", "y": "i"}


def _lithuanian(text: str) -> str:
    """Lithuanian adaptation of a foreign name: Koszalin -> Košalinas."""
    out = _apply(text, _TO_LT)
    words = out.split(" ")
    last = words[-1]
    if last[-1:].lower() in "bcdfghjklmnprstvzčšž":
        last += "as"
    return " ".join(words[:-1] + [last])


def _polish_from_lithuanian(text: str) -> str:
    out = _apply(text, _LT_TO_PL)
    for end, rep in (("iai", "e"), ("ai", "y"), ("as", ""), ("is", ""), ("ys", "")):
        if out.endswith(end) and len(out) > len(end) + 2:
            return out[: -len(end)] + rep
    return out


def _german_from_polish(text: str) -> str:
    out = _apply(text, _PL_TO_DE)
    for end, rep in (("ice", "itz"), ("owo", "ow"), ("ów", "au"), ("ów", "au"), ("ec", "etz"), ("no", "ne")):
        if out.endswith(end):
            return out[: -len(end)] + rep
    return out


class Namer:
    """Invents names of towns and people for a language, unique by folded key within a country."""

    def __init__(self, rng: Random):
        self.rng = rng

    def town(self, lang: str, longer: bool = False) -> Name:
        """A new town name; `longer` (after collisions) adds a syllable, so that big countries never run out."""
        spec = LANGUAGES[lang]
        rng = self.rng
        if spec.script == "zh":
            syll = rng.sample(sorted(_HANZI), 3 if longer or rng.random() < 0.05 else 2)
            return Name("".join(_HANZI[s] for s in syll), "zh", {"zh": "".join(_HANZI[s] for s in syll), "en": _pinyin_join(syll)})
        if spec.script == "ja":
            parts = rng.sample(sorted(_KANJI), 3 if longer else 2)
            roman = parts[0]
            for b in parts[1:]:
                second = b
                if rng.random() < 0.3:  # rendaku: Yamada, Nagasaki -> Nagazaki
                    for k, v in _VOICED.items():
                        if b.startswith(k):
                            second = v + b[len(k):]
                            break
                roman += second
            kanji = "".join(_KANJI[x] for x in parts)
            return Name(kanji, "ja", {"ja": kanji, "en": roman.capitalize()})
        start = rng.choice(spec.starts)
        if longer:
            start += rng.choice(spec.starts).lower()
        mid = rng.choice(spec.mids) if rng.random() < 0.35 else ""
        end = rng.choice(spec.ends)
        word = start + mid + end
        if spec.script == "slavic":
            neutral = word
            if rng.random() < 0.05:
                neutral = rng.choice(("nov", "star", "vel")) + "o-" + word
            labels = {lang: _apply(neutral, _SLAVIC[lang])}
            labels["en"] = _apply(neutral, _ROMAN["en"])
            if lang == "sr":
                labels["sr-Latn"] = _apply(neutral, _ROMAN["sr-Latn"])
            return Name(labels[lang], lang, labels)
        if spec.script in _NATIVE_SCRIPT:
            native = _apply(word, _NATIVE_SCRIPT[spec.script], capitalize=spec.script != "ka")  # Georgian has no capitals
            return Name(native, lang, {lang: native, "en": word.capitalize()})
        word = word[:1].upper() + word[1:]
        r = rng.random()
        if lang == "pl" and r < 0.06:
            word = ("Nowa " if word.endswith("a") else "Nowe " if word.endswith(("o", "e")) else "Nowy ") + word
        elif lang == "pl" and r < 0.09:
            word += " " + ("Wielka" if word.endswith("a") else "Wielkie" if word.endswith(("o", "e")) else "Wielki")
        elif lang == "de" and r < 0.05:
            word = "Bad " + word
        elif lang == "de" and r < 0.07:
            word += " an der " + rng.choice(("Elbe", "Oder", "Saale", "Weser", "Donau", "Mosel"))
        elif lang == "fr" and r < 0.06:
            word = rng.choice(("Saint-", "Sainte-")) + word
        elif lang == "fr" and r < 0.09:
            word += "-sur-" + rng.choice(("Mer", "Loire", "Seine", "Marne", "Saône"))
        elif lang in ("it", "es", "pt") and r < 0.06:
            word = {"it": "San ", "es": "San ", "pt": "São "}[lang] + word
        elif lang == "en" and r < 0.05:
            word = rng.choice(("North ", "South ", "East ", "West ", "Port ")) + word
        return Name(word, lang, {lang: word, "en": word})

    def person(self, lang: str) -> tuple[str, str, dict]:
        """(slug base, native label language, labels) of an invented person."""
        spec = LANGUAGES[lang]
        rng = self.rng
        female = rng.random() < 0.32
        if spec.script == "zh":
            fam_en, fam = rng.choice(_SURNAMES_ZH)
            given = rng.sample(sorted(_HANZI), rng.choice((1, 2)))
            native = fam + "".join(_HANZI[g] for g in given)
            roman = fam_en + " " + _pinyin_join(given)
            return slugify(roman), "zh", {"zh": native, "en": roman}
        if spec.script == "ja":
            a, b = rng.sample(sorted(_KANJI), 2)
            given_en, given = rng.choice(_GIVEN_JA)
            native = _KANJI[a] + _KANJI[b] + given
            roman = given_en + " " + (a + b).capitalize()
            return slugify(roman), "ja", {"ja": native, "en": roman}
        first = rng.choice(spec.first_f if female else spec.first_m)
        root = rng.choice(spec.starts) + (rng.choice(spec.mids) if rng.random() < 0.5 else "")
        suffix = rng.choice(spec.surname_f if female else spec.surname_m)
        surname = root + suffix
        if spec.script == "slavic":
            labels = {lang: _apply(first, _SLAVIC[lang]) + " " + _apply(surname, _SLAVIC[lang])}
            labels["en"] = _apply(first, _ROMAN["en"]) + " " + _apply(surname, _ROMAN["en"])
            if lang in ("uk", "be"):
                labels["pl"] = _apply(first, _ROMAN["pl"]) + " " + _apply(surname, _ROMAN["pl"])
            return slugify(labels["en"]), lang, labels
        if spec.script in _NATIVE_SCRIPT:
            cap = spec.script != "ka"
            native = _apply(first, _NATIVE_SCRIPT[spec.script], cap) + " " + _apply(surname, _NATIVE_SCRIPT[spec.script], cap)
            roman = first.capitalize() + " " + surname.capitalize()
            return slugify(roman), lang, {lang: native, "en": roman}
        surname = surname[:1].upper() + surname[1:]
        if lang == "nl" and rng.random() < 0.25:
            surname = rng.choice(("van ", "de ", "van der ", "van den ")) + surname
        label = f"{surname} {first}" if lang == "hu" else f"{first} {surname}"
        labels = {lang: label}
        if fold(label) != label.casefold():
            labels["en"] = "".join(c for c in unicodedata.normalize("NFKD", label.translate(str.maketrans("łŁøØßđĐæÆıðþ", "lLoOsdDaAidt")))
                                   if not unicodedata.combining(c))
        return slugify(label), lang, labels


# =====================================================================================================
# The world: countries, regions, local governments and places
# =====================================================================================================

@dataclass
class Gov:
    index: int
    country: CountrySpec
    region: "Region | None"
    lang: str
    slug: str
    name: Name
    kind: str  # town, district or region
    population: float
    lat: float
    lon: float
    code: str | None = None
    notable: bool = False
    partners: list = field(default_factory=list)
    mayors: list = field(default_factory=list)  # Tenure, in date order
    chairs: list = field(default_factory=list)
    part: int = 0  # which gazetteer file part

    @property
    def key(self) -> str:
        return f"{self.country.code.lower()}-{self.slug}"

    @property
    def iri(self) -> str:
        return f"{ID}gov/{self.country.code.lower()}/{self.slug}"

    @property
    def place_iri(self) -> str:
        return f"{ID}place/{self.country.code.lower()}/{self.slug}"

    @property
    def council_iri(self) -> str:
        return f"{ID}council/{self.country.code.lower()}/{self.slug}"

    def post_iri(self, post: str) -> str:
        return f"{ID}post/{self.country.code.lower()}/{self.slug}/{post}"

    @property
    def label_en(self) -> str:
        return self.name.labels.get("en", self.name.native)


@dataclass
class Region:
    country: CountrySpec
    slug: str
    name: Name
    lang: str
    number: int
    gov: Gov | None = None


@dataclass
class Person:
    slug: str
    lang: str
    labels: dict


@dataclass
class Tenure:
    person: Person
    gov: Gov
    post: str  # mayor, council-chair
    start: dt.date
    end: dt.date | None

    @property
    def iri(self) -> str:
        return f"{ID}tenure/{self.person.slug}/{self.gov.key}-{self.post}"


def countries_for(size: str) -> list[CountrySpec]:
    n = COUNTRIES_BY_SIZE[size]
    return COUNTRIES[:n]


def make_world(rng: Random, size: str) -> tuple[list[CountrySpec], list[Region], list[Gov]]:
    """Countries, their regions and local governments (regional governments included), with places and codes."""
    countries = countries_for(size)
    total = round(L_GOVERNMENTS * SCALE[size])
    weights = [c.weight for c in countries]
    wsum = sum(weights)
    counts = [max(8, round(total * w / wsum)) for w in weights]
    counts[0] += total - sum(counts)
    namer = Namer(rng)
    regions: list[Region] = []
    govs: list[Gov] = []
    used_across: list[tuple[str, Name]] = []
    for country, count in zip(countries, counts):
        n_regions = max(2, min(16, round(math.sqrt(count) / 4)))
        keys: set[str] = set()
        bbox = country.bbox
        country_regions = []
        for r in range(n_regions):
            lang = country.langs[r % len(country.langs)]
            name = _unique_name(namer, lang, keys)
            region = Region(country, slugify(name.labels.get("en", name.native)) + "-" + slugify(country.region_type), name, lang, r + 1)
            country_regions.append(region)
        regions += country_regions
        n_local = count - n_regions
        for k in range(n_local):
            region = country_regions[k * n_regions // max(1, n_local)]
            lang = region.lang
            if used_across and rng.random() < 0.002 and country.langs[0] in ("de", "pl", "en", "fr", "it", "nl", "cs", "sk", "hr", "sl"):
                # a deliberate namesake of a town in another country of the same language family (Frankfurt, Frankfurt)
                other_lang, other = used_across[rng.randrange(len(used_across))]
                name = other if other_lang == lang and fold(other.native) not in keys else _unique_name(namer, lang, keys)
                keys.add(fold(name.native))
            else:
                name = _unique_name(namer, lang, keys)
            kind = "district" if rng.random() < 0.15 else "town"
            slug = slugify(name.labels.get("en", name.native)) + ("-district" if kind == "district" else "")
            lat = round(rng.uniform(bbox[0], bbox[1]), 4)
            lon = round(rng.uniform(bbox[2], bbox[3]), 4)
            population = rng.paretovariate(1.1) * 3000
            govs.append(Gov(len(govs), country, region, lang, slug, name, kind, population, lat, lon))
            if rng.random() < 0.01:
                used_across.append((lang, name))
        for region in country_regions:
            lat = round(rng.uniform(bbox[0], bbox[1]), 4)
            lon = round(rng.uniform(bbox[2], bbox[3]), 4)
            region.gov = Gov(len(govs), country, region, region.lang, region.slug, region.name, "region", 2e5, lat, lon)
            govs.append(region.gov)
    _assign_codes(govs)
    return countries, regions, govs


def _unique_name(namer: Namer, lang: str, keys: set[str]) -> Name:
    for attempt in range(400):
        name = namer.town(lang, longer=attempt >= 3)
        en = name.labels.get("en", name.native)
        key = fold(en)
        if key in keys:
            continue
        native_key = key if name.native == en else fold(name.native)
        if native_key in keys or not slugify(en):
            continue
        keys.add(key)
        keys.add(native_key)
        return name
    raise RuntimeError(f"cannot invent a new {lang} name")  # pragma: no cover - the syllable spaces are large


def _assign_codes(govs: list[Gov]) -> None:
    """TERYT-like codes for Polish units (WWPPGG + type digit), ISO 3166-2-like codes for regions."""
    per_region: dict[tuple, int] = {}
    for gov in govs:
        if gov.kind == "region":
            gov.code = f"{gov.country.code}-{gov.region.number:02d}"
        elif gov.country.code == "PL":
            k = per_region.get(gov.region.slug, 0) + 1
            per_region[gov.region.slug] = k
            gov.code = f"{gov.region.number * 2:02d}{(k // 50) + 1:02d}{(k % 50) + 1:02d}{1 if gov.kind == 'town' else 2}"


def add_exonyms(govs: list[Gov]) -> None:
    """Notable towns get names in the six languages (and historical German names for Polish towns)."""
    for gov in govs:
        if not gov.notable or gov.kind == "region":
            continue
        labels = gov.name.labels
        lang = gov.lang
        native = gov.name.native
        if LANGUAGES[lang].script == "slavic":
            neutral_labels = labels
            for target in ("pl", "de", "lt"):
                neutral_labels.setdefault(target, _transliterate_from_en(labels["en"], target))
            if lang == "uk":
                labels.setdefault("be", _latin_to_cyrillic(labels["en"], "be"))
            elif lang == "be":
                labels.setdefault("uk", _latin_to_cyrillic(labels["en"], "uk"))
            continue
        latin = labels["en"]
        if lang == "lt":
            labels.setdefault("pl", _polish_from_lithuanian(native))
        else:
            labels.setdefault("pl", latin)
        labels.setdefault("de", latin)
        labels.setdefault("lt", native if lang == "lt" else _lithuanian(latin))
        labels.setdefault("uk", _latin_to_cyrillic(native if LANGUAGES[lang].script == "latn" else latin, "uk"))
        labels.setdefault("be", _latin_to_cyrillic(native if LANGUAGES[lang].script == "latn" else latin, "be"))


_FROM_EN = {"pl": {"shch": "szcz", "kh": "ch", "zh": "ż", "ch": "cz", "sh": "sz", "ts": "c", "ya": "ja", "yu": "ju", "ye": "je",
                    "yi": "ji", "v": "w", "w": "ł"},
             "de": {"shch": "schtsch", "kh": "ch", "zh": "sch", "ch": "tsch", "sh": "sch", "ts": "z", "ya": "ja", "yu": "ju",
                    "ye": "je", "yi": "ji", "v": "w", "z": "s"},
             "lt": {"shch": "šč", "kh": "ch", "zh": "ž", "ch": "č", "sh": "š", "ts": "c", "ya": "ja", "yu": "ju", "ye": "je",
                    "yi": "ji", "w": "v"}}


def _transliterate_from_en(en: str, target: str) -> str:
    out = _apply(en, _FROM_EN[target])
    if target == "lt":
        words = out.split(" ")
        if words[-1][-1:].lower() in "bcdfghjklmnprstvzčšž":
            words[-1] += "as"
        out = " ".join(words)
    return out


# =====================================================================================================
# Partnerships: a heavy-tailed, assortative network with country affinity and triadic closure
# =====================================================================================================

def target_degrees(rng: Random, govs: list[Gov], n_edges: int, kmax: int) -> dict[int, int]:
    """Power-law degrees (exponent 2) for the most populous local governments, big towns having more partners."""
    ks = list(range(1, kmax + 1))
    w = [k ** -2.0 for k in ks]
    total = sum(w)
    mean = sum(k * x for k, x in zip(ks, w)) / total
    cdf, acc = [], 0.0
    for x in w:
        acc += x / total
        cdf.append(acc)
    municipal = [g for g in govs if g.kind != "region"]
    regional = {g.index: rng.choice((0, 1, 1, 2, 3)) for g in govs if g.kind == "region"}  # regional partnerships
    n_edges -= sum(regional.values()) // 2
    n_nodes = min(len(municipal), round(2 * n_edges / mean))
    # stratified quantiles: the sequence follows the law closely and its sum hardly depends on the seed
    degrees = sorted((ks[min(kmax - 1, bisect.bisect_left(cdf, (i + rng.random()) / n_nodes))] for i in range(n_nodes)), reverse=True)
    degrees[0] = kmax  # the largest hub, as in the real network
    stubs = sum(degrees)
    while stubs > 2 * n_edges and degrees[-1] == 1:  # then exactly 2 * n_edges stubs, with degree-1 nodes
        degrees.pop()
        stubs -= 1
    while stubs < 2 * n_edges and len(degrees) < len(municipal):
        degrees.append(1)
        stubs += 1
    # rank by population with noise: the biggest towns are the hubs, mostly
    ranked = sorted(municipal, key=lambda g: (-(math.log(g.population) + rng.gauss(0, 0.8)), g.index))
    out = {g.index: d for g, d in zip(ranked, degrees)}
    out.update(regional)
    return out


def pair_stubs(rng: Random, govs: list[Gov], degrees: dict[int, int], sigma: float = 0.6, mix: float = 0.25,
               window: int = 40) -> list[tuple[int, int]]:
    """Pair stubs of similar degree (assortative), part of them at random (a giant component), by country affinity."""
    stubs = []
    for index in sorted(degrees):
        d = degrees[index]
        for _ in range(d):
            key = math.log(d) + rng.gauss(0, sigma) if rng.random() > mix else rng.uniform(0, 6)
            regional = govs[index].kind == "region"
            stubs.append((regional, key, index))
    stubs.sort()
    order = [i for _, _, i in stubs]
    used = [False] * len(order)
    edges: set[tuple[int, int]] = set()
    result = []
    for pos, a in enumerate(order):
        if used[pos]:
            continue
        used[pos] = True
        candidates, weights = [], []
        j = pos + 1
        ca = govs[a].country.code
        while j < len(order) and len(candidates) < window:
            b = order[j]
            if not used[j] and b != a and (min(a, b), max(a, b)) not in edges and (govs[a].kind == "region") == (govs[b].kind == "region"):
                candidates.append(j)
                weights.append(country_affinity(ca, govs[b].country.code))
            j += 1
        if not candidates:
            continue
        j = rng.choices(candidates, weights=weights)[0]
        used[j] = True
        pair = (min(a, order[j]), max(a, order[j]))
        edges.add(pair)
        result.append(pair)
    return result


def triadic_closure(rng: Random, govs: list[Gov], edges: list[tuple[int, int]], extra: int) -> list[tuple[int, int, int]]:
    """Partnerships between two partners of one local government (which then facilitated them): (a, b, via)."""
    adjacency: dict[int, list[int]] = {}
    for a, b in edges:
        adjacency.setdefault(a, []).append(b)
        adjacency.setdefault(b, []).append(a)
    existing = set(edges)
    hubs = sorted((v for v in adjacency if len(adjacency[v]) >= 2 and govs[v].kind != "region"))
    weights = [len(adjacency[v]) for v in hubs]
    added = []
    tries = 0
    while len(added) < extra and hubs and tries < extra * 20:
        tries += 1
        via = rng.choices(hubs, weights=weights)[0]
        a, b = rng.sample(adjacency[via], 2)
        pair = (min(a, b), max(a, b))
        if pair in existing or govs[a].country is govs[b].country and rng.random() < 0.7:
            continue
        if (govs[a].kind == "region") != (govs[b].kind == "region"):
            continue
        existing.add(pair)
        added.append((pair[0], pair[1], via))
    return added


def top_up(rng: Random, govs: list[Gov], degrees: dict[int, int], edges: list, target: int) -> list[tuple[int, int, None]]:
    """Stubs the pairing could not use come back as partnerships between degree-weighted local governments."""
    existing = {(a, b) for a, b, _ in edges}
    nodes = sorted(i for i, d in degrees.items() if d > 0 and govs[i].kind != "region")
    weights = [degrees[i] for i in nodes]
    added = []
    while len(edges) + len(added) < target:
        a, b = rng.choices(nodes, weights=weights, k=2)
        pair = (min(a, b), max(a, b))
        if a == b or pair in existing or rng.random() * 10 > country_affinity(govs[a].country.code, govs[b].country.code):
            continue
        existing.add(pair)
        added.append((pair[0], pair[1], None))
    return added


# =====================================================================================================
# Dates, officials and tenures
# =====================================================================================================

def reference_date(seed: int) -> dt.date:
    """The generated world's 'today': fixed by the seed (never the clock), in the first half of 2025."""
    return dt.date(2025, 1, 1) + dt.timedelta(days=seed % 180)


def election_dates(rng: Random, country: CountrySpec, until: dt.date) -> list[dt.date]:
    """Local election days of a country: every 4 or 5 years from an early start, on a fixed month."""
    term = 5 if country.code in ("PL", "LT", "UA", "FR", "IT", "GB", "TR", "RO", "MD") else 4
    month = 3 + (sum(map(ord, country.code)) % 8)
    year = 1946 + (sum(map(ord, country.code)) % term)
    out = []
    while True:
        day = dt.date(year, month, 1 + (year * 7 + ord(country.code[0])) % 27)
        if day > until:
            return out
        out.append(day)
        year += term


MAYORS_SINCE = 1985  # earlier acts are signed by unnamed officials (the register names no one before)


def officials(rng: Random, govs: list[Gov], namer: Namer, first_year: dict[int, int], today: dt.date, target: int) -> list[Person]:
    """Mayors for every local government (from before its first act), council chairs for the active ones."""
    persons: list[Person] = []
    used_slugs: dict[str, int] = {}
    elections = {}
    for c in sorted({g.country.code: g.country for g in govs}.values(), key=lambda c: c.code):
        elections[c.code] = election_dates(rng, c, today)

    def person(lang: str) -> Person:
        slug, label_lang, labels = namer.person(lang)
        n = used_slugs.get(slug, 0) + 1
        used_slugs[slug] = n
        p = Person(slug if n == 1 else f"{slug}-{n}", label_lang, labels)
        persons.append(p)
        return p

    def since(days: list[dt.date], year: int) -> list[dt.date]:
        return days[max(0, bisect.bisect_right(days, dt.date(year - 1, 12, 31)) - 1):]

    for gov in govs:  # governments with partnerships: mayors from before their first act, chairs since 1998
        if gov.index in first_year:
            days = elections[gov.country.code]
            gov.mayors = _succession(rng, gov, since(days, max(MAYORS_SINCE, first_year[gov.index])), today, "mayor", person)
            if len(gov.partners) >= 2 and gov.kind != "region":
                gov.chairs = _succession(rng, gov, since(days, max(1998, first_year[gov.index])), today, "council-chair", person)
    inactive = [gov for gov in govs if gov.index not in first_year]
    # the others share what is left of the target: a new mayor comes with 45% of the elections (0.55 re-elected)
    per_gov = max(1.0, (target - len(persons)) / max(1, len(inactive)))
    terms_back = 1 + (per_gov - 1) / 0.45
    for gov in inactive:
        days = elections[gov.country.code]
        back = int(terms_back) + (1 if rng.random() < terms_back - int(terms_back) else 0)
        gov.mayors = _succession(rng, gov, days[-back:], today, "mayor", person)
    return persons


def _succession(rng: Random, gov: Gov, days: list[dt.date], today: dt.date, post: str, person) -> list[Tenure]:
    """Holders of one post from election to election (a holder is re-elected with probability 0.55)."""
    out: list[Tenure] = []
    current = None
    for k, day in enumerate(days):
        start = day + dt.timedelta(days=14)
        if start > today:
            break
        if current is None or rng.random() > 0.55:
            if current is not None:
                current.end = start - dt.timedelta(days=1)
            current = Tenure(person(gov.lang), gov, post, start, None)
            out.append(current)
    return out


def holder_on(tenures: list[Tenure], day: dt.date) -> Tenure | None:
    for t in tenures:
        if t.start <= day and (t.end is None or day <= t.end):
            return t
    return None


# =====================================================================================================
# Agreements, events and status changes of each partnership
# =====================================================================================================

AGREEMENT_KINDS = {  # kind concept -> (IRI suffix, English label)
    "partnership-agreement": ("partnership", "Partnership agreement"),
    "framework-cooperation-agreement": ("framework", "Framework cooperation agreement"),
    "cooperation-agreement": ("cooperation", "Cooperation agreement"),
    "letter-of-intent": ("letter-of-intent", "Letter of intent"),
    "memorandum": ("memorandum", "Memorandum of understanding"),
    "renewal": ("renewal", "Renewal of the partnership agreement"),
}
AGREEMENT_LOCAL = {  # kind -> language -> label template (the six languages of the graph)
    "partnership-agreement": {"pl": "Umowa partnerska: {a} – {b}", "lt": "Partnerystės sutartis: {a} – {b}",
                              "uk": "Угода про партнерство: {a} – {b}", "be": "Пагадненне аб партнёрстве: {a} – {b}",
                              "de": "Partnerschaftsvertrag: {a} – {b}"},
    "framework-cooperation-agreement": {"pl": "Porozumienie ramowe o współpracy: {a} – {b}",
                                        "lt": "Bendradarbiavimo pagrindų susitarimas: {a} – {b}",
                                        "uk": "Рамкова угода про співпрацю: {a} – {b}",
                                        "be": "Рамачнае пагадненне аб супрацоўніцтве: {a} – {b}",
                                        "de": "Rahmenvereinbarung über die Zusammenarbeit: {a} – {b}"},
    "cooperation-agreement": {"pl": "Porozumienie o współpracy: {a} – {b}", "lt": "Bendradarbiavimo susitarimas: {a} – {b}",
                              "uk": "Угода про співпрацю: {a} – {b}", "be": "Пагадненне аб супрацоўніцтве: {a} – {b}",
                              "de": "Kooperationsvereinbarung: {a} – {b}"},
    "letter-of-intent": {"pl": "List intencyjny: {a} – {b}", "lt": "Ketinimų protokolas: {a} – {b}",
                         "uk": "Лист про наміри: {a} – {b}", "be": "Ліст аб намерах: {a} – {b}",
                         "de": "Absichtserklärung: {a} – {b}"},
    "memorandum": {"pl": "Memorandum o współpracy: {a} – {b}", "lt": "Bendradarbiavimo memorandumas: {a} – {b}",
                   "uk": "Меморандум про співпрацю: {a} – {b}", "be": "Мемарандум аб супрацоўніцтве: {a} – {b}",
                   "de": "Memorandum über die Zusammenarbeit: {a} – {b}"},
    "renewal": {"pl": "Odnowienie umowy partnerskiej: {a} – {b}", "lt": "Partnerystės sutarties atnaujinimas: {a} – {b}",
                "uk": "Поновлення угоди про партнерство: {a} – {b}", "be": "Аднаўленне пагаднення аб партнёрстве: {a} – {b}",
                "de": "Erneuerung des Partnerschaftsvertrags: {a} – {b}"},
}
FIELDS = ["local-government", "culture-and-sport", "tourism", "economy-and-business", "joint-programmes", "social-issues",
          "education", "institutional-development", "environment", "youth", "public-health", "strategic-planning",
          "infrastructure"]
EVENT_KINDS = [("DelegationVisit", "Visit of a delegation of {guest} to {host}", "delegation-visit"),
               ("Visit", "Visit of the mayor of {guest} to {host}", "visit"),
               ("Meeting", "Meeting of representatives of {guest} and {host} in {host}", "meeting")]
FESTIVALS = [("CityDays", "Days of {host} {year}", "days"), ("Festival", "{host} Summer Festival {year}", "festival")]


@dataclass
class Claim:
    """A date at the precision a source gives it."""
    day: dt.date
    precision: str  # day, month or year

    def literal(self) -> str:
        if self.precision == "year":
            return f'"{self.day.year:04d}"^^xsd:gYear'
        if self.precision == "month":
            return f'"{self.day.year:04d}-{self.day.month:02d}"^^xsd:gYearMonth'
        return f'"{self.day.isoformat()}"^^xsd:date'

    def stamp(self) -> str:
        if self.precision == "year":
            return f"{self.day.year:04d}"
        if self.precision == "month":
            return f"{self.day.year:04d}-{self.day.month:02d}"
        return self.day.isoformat()

    def sort_day(self) -> dt.date:
        if self.precision == "year":
            return dt.date(self.day.year, 1, 1)
        if self.precision == "month":
            return dt.date(self.day.year, self.day.month, 1)
        return self.day


@dataclass
class Act:
    iri: str
    kind: str
    date: Claim
    label_en: str
    labels: dict
    place: Gov | None = None
    renews: "Act | None" = None
    valid_until: dt.date | None = None
    fields: list = field(default_factory=list)
    participants: list = field(default_factory=list)  # (Tenure, role)


@dataclass
class Event:
    iri: str
    cls: str
    date: Claim
    label_en: str
    host: Gov
    guest: Gov
    during: "Event | None" = None
    invited_by: Tenure | None = None
    participants: list = field(default_factory=list)


@dataclass
class StatusChange:
    status: str
    date: Claim
    decided_by: str  # an IRI
    description: tuple  # (en, local lang, local text)
    cause: tuple | None


@dataclass
class Partnership:
    a: Gov
    b: Gov
    start: Claim
    kind: str
    via: Gov | None = None
    agreements: list = field(default_factory=list)
    established_by: Act | None = None
    renewed_by: Act | None = None
    events: list = field(default_factory=list)
    status: list = field(default_factory=list)
    ordinal: tuple | None = None  # (gov, n)
    register_country: str = ""
    list_year: int | None = None  # the year an encyclopaedia list gives (sometimes another one), if it lists it

    def effective_start(self) -> dt.date:
        """As the start-end rule computes it: the earliest claim (a list's year is superseded by a finer same-year one)."""
        if self.list_year is not None and self.list_year < self.start.day.year:
            return dt.date(self.list_year, 1, 1)
        return self.start.sort_day()

    @property
    def iri(self) -> str:
        return f"{ID}partnership/{self.a.key}--{self.b.key}"

    @property
    def pair(self) -> str:
        return f"{self.a.key}--{self.b.key}"


def start_year(rng: Random, a: Gov, b: Gov) -> int:
    """Twinning waves: Western Europe after the war, Central and Eastern Europe after 1990, China and Japan later."""
    east = a.country.code in EUROPE_EAST or b.country.code in EUROPE_EAST
    asia = a.country.code in ("CN", "JP") or b.country.code in ("CN", "JP")
    r = rng.random()
    if asia:
        return rng.randint(1985, 2024) if r < 0.8 else rng.randint(1960, 1984)
    if east:
        if r < 0.12:
            return rng.randint(1958, 1989)
        return min(2024, 1990 + int(rng.expovariate(1 / 9)))
    if r < 0.55:
        return rng.randint(1956, 1989)
    return min(2024, 1990 + int(rng.expovariate(1 / 12)))


def _claim(rng: Random, day: dt.date, p_day: float = 0.6, p_month: float = 0.25) -> Claim:
    r = rng.random()
    return Claim(day, "day" if r < p_day else "month" if r < p_day + p_month else "year")


def _random_day(rng: Random, year: int, today: dt.date) -> dt.date:
    day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    return min(day, today - dt.timedelta(days=30))


def partnerships(rng: Random, govs: list[Gov], edges: list[tuple[int, int, int | None]], today: dt.date) -> list[Partnership]:
    out = []
    for a_i, b_i, via_i in edges:
        a, b = govs[a_i], govs[b_i]
        if a.key > b.key:
            a, b = b, a
        year = start_year(rng, a, b)
        day = _random_day(rng, year, today)
        kind = "kind-friendship-city" if {"CN", "JP"} & {a.country.code, b.country.code} and rng.random() < 0.4 else \
            "kind-cooperation" if rng.random() < 0.08 else "kind-partner-city"
        p = Partnership(a, b, _claim(rng, day), kind, govs[via_i] if via_i is not None else None)
        a.partners.append(p)
        b.partners.append(p)
        out.append(p)
    out.sort(key=lambda p: p.pair)
    # a facilitating partner must have been a partner of both before; otherwise the closure is not stated
    for p in out:
        if p.via is not None:
            earlier = [q for q in p.via.partners if q.a in (p.a, p.b) or q.b in (p.a, p.b)]
            if len(earlier) < 2 or any(q.start.sort_day() >= p.start.sort_day() for q in earlier):
                p.via = None
    return out


def agreements_and_events(rng: Random, plist: list[Partnership], today: dt.date, events_target: int) -> None:
    """The acts of each partnership: letter of intent, establishing agreement, renewal; visits before them."""
    per_partnership = events_target / max(1, len(plist)) / 1.15  # (some visits take place during festivals: +15%)
    for p in plist:
        start = p.start
        kind = rng.choices(["partnership-agreement", "framework-cooperation-agreement", "cooperation-agreement", "memorandum"],
                           weights=[50, 20, 22, 8])[0]
        if p.kind == "kind-friendship-city":
            kind = "memorandum" if rng.random() < 0.5 else "cooperation-agreement"
        if rng.random() < 0.9:
            host = p.a if rng.random() < 0.5 else p.b
            act = _act(rng, p, kind, start, host)
            p.established_by = act
            p.agreements.append(act)
            if rng.random() < 0.35:  # a letter of intent a few months before
                loi_day = start.day - dt.timedelta(days=rng.randint(120, 720))
                if loi_day.year >= 1950:
                    loi = _act(rng, p, "letter-of-intent", _claim(rng, loi_day), p.b if host is p.a else p.a)
                    p.agreements.insert(0, loi)
            if rng.random() < 0.12:  # a renewal after some years
                ren_day = start.day + dt.timedelta(days=rng.randint(5 * 365, 20 * 365))
                if ren_day < today - dt.timedelta(days=60):
                    ren = _act(rng, p, "renewal", _claim(rng, ren_day), host)
                    ren.renews = act
                    if rng.random() < 0.4:
                        ren.valid_until = ren_day.replace(day=1) + dt.timedelta(days=365 * rng.choice((3, 5, 10)))
                    p.renewed_by = ren
                    p.agreements.append(ren)
        # visits and meetings before the first act (heavier for partnerships with agreements)
        n_events = _poisson(rng, per_partnership * (1.08 if p.agreements else 0.3))
        first = min((a.date.day for a in p.agreements), default=p.start.day)
        for k in range(n_events):
            day = first - dt.timedelta(days=rng.randint(30, 900))
            if day.year < 1950:
                continue
            p.events.append(_event(rng, p, k, day))
        p.events.sort(key=lambda e: (e.date.day, e.iri))


def _poisson(rng: Random, lam: float) -> int:
    n, limit, prod = 0, math.exp(-lam), rng.random()
    while prod > limit:
        n += 1
        prod *= rng.random()
    return n


def _act(rng: Random, p: Partnership, kind: str, date: Claim, host: Gov) -> Act:
    suffix, label = AGREEMENT_KINDS[kind]
    iri = f"{ID}agreement/{date.stamp()}-{p.pair}-{suffix}"
    a, b = p.a, p.b
    labels = {}
    for lang in sorted({a.lang, b.lang} & set(AGREEMENT_LOCAL[kind])):
        labels[lang] = AGREEMENT_LOCAL[kind][lang].format(a=a.name.labels.get(lang, a.label_en), b=b.name.labels.get(lang, b.label_en))
    act = Act(iri, kind, date, f"{label} between {a.label_en} and {b.label_en}", labels,
              place=host if rng.random() < 0.6 else None)
    if kind in ("framework-cooperation-agreement", "cooperation-agreement") or rng.random() < 0.3:
        act.fields = sorted(rng.sample(FIELDS, rng.randint(1, 4)), key=FIELDS.index)
    return act


def _event(rng: Random, p: Partnership, k: int, day: dt.date) -> Event:
    host, guest = (p.a, p.b) if rng.random() < 0.5 else (p.b, p.a)
    cls, template, slug = EVENT_KINDS[rng.randrange(len(EVENT_KINDS))]
    date = _claim(rng, day, 0.5, 0.35)
    iri = f"{ID}event/{date.stamp()}-{guest.key}-{slug}-to-{host.key}"
    event = Event(iri, cls, date, template.format(guest=guest.label_en, host=host.label_en), host, guest)
    if cls == "DelegationVisit" and rng.random() < 0.3:
        fcls, ftemplate, fslug = FESTIVALS[rng.randrange(len(FESTIVALS))]
        event.during = Event(f"{ID}event/{date.day.year}-{host.key}-{fslug}", fcls, Claim(day, "year"),
                             ftemplate.format(host=host.label_en, year=day.year), host, host)
    return event


def signatories(rng: Random, plist: list[Partnership]) -> None:
    """Who signed: the mayors in office on the day of each act (and sometimes the council chair); invitations."""
    for p in plist:
        for act in p.agreements:
            if act.date.precision != "day" and rng.random() < 0.5:
                continue
            if rng.random() < 0.2:
                continue
            day = act.date.day
            for gov in (p.a, p.b):
                mayor = holder_on(gov.mayors, day)
                if mayor and _covers(mayor, act.date):
                    act.participants.append((mayor, "role-signed"))
                chair = holder_on(gov.chairs, day)
                if chair and _covers(chair, act.date) and rng.random() < 0.25:
                    act.participants.append((chair, "role-represented"))
        for event in p.events:
            if rng.random() < 0.45:
                mayor = holder_on(event.host.mayors, event.date.day)
                if mayor and _covers(mayor, event.date):
                    event.invited_by = mayor
                    event.participants.append((mayor, "role-invited"))
                guest = holder_on(event.guest.mayors, event.date.day)
                if guest and _covers(guest, event.date) and rng.random() < 0.6:
                    event.participants.append((guest, "role-attended"))


def _covers(tenure: Tenure, claim: Claim) -> bool:
    """The tenure covers the whole period the claim names (so the HeldPost shape holds at any precision)."""
    first = claim.sort_day()
    if claim.precision == "year":
        last = dt.date(first.year, 12, 31)
    elif claim.precision == "month":
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    else:
        last = first
    return tenure.start <= first and (tenure.end is None or last <= tenure.end)


CAUSES = {
    "war-2022": ("Russia's invasion of Ukraine", {"pl": "rosyjska inwazja na Ukrainę", "lt": "Rusijos invazija į Ukrainą",
                                                  "uk": "російське вторгнення в Україну", "de": "Russlands Überfall auf die Ukraine"}),
    "war-2014": ("Russian aggression against Ukraine", {"uk": "російська агресія проти України", "pl": "rosyjska agresja na Ukrainę"}),
    "inactive": ("no joint activity for many years", {"pl": "brak wspólnych działań od wielu lat", "de": "seit Jahren keine gemeinsamen Aktivitäten",
                                                      "lt": "ilgus metus nebuvo bendros veiklos", "uk": "багато років не було спільної діяльності"}),
}
DECISIONS = {"council": ("council resolution", {"pl": "uchwała rady", "de": "Ratsbeschluss", "lt": "tarybos sprendimas", "uk": "рішення ради"}),
             "mayor": ("decision of the mayor", {"pl": "decyzja burmistrza", "de": "Entscheidung des Bürgermeisters",
                                                 "lt": "mero sprendimas", "uk": "рішення міського голови"})}


def status_changes(rng: Random, plist: list[Partnership], today: dt.date) -> None:
    """A few per cent end or pause: Russian and Belarusian partners in 2014 and 2022, expiries, inactivity."""
    for p in plist:
        codes = {p.a.country.code, p.b.country.code}
        start = p.start.sort_day()
        hostile = codes & {"RU", "BY"} and not codes <= {"RU", "BY"}
        if hostile and "UA" in codes and "RU" in codes and start.year < 2014 and rng.random() < 0.7:
            day = dt.date(2014, 3, 1) + dt.timedelta(days=rng.randrange(700))
            _status(rng, p, "terminated", day, "war-2014", side="UA")
        elif hostile and start.year < 2022 and rng.random() < 0.55:
            day = dt.date(2022, 2, 25) + dt.timedelta(days=rng.randrange(90))
            _status(rng, p, "suspended" if rng.random() < 0.45 else "terminated", day, "war-2022", side=None)
        elif p.renewed_by is not None and p.renewed_by.valid_until and p.renewed_by.valid_until < today and rng.random() < 0.6:
            p.status.append(StatusChange("expired", Claim(p.renewed_by.valid_until, "day"), "", ("the renewed agreement's term ended", None, None), None))
        elif rng.random() < 0.012 and start.year < 2015:
            day = dt.date(rng.randint(max(start.year + 5, 2000), 2024), 1, 1) + dt.timedelta(days=rng.randrange(360))
            if day < today:
                _status(rng, p, "terminated" if rng.random() < 0.6 else "suspended", day, "inactive", side=None)


def _status(rng: Random, p: Partnership, status: str, day: dt.date, cause: str, side: str | None) -> None:
    deciders = [g for g in (p.a, p.b) if g.country.code not in ("RU", "BY")] if cause != "inactive" else [p.a, p.b]
    if side:
        deciders = [g for g in (p.a, p.b) if g.country.code == side] or deciders
    gov = deciders[rng.randrange(len(deciders))]
    date = _claim(rng, day, 0.7, 0.25)
    how = "council" if rng.random() < 0.6 else "mayor"
    if how == "council":
        decided_by = gov.council_iri if gov.chairs else gov.iri
    else:
        mayor = holder_on(gov.mayors, day)
        decided_by = f"{ID}person/{mayor.person.slug}" if mayor else gov.iri
    en, local = DECISIONS[how]
    cause_en, cause_local = CAUSES[cause]
    lang = gov.lang if gov.lang in local else None
    p.status.append(StatusChange(status, date, decided_by, (en, lang, local.get(lang) if lang else None),
                                 (cause_en, lang if lang in cause_local else None, cause_local.get(lang))))


def list_claims(rng: Random, plist: list[Partnership]) -> None:
    """Which partnerships the encyclopaedia lists restate (30%), and the year they give (4% of them another one)."""
    for p in plist:
        if rng.random() < 0.3:
            p.list_year = p.start.day.year + (rng.choice((-3, -2, -1, 1, 2)) if rng.random() < 0.04 else 0)


def ordinals(rng: Random, plist: list[Partnership]) -> None:
    """A few sources say "our n-th partner": computed from the graph so the ordinal shape finds no disagreement."""
    for p in plist:
        if rng.random() < 0.04:
            gov = p.a if rng.random() < 0.5 else p.b
            mine = p.effective_start()
            earlier = sum(1 for q in gov.partners if q is not p and q.effective_start() < mine)
            p.ordinal = (gov, earlier + 1)


# =====================================================================================================
# Turtle writing
# =====================================================================================================

PREFIXES = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix mg: <https://w3id.org/munigraph/ontology#> .
@prefix mgv: <https://w3id.org/munigraph/vocab/> .
"""

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def lit(text: str, lang: str | None = None) -> str:
    """A Turtle string literal, escaped, with an optional language tag."""
    escaped = text.translate(_ESCAPES)
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def iri(value: str) -> str:
    return f"<{value}>"


class Turtle:
    """Accumulates Turtle text for one file and counts the triples written."""

    def __init__(self, comment: str):
        self.parts = ["".join(f"# {line}\n" for line in comment.splitlines()), PREFIXES, "\n"]
        self.triples = 0

    def subject(self, subject: str, *pairs: tuple) -> None:
        """pairs: (predicate, object or list of objects); empty lists and None objects are skipped."""
        lines = []
        for predicate, objects in pairs:
            if objects is None:
                continue
            if not isinstance(objects, list):
                objects = [objects]
            if not objects:
                continue
            self.triples += len(objects)
            lines.append(f"    {predicate} {' , '.join(objects)}")
        self.parts.append(f"{subject}\n" + " ;\n".join(lines) + " .\n\n")

    def text(self) -> str:
        return "".join(self.parts)


def labels_of(labels: dict) -> list[str]:
    return [lit(text, lang) for lang, text in labels.items()]


def source_node(t: Turtle, stem: str, title: str, publisher: str, address: str, language: str, issued: dt.date,
                comment: str, retrieved: dt.date | None = None) -> None:
    t.subject(iri(f"{ID}source/{stem}"),
              ("a", "mg:Source"),
              ("mg:address", iri(address)),
              ("mg:addressPrecision", "mgv:page"),
              ("dct:title", lit(title, "en")),
              ("dct:publisher", lit(publisher)),
              ("dct:language", lit(language)),
              ("dct:issued", f'"{issued.isoformat()}"^^xsd:date'),
              ("mg:retrievedOn", f'"{retrieved.isoformat()}"^^xsd:date' if retrieved else None),
              ("dct:license", iri("https://creativecommons.org/licenses/by/4.0/")),
              ("rdfs:comment", lit(comment, "en")))


def _date(day: dt.date) -> str:
    return f'"{day.isoformat()}"^^xsd:date'


# --- gazetteer -----------------------------------------------------------------------------------------------

def write_country_file(stem: str, country: CountrySpec, regions: list[Region], today: dt.date) -> Turtle:
    t = Turtle(f"Synthetic gazetteer of {country.names['en']}: the country and its {country.region_type.lower()}s "
               f"(generated by `munigraph generate`). Loaded into mgg:{stem}.")
    source_node(t, stem, f"Synthetic gazetteer of {country.names['en']}: country and regions", "munigraph generator",
                f"https://gazetteer.example/{country.code.lower()}/", "en", today,
                "Synthetic data for benchmarks: real country names and codes, invented regions.")
    code = country.code.lower()
    t.subject(iri(f"{ID}country/{code}"), ("a", "mg:Country"),
              ("rdfs:label", [lit(name, lang) for lang, name in country.names.items()]),
              ("mg:countryCode", lit(country.code)), ("mg:wikidata", lit(country.qid)))
    for region in regions:
        gov = region.gov
        rtype = country.region_type
        t.subject(iri(gov.place_iri), ("a", "mg:Region"),
                  ("rdfs:label", [lit(f"{gov.label_en} {rtype}", "en")] + [lit(v, k) for k, v in gov.name.labels.items() if k != "en"]),
                  ("mg:country", iri(f"{ID}country/{code}")),
                  ("mg:iso3166-2", lit(gov.code)),
                  ("mg:latitude", f"{gov.lat:.4f}"), ("mg:longitude", f"{gov.lon:.4f}"))
        t.subject(iri(gov.iri), ("a", "mg:RegionalGovernment"),
                  ("rdfs:label", lit(f"{gov.label_en} {rtype} regional government", "en")),
                  ("skos:altLabel", lit(f"{gov.label_en} {rtype}", "en")),
                  ("mg:governs", iri(gov.place_iri)),
                  ("mg:country", iri(f"{ID}country/{code}")))
        t.subject(iri(gov.post_iri("mayor")), ("a", "mg:Post"),
                  ("rdfs:label", lit(f"Head of the {gov.label_en} {rtype} regional government", "en")),
                  ("mg:postIn", iri(gov.iri)))
    return t


def write_gazetteer_file(stem: str, country: CountrySpec, govs: list[Gov], today: dt.date, part: int) -> Turtle:
    t = Turtle(f"Synthetic gazetteer of {country.names['en']}, part {part}: places, local governments, councils and "
               f"posts (generated by `munigraph generate`). Loaded into mgg:{stem}.")
    source_node(t, stem, f"Synthetic gazetteer of {country.names['en']}, part {part}", "munigraph generator",
                f"https://gazetteer.example/{country.code.lower()}/{part:02d}", "en", today,
                "Synthetic data for benchmarks: invented municipalities with plausible names, coordinates and codes.")
    code = country.code.lower()
    country_iri = iri(f"{ID}country/{code}")
    for gov in govs:
        spec = LANGUAGES[gov.lang]
        name = gov.name
        place_labels = dict(name.labels)
        alt = []
        en = gov.label_en
        if fold(en) != en.casefold() and gov.lang != "en" and spec.script == "latn":
            alt.append(lit(fold(en).title(), "en"))
        if gov.country.code == "PL" and gov.notable and gov.kind == "town":
            alt.append(lit(_german_from_polish(name.native), "de"))
        place_class = "mg:Town" if gov.kind == "town" else "mg:District"
        if gov.kind == "district":
            place_labels = {k: (f"{v} District" if k == "en" else v) for k, v in place_labels.items()}
        t.subject(iri(gov.place_iri), ("a", place_class),
                  ("rdfs:label", labels_of(place_labels)),
                  ("skos:altLabel", alt),
                  ("mg:country", country_iri),
                  ("mg:partOf", iri(gov.region.gov.place_iri)),
                  ("mg:teryt", lit(gov.code) if gov.code else None),
                  ("mg:latitude", f"{gov.lat:.4f}"), ("mg:longitude", f"{gov.lon:.4f}"),
                  ("mg:governedBy", iri(gov.iri)))
        local_name = name.native
        g = genitive(local_name, gov.lang)
        template = spec.town if gov.kind == "town" else spec.district
        local = template.format(n=local_name, g=g)
        if gov.lang == "fr":
            local = local.replace("de A", "d'A").replace("de E", "d'E").replace("de I", "d'I").replace("de O", "d'O").replace("de É", "d'É")
        gov_labels = [lit(f"City of {en}" if gov.kind == "town" and gov.population > 20000 else f"Town of {en}" if gov.kind == "town"
                          else f"{en} District Municipality", "en")]
        if gov.lang != "en":
            gov_labels.append(lit(local, gov.lang))
        t.subject(iri(gov.iri), ("a", "mg:LocalGovernment"),
                  ("rdfs:label", gov_labels),
                  ("skos:altLabel", lit(local_name, gov.lang) if gov.lang != "en" else lit(en, "en")),
                  ("mg:governs", iri(gov.place_iri)),
                  ("mg:country", country_iri),
                  ("mg:seat", iri(gov.place_iri) if gov.kind == "town" else None))
        mayor_local = ("wójt gminy {n}" if gov.lang == "pl" and gov.kind == "district" else spec.mayor).format(n=local_name, g=g)
        t.subject(iri(gov.post_iri("mayor")), ("a", "mg:Post"),
                  ("rdfs:label", [lit(f"Mayor of {en}", "en")] + ([lit(mayor_local, gov.lang)] if gov.lang != "en" else [])),
                  ("mg:postIn", iri(gov.iri)))
        if gov.chairs:
            council_local = spec.council.format(n=local_name, g=g)
            t.subject(iri(gov.council_iri), ("a", "mg:Council"),
                      ("rdfs:label", [lit(f"{en} Council", "en")] + ([lit(council_local, gov.lang)] if gov.lang != "en" else [])),
                      ("mg:councilOf", iri(gov.iri)))
            t.subject(iri(gov.post_iri("council-chair")), ("a", "mg:Post"),
                      ("rdfs:label", lit(f"Chair of {en} Council", "en")),
                      ("mg:postIn", iri(gov.council_iri)))
    return t


# --- officials -----------------------------------------------------------------------------------------------

def write_officials_file(stem: str, country: CountrySpec, govs: list[Gov], today: dt.date, part: int) -> Turtle:
    t = Turtle(f"Synthetic register of local office holders of {country.names['en']}, part {part}: mayors and council "
               f"chairs with their terms (generated by `munigraph generate`). Loaded into mgg:{stem}.")
    source_node(t, stem, f"Synthetic register of local office holders of {country.names['en']}, part {part}",
                f"Synthetic electoral commission of {country.names['en']}",
                f"https://elections.example/{country.code.lower()}/office-holders/{part:02d}", "en", today,
                "Synthetic data for benchmarks: invented persons holding the posts of the gazetteer, term by term.")
    for gov in govs:
        for tenure in gov.mayors + gov.chairs:
            person = tenure.person
            if tenure is _first_tenure_of(person, gov):
                labels = person.labels
                native = labels[person.lang]
                t.subject(iri(f"{ID}person/{person.slug}"), ("a", "mg:Person"),
                          ("rdfs:label", lit(native, person.lang)),
                          ("skos:altLabel", [lit(v, k) for k, v in labels.items() if k != person.lang]))
            t.subject(iri(tenure.iri), ("a", "mg:Tenure"),
                      ("mg:holder", iri(f"{ID}person/{person.slug}")),
                      ("mg:post", iri(gov.post_iri(tenure.post))),
                      ("mg:startDate", _date(tenure.start)),
                      ("mg:endDate", _date(tenure.end) if tenure.end else None))
    return t


def _first_tenure_of(person: Person, gov: Gov) -> Tenure:
    for tenure in gov.mayors + gov.chairs:
        if tenure.person is person:
            return tenure
    raise KeyError(person.slug)  # pragma: no cover


# --- twinning registers (partnerships with agreements, events, signatories, status changes) ---------------------

def write_register_file(stem: str, country: CountrySpec, plist: list[Partnership], issued: dt.date, part: int) -> Turtle:
    t = Turtle(f"Synthetic twinning register of the local governments of {country.names['en']}, part {part}: "
               f"partnerships with their agreements, signatories, visits and status changes (generated by "
               f"`munigraph generate`). Loaded into mgg:{stem}.")
    source_node(t, stem, f"Synthetic twinning register of {country.names['en']}, part {part}",
                f"Synthetic association of municipalities of {country.names['en']}",
                f"https://twinning.example/{country.code.lower()}/register/{part:03d}", "en", issued,
                "Synthetic data for benchmarks: partnerships as a national register of twinnings would state them.")
    attested: dict[str, list[str]] = {}
    for p in plist:
        _write_partnership(t, p, attested)
    for tenure_iri in sorted(attested):
        holder, post, dates = attested[tenure_iri]
        t.subject(iri(tenure_iri), ("a", "mg:Tenure"), ("mg:holder", iri(holder)), ("mg:post", iri(post)),
                  ("mg:attestedOn", sorted(set(dates))))
    return t


def _write_partnership(t: Turtle, p: Partnership, attested: dict) -> None:
    a, b = p.a, p.b
    statuses = [f"{p.iri}/status/{s.date.stamp()}-{s.status}" for s in p.status]
    ordinal = f"{p.iri}/ordinal/{p.ordinal[0].key}" if p.ordinal else None
    t.subject(iri(p.iri), ("a", "mg:Partnership"),
              ("rdfs:label", lit(f"{a.label_en} – {b.label_en}", "en")),
              ("mg:partner", [iri(a.iri), iri(b.iri)]),
              ("mg:partnershipKind", f"mgv:{p.kind}" if p.kind != "kind-partner-city" else None),
              ("mg:startDate", p.start.literal()),
              ("mg:establishedBy", iri(p.established_by.iri) if p.established_by else None),
              ("mg:renewedBy", iri(p.renewed_by.iri) if p.renewed_by else None),
              ("mg:agreement", [iri(x.iri) for x in p.agreements if x is not p.established_by and x is not p.renewed_by]),
              ("mg:facilitatedBy", iri(p.via.iri) if p.via else None),
              ("mg:statusChange", [iri(s) for s in statuses]),
              ("mg:ordinalStatement", iri(ordinal) if ordinal else None))
    if p.ordinal:
        t.subject(iri(ordinal), ("a", "mg:OrdinalStatement"),
                  ("mg:ordinal", f'"{p.ordinal[1]}"^^xsd:positiveInteger'), ("mg:ordinalAmong", iri(p.ordinal[0].iri)))
    for act in p.agreements:
        t.subject(iri(act.iri), ("a", "mg:Agreement"),
                  ("rdfs:label", [lit(act.label_en, "en")] + labels_of(act.labels)),
                  ("mg:agreementKind", f"mgv:kind-{act.kind}"),
                  ("mg:party", [iri(a.iri), iri(b.iri)]),
                  ("mg:date", act.date.literal()),
                  ("mg:signedIn", iri(act.place.place_iri) if act.place else None),
                  ("mg:cooperationField", [f"mgv:field-{f}" for f in act.fields]),
                  ("mg:renews", iri(act.renews.iri) if act.renews else None),
                  ("mg:validUntil", _date(act.valid_until) if act.valid_until else None))
        _participants(t, act.iri, act.participants, act.date, attested)
    for event in p.events:
        if event.during is not None:
            d = event.during
            t.subject(iri(d.iri), ("a", f"mg:{d.cls}"), ("rdfs:label", lit(d.label_en, "en")), ("mg:date", d.date.literal()),
                      ("mg:eventPlace", iri(d.host.place_iri)), ("mg:host", iri(d.host.iri)))
        t.subject(iri(event.iri), ("a", f"mg:{event.cls}"),
                  ("rdfs:label", lit(event.label_en, "en")),
                  ("mg:date", event.date.literal()),
                  ("mg:duringEvent", iri(event.during.iri) if event.during else None),
                  ("mg:eventPlace", iri(event.host.place_iri)),
                  ("mg:host", iri(event.host.iri)),
                  ("mg:invitedBy", iri(f"{ID}person/{event.invited_by.person.slug}") if event.invited_by else None),
                  ("mg:attendee", iri(event.guest.iri)),
                  ("mg:historyOf", iri(p.iri)))
        _participants(t, event.iri, event.participants, event.date, attested)
    for s, s_iri in zip(p.status, statuses):
        desc_en, desc_lang, desc_local = s.description
        cause = None
        if s.cause:
            cause = [lit(s.cause[0], "en")] + ([lit(s.cause[2], s.cause[1])] if s.cause[1] else [])
        t.subject(iri(s_iri), ("a", "mg:StatusChange"),
                  ("mg:status", f"mgv:status-{s.status}"),
                  ("mg:date", s.date.literal()),
                  ("mg:decidedBy", iri(s.decided_by) if s.decided_by else None),
                  ("mg:decisionDescription", [lit(desc_en, "en")] + ([lit(desc_local, desc_lang)] if desc_lang else [])),
                  ("mg:cause", cause))


def _participants(t: Turtle, act_iri: str, participants: list, date: Claim, attested: dict) -> None:
    for tenure, role in participants:
        person = f"{ID}person/{tenure.person.slug}"
        post = tenure.gov.post_iri(tenure.post)
        t.subject(iri(f"{act_iri}/participant/{tenure.person.slug}"), ("a", "mg:Participation"),
                  ("mg:inAct", iri(act_iri)), ("mg:participant", iri(person)), ("mg:role", f"mgv:{role}"),
                  ("mg:inCapacityOf", iri(post)), ("mg:onBehalfOf", iri(tenure.gov.iri)))
        if date.precision == "day" and (len(tenure.person.slug) + len(act_iri)) % 3 == 0:  # the register shows a third of them
            attested.setdefault(tenure.iri, (person, post, []))[2].append(date.literal())


# --- encyclopaedia lists (restating partnerships, with a few conflicting years) --------------------------------

def write_list_file(stem: str, country: CountrySpec, plist: list[Partnership], retrieved: dt.date, part: int) -> Turtle:
    t = Turtle(f"Synthetic encyclopaedia list of twin towns in {country.names['en']}, part {part}: partnerships with "
               f"start years, some different from the registers (generated by `munigraph generate`). Loaded into mgg:{stem}.")
    source_node(t, stem, f"List of twin towns and sister cities in {country.names['en']} (synthetic), part {part}",
                "Synthetic encyclopaedia", f"https://encyclopedia.example/wiki/Twin_towns_in_{country.names['en'].replace(' ', '_')}_{part}",
                "en", retrieved, "Synthetic data for benchmarks: a list that restates partnerships with their start years.",
                retrieved=retrieved)
    for p in plist:  # sources that disagree on the year stay separate claims
        t.subject(iri(p.iri), ("a", "mg:Partnership"), ("mg:partner", [iri(p.a.iri), iri(p.b.iri)]),
                  ("mg:startDate", f'"{p.list_year:04d}"^^xsd:gYear'))
    return t


# =====================================================================================================
# Sources: which file states what
# =====================================================================================================

def chunks(items: list, size: int) -> list[list]:
    n = max(1, math.ceil(len(items) / size))
    per = math.ceil(len(items) / n) if items else 0
    return [items[k * per:(k + 1) * per] for k in range(n)] if items else []


def plan_files(rng: Random, countries: list[CountrySpec], regions: list[Region], govs: list[Gov], plist: list[Partnership],
               today: dt.date, size: str):
    """(stem, writer) for every file, in name order: per-country gazetteers, officials, registers and lists."""
    jobs = []
    by_country: dict[str, list[Gov]] = {}
    for gov in govs:
        if gov.kind != "region":
            by_country.setdefault(gov.country.code, []).append(gov)
    regions_of: dict[str, list[Region]] = {}
    for region in regions:
        regions_of.setdefault(region.country.code, []).append(region)
    per_file = max(50, round(GOVS_PER_GAZETTEER_FILE * (1 if size == "L" else 0.5 if size == "M" else 0.3)))
    for country in countries:
        cc = country.code.lower()
        jobs.append((f"gazetteer-{cc}", lambda s, c=country: write_country_file(s, c, regions_of[c.code], today)))
        own = by_country.get(country.code, [])
        regional = [r.gov for r in regions_of[country.code]]
        for part, group in enumerate(chunks(own, per_file), 1):
            jobs.append((f"gazetteer-{cc}-{part:02d}", lambda s, c=country, g=group, k=part: write_gazetteer_file(s, c, g, today, k)))
            # the office holders of the regional governments are listed with the first part of their country
            holders = group + regional if part == 1 else group
            jobs.append((f"officials-{cc}-{part:02d}", lambda s, c=country, g=holders, k=part: write_officials_file(s, c, g, today, k)))
    # each partnership goes to the register of one of its countries (the smaller network side, or at random)
    registers: dict[str, list[Partnership]] = {}
    for p in plist:
        p.register_country = (p.a if rng.random() < 0.5 else p.b).country.code
        registers.setdefault(p.register_country, []).append(p)
    code_to_country = {c.code: c for c in countries}
    per_register = max(20, round(PARTNERSHIPS_PER_REGISTER_FILE * (1 if size == "L" else 0.5 if size == "M" else 0.25)))
    for code in sorted(registers):
        for part, group in enumerate(chunks(registers[code], per_register), 1):
            issued = today - dt.timedelta(days=rng.randrange(400))
            jobs.append((f"twinning-{code.lower()}-{part:03d}",
                         lambda s, c=code_to_country[code], g=group, k=part, d=issued: write_register_file(s, c, g, d, k)))
    lists: dict[str, list[Partnership]] = {}
    for p in plist:
        if p.list_year is not None:
            side = p.a if p.register_country != p.a.country.code else p.b
            lists.setdefault(side.country.code, []).append(p)
    per_list = max(50, round(PARTNERSHIPS_PER_LIST_FILE * (1 if size == "L" else 0.5 if size == "M" else 0.25)))
    for code in sorted(lists):
        for part, group in enumerate(chunks(lists[code], per_list), 1):
            retrieved = today - dt.timedelta(days=rng.randrange(200))
            jobs.append((f"wikilist-{code.lower()}-{part:02d}",
                         lambda s, c=code_to_country[code], g=group, k=part, d=retrieved: write_list_file(s, c, g, d, k)))
    return sorted(jobs, key=lambda job: job[0])


# =====================================================================================================
# Generate
# =====================================================================================================

Progress = Callable[[str, int, int], None]


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise GenerateError(f"{out}: exists and is not a folder; give a new folder or one written by `munigraph generate`")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise GenerateError(f"{out}: exists and was not written by `munigraph generate` (no {MARKER}); refusing to replace it")


def generate(size: str, seed: int, out: Path, progress: Progress | None = None) -> dict:
    """Write the data set of `size` (S, M or L) for `seed` into `out` (replaced only when complete)."""
    started = time.perf_counter()
    size = str(size).upper()
    if size not in SCALE:
        raise GenerateError(f"size {size!r}: expected S, M or L")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise GenerateError(f"seed {seed!r}: expected a non-negative integer")
    out = Path(out)
    _check_out(out)
    progress = progress or (lambda message, done, total: None)
    scale = SCALE[size]
    today = reference_date(seed)

    progress("inventing places and local governments", 0, 0)
    world_rng = Random(f"munigraph-{size}-{seed}-world")
    countries, regions, govs = make_world(world_rng, size)

    progress("drawing the partnership network", 0, 0)
    net_rng = Random(f"munigraph-{size}-{seed}-network")
    n_edges = round(L_PARTNERSHIPS * scale)
    closure = round(n_edges * 0.08)
    degrees = target_degrees(net_rng, govs, n_edges - closure, MAX_DEGREE[size])
    edges = [(a, b, None) for a, b in pair_stubs(net_rng, govs, degrees)]
    edges += triadic_closure(net_rng, govs, [(a, b) for a, b, _ in edges], closure)
    edges += top_up(net_rng, govs, degrees, edges, n_edges)
    plist = partnerships(net_rng, govs, edges, today)
    for gov in govs:
        gov.notable = len(gov.partners) >= 3 or (gov.kind == "town" and gov.population > 40000)
    add_exonyms(govs)

    progress("acts, officials and events", 0, 0)
    act_rng = Random(f"munigraph-{size}-{seed}-acts")
    agreements_and_events(act_rng, plist, today, round(L_EVENTS * scale))
    first_year: dict[int, int] = {}
    for p in plist:
        years = [x.date.day.year for x in p.agreements] + [e.date.day.year for e in p.events] + [p.start.day.year]
        for gov in (p.a, p.b):
            first_year[gov.index] = min(first_year.get(gov.index, 9999), min(years))
    people_rng = Random(f"munigraph-{size}-{seed}-people")
    persons = officials(people_rng, govs, Namer(people_rng), first_year, today, round(L_OFFICIALS * scale))
    signatories(act_rng, plist)
    status_changes(act_rng, plist, today)
    list_claims(act_rng, plist)
    ordinals(act_rng, plist)

    file_rng = Random(f"munigraph-{size}-{seed}-files")
    jobs = plan_files(file_rng, countries, regions, govs, plist, today, size)

    tmp = out.parent / f".{out.name}.generating-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    triples = 0
    biggest = (0, "")
    try:
        for k, (stem, job) in enumerate(jobs, 1):
            progress(f"writing {stem}.ttl", k, len(jobs))
            turtle = job(stem)
            (tmp / f"{stem}.ttl").write_text(turtle.text(), encoding="utf-8")
            triples += turtle.triples
            biggest = max(biggest, (turtle.triples, stem))
        summary = {
            "size": size, "seed": seed, "out": str(out), "files": len(jobs),
            "countries": len(countries),
            "local_governments": len(govs),
            "partnerships": len(plist),
            "agreements": sum(len(p.agreements) for p in plist),
            "officials": len(persons),
            "tenures": sum(len(g.mayors) + len(g.chairs) for g in govs),
            "events": sum(len(p.events) + sum(1 for e in p.events if e.during) for p in plist),
            "status_changes": sum(len(p.status) for p in plist),
            "estimated_triples": triples,
            "largest_file": {"file": f"{biggest[1]}.ttl", "triples": biggest[0]},
        }
        marker = {k: v for k, v in summary.items() if k != "out"}
        (tmp / MARKER).write_text(json.dumps({"generator": "munigraph generate", **marker}, indent=2, sort_keys=True) + "\n",
                                  encoding="utf-8")
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    summary["seconds"] = round(time.perf_counter() - started, 2)
    progress("done", len(jobs), len(jobs))
    return summary


def _swap_in(tmp: Path, out: Path) -> None:
    """Replace `out` by the complete folder `tmp` (the earlier `out` stays until the new one is in place)."""
    _check_out(out)
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def summary_text(summary: dict) -> str:
    return "\n".join([
        f"generated size {summary['size']} (seed {summary['seed']}) into {summary['out']}: {summary['files']} files, "
        f"about {summary['estimated_triples']:,} triples, in {summary['seconds']:.1f} s",
        f"  {summary['local_governments']:,} local governments in {summary['countries']} countries, "
        f"{summary['partnerships']:,} partnerships, {summary['agreements']:,} agreements, "
        f"{summary['events']:,} events, {summary['status_changes']:,} status changes",
        f"  {summary['officials']:,} officials holding {summary['tenures']:,} tenures",
        f"  build it with: munigraph build --data {summary['out']}",
    ])
