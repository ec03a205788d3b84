"""Column mappings shipped with the project: one per source of official results."""

from .models import ResultSource

RU_2018_LINES = [
    "Число избирателей, включенных в список избирателей",
    "Число избирательных бюллетеней, полученных участковой избирательной комиссией",
    "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
    "Число погашенных избирательных бюллетеней",
    "Число избирательных бюллетеней в переносных ящиках для голосования",
    "Число бюллетеней в стационарных ящиках для голосования",
    "Число недействительных избирательных бюллетеней",
    "Число действительных избирательных бюллетеней",
    "Число утраченных избирательных бюллетеней",
    "Число избирательных бюллетеней, не учтенных при получении",
]
# The 2018 ballot listed the candidates alphabetically, as the file's columns do.
RU_2018_CANDIDATES = [
    "Бабурин Сергей Николаевич",
    "Грудинин Павел Николаевич",
    "Жириновский Владимир Вольфович",
    "Путин Владимир Владимирович",
    "Собчак Ксения Анатольевна",
    "Сурайкин Максим Александрович",
    "Титов Борис Юрьевич",
    "Явлинский Григорий Алексеевич",
]

SHIPPED_SOURCES = [
    {
        "code": "ru-cik-2018-presidential",
        "name": "CEC of Russia, 2018 presidential election, per station (Shpilkin/Kobak format)",
        "format": "csv",
        "region_column": "region",
        "commission_column": "tik",
        "station_column": "uik",
        "line_columns": {
            **{column: f"L{number}" for number, column in enumerate(RU_2018_LINES, start=1)},
            **{column: f"L13.{number}" for number, column in enumerate(RU_2018_CANDIDATES, start=1)},
        },
    },
]


def install_shipped_sources():
    """Create the shipped sources that are missing; an administrator's edits are kept."""
    for data in SHIPPED_SOURCES:
        ResultSource.objects.get_or_create(code=data["code"], defaults=data)
