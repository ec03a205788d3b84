"""The SMS grammar, pure: what an observer types is read as they meant, or refused exactly."""

from hypothesis import given
from hypothesis import strategies as st

from sms import parsing

stations = st.from_regex(r"\A[1-9][0-9]{0,5}\Z")
line_numbers = st.one_of(st.integers(1, 20).map(str), st.tuples(st.integers(1, 20), st.integers(1, 30)).map(
    lambda pair: f"{pair[0]}.{pair[1]}"))
figures = st.dictionaries(line_numbers, st.integers(0, 10_000_000), min_size=1, max_size=15)
spaces = st.sampled_from([" ", "  ", " \t", "\n", " , ", "; "])


@given(station=st.one_of(st.none(), stations), values=figures, gap=spaces, colon=st.sampled_from([None, ":", "="]),
       letter=st.sampled_from(["P", "p", "Р", "р"]))
def test_a_protocol_is_read_back_exactly_whatever_the_spacing_and_letter(station, values, gap, colon, letter):
    pairs = [f"{number}{colon}{value}" if colon else f"{number}{gap}{value}" for number, value in values.items()]
    text = gap.join([letter, *([station] if station else []), *pairs])
    parsed = parsing.parse(text)
    assert parsed.error is None, parsed.as_data()
    assert parsed.command == parsing.Protocol(station=station, figures=tuple(values.items()))


@given(station=st.one_of(st.none(), stations), keyword=st.sampled_from(["IN", "in", "In", "ІN", "іn"]), gap=spaces)
def test_a_check_in_is_read_with_or_without_its_station(station, keyword, gap):
    text = f"{gap}{keyword}{gap}{station or ''}{gap}"
    assert parsing.parse(text).command == parsing.CheckIn(station=station)


@given(station=st.one_of(st.none(), stations), category=st.integers(1, 99),
       description=st.text(min_size=1, max_size=200).filter(lambda text: text.strip() and text.strip()[0] not in
                                                           "0123456789,;" and not text.strip()[0].isspace()),
       letter=st.sampled_from(["I", "i", "І", "і"]))
def test_an_incident_keeps_its_description_as_typed(station, category, description, letter):
    text = " ".join([letter, *([station] if station else []), str(category), description])
    command = parsing.parse(text).command
    assert command == parsing.Incident(station=station, category=category, text=description.strip())


@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_with_a_code_never_an_exception(text):
    parsed = parsing.parse(text)
    assert (parsed.command is None) != (parsed.error is None)
    data = parsed.as_data()
    assert isinstance(data, dict) and ("error" in data or "kind" in data)


def test_mistakes_are_named_with_the_offending_token():
    assert parsing.parse("P 101 1 15O2").as_data() == {"error": "bad_figure", "line": "1", "figure": "15O2"}
    assert parsing.parse("P 101 1:1500 2 1200").as_data() == {"error": "bad_pair", "token": "2"}
    assert parsing.parse("P 101 1 1500 1 1200").as_data() == {"error": "duplicate_line", "line": "1"}
    assert parsing.parse("ИН 101").as_data() == {"error": "unknown_command", "word": "ИН"}
    assert parsing.parse("I 101 3").as_data() == {"error": "no_incident_text"}
    assert parsing.parse("").as_data() == {"error": "empty"}
    assert parsing.parse(" ,; ").as_data() == {"error": "empty"}


def test_parts_are_joined_in_their_order():
    second, first = parsing.split_part_marker("2/2 8.1 500 8.2 300"), parsing.split_part_marker("1/2 P 101 1 1500")
    assert (first.number, first.total) == (1, 2)
    joined = parsing.join_parts([second, first])
    assert parsing.parse(joined).command == parsing.Protocol(
        station="101", figures=(("1", 1500), ("8.1", 500), ("8.2", 300)))
    assert parsing.split_part_marker("P 101 1 1500") is None
    assert parsing.split_part_marker("3/2 P") is None


yes_words = st.sampled_from(["Y", "y", "yes", "Д", "д", "да", "И", "и", "иә", "ИӘ"])
no_words = st.sampled_from(["N", "n", "no", "Н", "н", "нет", "Ж", "жоқ"])
answers = st.dictionaries(st.integers(1, 200), st.one_of(
    yes_words.map(lambda word: (word, "yes")), no_words.map(lambda word: (word, "no")),
    st.integers(0, 10_000_000).map(lambda n: (str(n), n)),
    st.lists(st.integers(1, 30), min_size=2, max_size=5, unique=True).map(
        lambda items: ("+".join(map(str, items)), tuple(items))),
    st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda t: (f"{t[0]}:{t[1]:02d}", f"{t[0]:02d}:{t[1]:02d}"))),
    min_size=1, max_size=20)
forms = st.one_of(st.integers(1, 30).map(str), st.from_regex(r"\A[a-z][a-z0-9_-]{0,20}\Z"))


@given(station=st.one_of(st.none(), stations), form=forms, values=answers, gap=spaces,
       colon=st.sampled_from([":", "="]), letter=st.sampled_from(["C", "c", "С", "с"]),
       upper=st.booleans())
def test_checklist_answers_are_read_back_exactly_whatever_the_letters_and_spacing(station, form, values, gap,
                                                                                  colon, letter, upper):
    pairs = [f"{number}{colon}{typed}" for number, (typed, _meant) in values.items()]
    text = gap.join([letter, *([station] if station else []), form.upper() if upper else form, *pairs])
    parsed = parsing.parse(text)
    assert parsed.error is None, parsed.as_data()
    assert parsed.command == parsing.Checklist(station=station, form=form, answers=tuple(
        (number, meant) for number, (_typed, meant) in values.items()))


def test_checklist_mistakes_are_named_with_the_offending_token():
    assert parsing.parse("C 101 counting 1:Y 2:maybe").as_data() == {"error": "bad_answer", "question": 2,
                                                                     "answer": "maybe"}
    assert parsing.parse("C 2 1:Y 1:N").as_data() == {"error": "duplicate_question", "question": 1}
    assert parsing.parse("C 101 2 3 1:Y").as_data() == {"error": "bad_answer_pair", "token": "3"}
    assert parsing.parse("C 2 1:Y 2 N").as_data() == {"error": "bad_answer_pair", "token": "2"}
    assert parsing.parse("C 1:Y").as_data() == {"error": "no_form"}
    assert parsing.parse("C counting").as_data() == {"error": "no_answers"}
    assert parsing.parse("C 2 0:Y").as_data() == {"error": "bad_question", "question": 0}
