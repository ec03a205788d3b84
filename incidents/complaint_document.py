"""The complaint document, in Kazakh or Russian, as plain text blocks and as a PDF. No Django.

The document's language is chosen by the coordinator for the commission it is addressed to (the
form offers the interface language first), so its wording lives here as two fixed texts rather
than in gettext. The observer's own words (what happened, the witnesses) are quoted as written:
when they are in another language than the document, the document says so, part by part.
"""

from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"


@dataclass
class EvidenceItem:
    """One attached file, as the complaint lists it."""

    name: str
    sha256: str  # the full 64 hex digits: what a commission or court re-computes
    kind: str = "photo"  # "photo" or "video"
    captured_at: str = ""  # as the device recorded it, already formatted; empty when unknown


@dataclass
class ComplaintFacts:
    language: str  # "kk" or "ru"
    addressed_to: str
    organisation: str
    observer_name: str
    station_code: str
    station_address: str
    commission_name: str
    occurred_at: str
    category: str
    description: str
    witnesses: str = ""
    evidence: list = field(default_factory=list)  # [EvidenceItem]
    incident_number: int = 0
    date: str = ""
    description_language: str = ""  # the language the observer wrote in ("kk", "ru", "en"); "" unknown
    witnesses_language: str = ""


# Letters Kazakh writes and Russian does not: a Cyrillic text with one of them is Kazakh.
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def text_language(text: str) -> str:
    """The language a text is written in, as far as its letters tell: "kk" (Cyrillic with Kazakh
    letters), "ru" (other Cyrillic), "en" (Latin letters only), "" (no letters)."""
    cyrillic = latin = 0
    for character in text or "":
        if character in KAZAKH_LETTERS:
            return "kk"
        if "\u0400" <= character <= "\u04ff":
            cyrillic += 1
        elif character.isascii() and character.isalpha():
            latin += 1
    if cyrillic:
        return "ru"
    return "en" if latin else ""


# A precinct commission's name, in the nominative like any stored commission name, so that the
# document's "Кому:" / "Кімге:" line reads right at both levels (a territorial commission's name is
# used as stored: it cannot be declined reliably, and "В" or a dative ending would need it).
PRECINCT_COMMISSION = {
    "ru": "Участковая избирательная комиссия избирательного участка № {code}",
    "kk": "№ {code} сайлау учаскесінің учаскелік сайлау комиссиясы",
}


def addressee(language: str, level: str, *, station_code: str, commission_name: str) -> str:
    """Who the complaint is addressed to: the station's precinct commission, or ("territorial")
    the territorial commission above it, by its name as stored."""
    if level == "precinct":
        return PRECINCT_COMMISSION[language].format(code=station_code)
    return " ".join(commission_name.split())


WORDING = {
    "ru": {
        "to": "Кому: {addressed_to}",
        "from": "От кого: наблюдатель {observer_name} ({organisation})",
        "title": "ЖАЛОБА",
        "intro": ("{occurred_at} на избирательном участке № {station_code} ({station_address}; "
                  "территориальная комиссия: {commission_name}) наблюдатель {observer_name} "
                  "зафиксировал(а) нарушение: {category}."),
        "facts": "Обстоятельства",
        "witnesses": "Свидетели",
        "evidence": "Приложения (файлы и их SHA-256)",
        "kinds": {"photo": "фотография", "video": "видеозапись"},
        "captured": "снято {captured_at}",
        "request": ("Прошу рассмотреть настоящую жалобу, провести проверку изложенных фактов, принять меры "
                    "к устранению нарушения и дать письменный ответ в установленный законом срок."),
        "reference": "Номер обращения в реестре наблюдателей: {incident_number}",
        "signature": "Дата: {date}        Подпись: ____________________",
        "quoted": "{part} ({language}, как записал наблюдатель)",
        "languages_note": "Жалоба составлена на русском языке; {parts} приводятся так, как их записал наблюдатель.",
        "in_language": {"kk": "на казахском языке", "ru": "на русском языке", "en": "на английском языке"},
    },
    "kk": {
        "to": "Кімге: {addressed_to}",
        "from": "Кімнен: байқаушы {observer_name} ({organisation})",
        "title": "ШАҒЫМ",
        "intro": ("{occurred_at} № {station_code} сайлау учаскесінде ({station_address}; "
                  "аумақтық комиссия: {commission_name}) байқаушы {observer_name} "
                  "бұзушылықты тіркеді: {category}."),
        "facts": "Мән-жайлар",
        "witnesses": "Куәгерлер",
        "evidence": "Қосымшалар (файлдар және олардың SHA-256)",
        "kinds": {"photo": "фотосурет", "video": "бейнежазба"},
        "captured": "түсірілген уақыты {captured_at}",
        "request": ("Осы шағымды қарауды, баяндалған фактілерді тексеруді, бұзушылықты жою шараларын "
                    "қабылдауды және заңда белгіленген мерзімде жазбаша жауап беруді сұраймын."),
        "reference": "Байқаушылар тізіліміндегі өтініш нөмірі: {incident_number}",
        "signature": "Күні: {date}        Қолы: ____________________",
        "quoted": "{part} ({language}, байқаушы жазғандай)",
        "languages_note": "Шағым қазақ тілінде жазылды; {parts} байқаушы жазғандай келтіріледі.",
        "in_language": {"kk": "қазақ тілінде", "ru": "орыс тілінде", "en": "ағылшын тілінде"},
    },
}


def _other_language(facts, part_language):
    """The observer's part's language when it is not the document's (else "")."""
    return part_language if part_language and part_language != facts.language else ""


def language_blocks(facts: ComplaintFacts):
    """The document as (kind, text, language) blocks: the one source of both the HTML and the PDF.
    `language` is "" for the document's own language, else the language of the observer's words
    that block quotes (the page marks it with `lang`)."""
    words = WORDING[facts.language]
    values = facts.__dict__
    description = _other_language(facts, facts.description_language or text_language(facts.description))
    witnesses = _other_language(facts, facts.witnesses_language or text_language(facts.witnesses)) \
        if facts.witnesses else ""

    def heading(part, language):
        if not language:
            return ("heading", words[part], "")
        return ("heading", words["quoted"].format(part=words[part],
                                                  language=words["in_language"].get(language, language)), "")

    result = [
        ("right", words["to"].format(**values), ""),
        ("right", words["from"].format(**values), ""),
        ("title", words["title"], ""),
    ]
    quoted = [words[part].lower() for part, language in (("facts", description), ("witnesses", witnesses)) if language]
    if quoted:
        result.append(("small", words["languages_note"].format(parts=", ".join(quoted)), ""))
    result += [
        ("text", words["intro"].format(**values), ""),
        heading("facts", description),
        ("text", facts.description, description),
    ]
    if facts.witnesses:
        result += [heading("witnesses", witnesses), ("text", facts.witnesses, witnesses)]
    result = [*result, *_closing_blocks(facts, words, values)]
    return result


def blocks(facts: ComplaintFacts):
    """The document as (kind, text) blocks."""
    return [(kind, text) for kind, text, _language in language_blocks(facts)]


def _closing_blocks(facts, words, values):
    result = []
    if facts.evidence:
        result.append(("heading", words["evidence"]))
        for number, item in enumerate(facts.evidence, start=1):
            details = [words["kinds"].get(item.kind, item.kind)]
            if item.captured_at:
                details.append(words["captured"].format(captured_at=item.captured_at))
            result += [("item", f"{number}. {item.name} ({', '.join(details)})"), ("hash", f"SHA-256: {item.sha256}")]
    result += [
        ("text", words["request"]),
        ("small", words["reference"].format(**values)),
        ("text", words["signature"].format(**values)),
    ]
    return [(kind, text, "") for kind, text in result]


def render_pdf(facts: ComplaintFacts) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(WORDING[facts.language]["title"])
    pdf.add_page()
    for kind, text in blocks(facts):
        if kind == "right":
            pdf.set_font("DejaVu", "", 11)
            pdf.multi_cell(0, 6, text, align="R", new_x="LMARGIN", new_y="NEXT")
        elif kind == "title":
            pdf.ln(8)
            pdf.set_font("DejaVu", "B", 14)
            pdf.cell(0, 10, text, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif kind == "heading":
            pdf.ln(2)
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        elif kind == "hash":
            pdf.set_font("DejaVu", "", 8)
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "small":
            pdf.set_font("DejaVu", "", 9)
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("DejaVu", "", 11)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    return bytes(pdf.output())
