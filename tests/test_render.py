"""The HTML view (`newsie.render`, `Document.to_html`, `newsie render`): spans as properly nested
elements at their offsets with their labels, CASUALTY counts and statuses, relations linked, the
article's text escaped and unchanged, self-contained; and in a real browser (headless Chromium)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from conftest import ARTICLES, make_document
from hypothesis import given, settings
from hypothesis import strategies as st

from newsie.cli import main
from newsie.data import Document, Relation, Span
from newsie.render import casualty_words, render_fragment, render_page

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed; scripts/setup.sh installs it when run as root "
    "(or: apt-get install chromium)",
)

HOSTILE = (
    '<script>alert(1)</script> Rebels <img src=x onerror="alert(2)"> shelled '
    "<b>Homs</b> &amp; &lt;Idlib&gt; </mark></div><!-- killing 3 people --> ' said \"Omar\"."
)
# Elements a page may hold: no script, no image, nothing that fetches.
PAGE_ELEMENTS = {"html", "head", "meta", "title", "style", "body", "div", "article", "h2", "h3",
                 "aside", "mark", "span", "a", "p", "table", "tr", "th", "td", "ul", "li", "dl",
                 "dt", "dd", "tbody"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def text(self, skip_class: str | None = None) -> str:
        return "".join(
            child if isinstance(child, str)
            else "" if skip_class in child.classes else child.text(skip_class)
            for child in self.children
        )

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class StrictTree(HTMLParser):
    """The element tree of a page; an end tag that does not close the innermost open element
    fails the test (the page's elements must nest properly)."""

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#root", {})
        self.feed(page)
        self.close()
        assert self.current is self.root, f"<{self.current.tag}> is never closed"

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_endtag(self, tag):
        assert tag == self.current.tag, f"</{tag}> closes <{self.current.tag}>"
        self.current = self.current.parent

    def handle_data(self, data):
        self.current.children.append(data)


def articles(page: str) -> list[Element]:
    return [e for e in StrictTree(page).root.iter() if "newsie-text" in e.classes]


def span_anchors(doc: Document, prefix: str) -> list[tuple[str, Span]]:
    """Each span's anchor on the page: the prefix and the span's id in the JSON form."""
    ids = [s["id"] for s in doc.to_dict()["spans"]]
    return [(prefix + span_id, span) for span_id, (_, span) in
            zip(ids, doc.identified_spans(), strict=True)]


def shown_spans(article: Element) -> dict[str, Element]:
    """Each span's first piece on the page, by its anchor."""
    return {e.attrs["id"]: e for e in article.iter() if "newsie-span" in e.classes
            and "id" in e.attrs}


def label_of(anchor: str, article: Element) -> str:
    """The label after the text of the span at `anchor`: one, in the span's last piece."""
    [tag] = [child for e in article.iter() if e.attrs.get("data-span") == anchor
             for child in e.children
             if isinstance(child, Element) and "newsie-tag" in child.classes]
    return " ".join(tag.text().split())


def assert_shows_document(article: Element, doc: Document, prefix: str) -> None:
    """The article's text unchanged, and every span an element with its label."""
    assert article.text(skip_class="newsie-tag") == doc.text.replace("\r\n", "\n")
    shown = shown_spans(article)
    anchors = span_anchors(doc, prefix)
    assert sorted(shown) == sorted(anchor for anchor, _ in anchors)
    for anchor, span in anchors:
        assert shown[anchor].attrs["data-label"] == span.label
        assert label_of(anchor, article).split()[0] == span.label


def nested_document() -> Document:
    markup = ('"[We met [Amina Bello]{a1:ACTOR} in [Lagos]{l1:LOCATION},]{q1:QUOTE}" said '
              "[police]{a2:ACTOR}, after [two guards]{c1:CASUALTY count=2 qualifier=exact "
              "status=injured} were hurt in [Kano]{l2:LOCATION}.")
    return make_document(markup, ["SPEAKER q1 a2", "PLACE c1 l2"], "nested")


def test_an_actor_inside_a_quote_is_an_element_inside_the_quote():
    doc = nested_document()
    [article] = articles(doc.to_html())
    shown = shown_spans(article)
    assert shown["d0-q1"] in shown["d0-a1"].ancestors()
    assert shown["d0-q1"] in shown["d0-l1"].ancestors()
    assert shown["d0-a1"].text(skip_class="newsie-tag") == "Amina Bello"
    assert shown["d0-q1"].text(skip_class="newsie-tag") == "We met Amina Bello in Lagos,"
    assert_shows_document(article, doc, "d0-")


def test_casualty_label_gives_count_and_status_and_relations_link_to_their_tails():
    doc = make_document(*ARTICLES[0], "shelling")
    [article] = articles(doc.to_html())
    assert label_of("d0-c1", article) == "CASUALTY at least 12 killed in Homs by Rebels"
    links = {a.text(): a.attrs["href"] for a in article.iter() if a.tag == "a"}
    assert links == {"in Homs": "#d0-l1", "by Rebels": "#d0-a1"}
    quote_doc = nested_document()
    [article] = articles(quote_doc.to_html())
    assert label_of("d0-q1", article) == "QUOTE said by police"
    assert label_of("d0-c1", article) == "CASUALTY 2 injured in Kano"


def test_side_panel_lists_casualty_mentions_and_quotes_with_their_relations():
    page = nested_document().to_html()
    tree = StrictTree(page).root
    [aside] = [e for e in tree.iter() if e.tag == "aside"]
    rows = [[cell.text() for cell in row.iter() if cell.tag == "td"]
            for row in aside.iter() if row.tag == "tr"]
    assert rows == [[], ["two guards", "2", "injured", "Kano", "—"]]
    [quote] = [li for li in aside.iter() if li.tag == "li"]
    assert quote.text() == "“We met Amina Bello in Lagos,” — police"
    chips = [e.text() for e in aside.iter() if "newsie-chip" in e.classes]
    assert chips == ["ACTOR 2", "CASUALTY 1", "LOCATION 2", "QUOTE 1"]
    assert "Totals" not in page  # no de-duplicated counts yet; a sum of mentions is not shown


@pytest.mark.parametrize("attrs, words", [
    ({"count": 12, "qualifier": "exact", "status": "killed"}, "12 killed"),
    ({"count": 12, "qualifier": "at_least", "status": "killed"}, "at least 12 killed"),
    ({"count": 40, "qualifier": "approximately", "status": "injured"}, "about 40 injured"),
    ({"count": 5, "qualifier": "at_most", "status": "injured"}, "at most 5 injured"),
    ({"count": None, "qualifier": "exact", "status": "killed"}, "? killed"),
    ({"count": 3, "qualifier": "exact", "status": "unknown"}, "3, status unknown"),
])
def test_casualty_words(attrs, words):
    assert casualty_words(attrs) == words


def section_after(aside: Element, heading: str) -> Element:
    """The element that follows the side panel's heading `heading`."""
    children = [c for c in aside.children if isinstance(c, Element)]
    [at] = [i for i, c in enumerate(children) if c.tag == "h3" and c.text() == heading]
    return children[at + 1]


def test_document_summaries_are_shown_when_the_document_has_them():
    doc = nested_document()
    doc.doc_counts = {"killed": 0, "injured": 2}  # what issue 15's Document will carry
    doc.actors = [doc.spans_of("ACTOR")]
    tree = StrictTree(doc.to_html()).root
    [aside] = [e for e in tree.iter() if e.tag == "aside"]
    headings = [e.text() for e in aside.iter() if e.tag == "h3"]
    assert headings == ["Casualty mentions", "Quotes", "Totals", "Actors"]
    totals = section_after(aside, "Totals")
    assert [(e.tag, e.text()) for e in totals.iter()][1:] == [
        ("dt", "killed"), ("dd", "0"), ("dt", "injured"), ("dd", "2")]
    actors = section_after(aside, "Actors")
    assert [(a.text(), a.attrs["href"]) for a in actors.iter() if a.tag == "a"] == [
        ("Amina Bello", "#d0-a1"), ("police", "#d0-a2")]


def hostile_document() -> Document:
    def at(fragment: str, label: str, **attrs) -> Span:
        start = HOSTILE.index(fragment)
        return Span(label, start, start + len(fragment), fragment, attrs=attrs)

    actor, place = at('<img src=x onerror="alert(2)">', "ACTOR"), at("<b>Homs</b>", "LOCATION")
    casualty = at("3 people", "CASUALTY", count=3, qualifier="exact", status="killed")
    quote = at("<script>alert(1)</script> Rebels", "QUOTE")
    return Document(
        HOSTILE, [quote, actor, place, casualty, at("</mark></div>", "ACTOR")],
        [Relation("SPEAKER", quote, actor), Relation("PLACE", casualty, place)],
        id="<i>id</i>",
    )


def assert_self_contained_and_inert(tree: Element) -> None:
    elements = list(tree.iter())[1:]
    assert {e.tag for e in elements} <= PAGE_ELEMENTS
    assert not [(e.tag, name) for e in elements for name in e.attrs
                if name.startswith("on") or name == "src"]
    assert all(e.attrs["href"].startswith("#") for e in elements if "href" in e.attrs)


def test_markup_in_the_text_is_escaped_and_shown_as_text():
    doc = hostile_document()
    page = doc.to_html()
    tree = StrictTree(page).root
    assert_self_contained_and_inert(tree)
    [article] = articles(page)
    assert_shows_document(article, doc, "d0-")
    [heading] = [e for e in tree.iter() if e.tag == "h2"]
    assert heading.text() == "<i>id</i>"
    for fragment in ("<script>", "<img", "<b>", "</mark></div>", "<!--"):
        assert fragment not in page


def test_a_label_of_another_schema_is_escaped_and_coloured():
    text = "Rebels shelled Homs."
    doc = Document(text, [Span('<b class="x">ODD</b>', 0, 6, "Rebels")])
    page = render_page([doc])
    assert '<b class="x">' not in page
    [article] = articles(page)
    assert label_of("d0-s0", article) == '<b class="x">ODD</b>'
    [chip] = [e for e in StrictTree(page).root.iter() if e.text().startswith('<b class="x">')
              and "newsie-chip" in e.classes]
    assert chip.attrs["style"].startswith("--newsie-colour: #")


LABELS = ("ACTOR", "CASUALTY", "LOCATION", "QUOTE", "OTHER")


@st.composite
def documents(draw) -> Document:
    """Any text (markup characters, newlines, astral characters) with any spans, crossing and
    nested, empty ones included, and relations between any of them."""
    text = draw(st.text(st.sampled_from(list("ab <>&\"';\n\r\té👍")), max_size=30))
    bounds = st.tuples(st.integers(0, len(text)), st.integers(0, len(text))).map(sorted)
    spans = [Span(label, start, end, text[start:end])
             for label, (start, end) in draw(st.lists(st.tuples(st.sampled_from(LABELS), bounds),
                                                      max_size=8))]
    relations = []
    if spans:
        pairs = st.tuples(st.sampled_from(spans), st.sampled_from(spans))
        relations = [Relation("PLACE", head, tail)
                     for head, tail in draw(st.lists(pairs, max_size=4))]
    return Document(text, spans, relations, id=draw(st.none() | st.text(max_size=5)))


def coverage(element: Element, active: frozenset[str], out: list[frozenset[str]]) -> None:
    """For each character of the article, the spans whose elements hold it."""
    for child in element.children:
        if isinstance(child, str):
            out.extend([active] * len(child))
        elif "newsie-tag" not in child.classes:
            span = child.attrs.get("data-span")
            coverage(child, active | {span} if span else active, out)


@settings(max_examples=200, deadline=None)
@given(documents())
def test_any_spans_nest_properly_and_cover_exactly_their_characters(doc):
    page = render_fragment(doc, prefix="p-")
    [article] = articles(page)  # StrictTree: every element closes inside its parent
    assert article.text(skip_class="newsie-tag") == doc.text
    covered: list[frozenset[str]] = []
    coverage(article, frozenset(), covered)
    anchors = span_anchors(doc, "p-")
    expected = [frozenset(a for a, s in anchors if s.start <= i < s.end)
                for i in range(len(doc.text))]
    assert covered == expected
    shown = shown_spans(article)
    assert sorted(shown) == sorted(a for a, _ in anchors)
    for anchor, span in anchors:
        assert label_of(anchor, article).split()[0] == span.label
    # Only a span that crosses another is cut into pieces; one inside another is one element.
    pieces = Counter(e.attrs.get("data-span") for e in article.iter() if e.tag == "mark")
    for anchor, span in anchors:
        if not any(crosses(span, other) for _, other in anchors):
            assert pieces[anchor] == 1, (anchor, span)


def crosses(span: Span, other: Span) -> bool:
    return (span.start < other.start < span.end < other.end
            or other.start < span.start < other.end < span.end)


def test_repr_html_is_a_fragment_whose_links_stay_inside_it():
    first, second = nested_document(), make_document(*ARTICLES[0], "shelling")
    fragments = [first._repr_html_(), second._repr_html_()]
    assert all(f.startswith('<div class="newsie"><style>') and "<html" not in f
               for f in fragments)
    prefixes = set()
    for fragment in fragments:
        tree = StrictTree(fragment).root
        ids = {e.attrs["id"] for e in tree.iter() if "id" in e.attrs}
        hrefs = {e.attrs["href"][1:] for e in tree.iter() if "href" in e.attrs}
        assert hrefs and hrefs <= ids
        prefixes.add(next(iter(hrefs)).split("-")[0])
    assert len(prefixes) == 2  # two documents in one notebook do not share anchors


def test_to_html_is_the_page_of_the_document():
    doc = nested_document()
    assert doc.to_html() == render_page([doc], title="nested")
    assert doc.to_html().startswith("<!DOCTYPE html>")


def dumped_dom(page: str, tmp_path) -> str:
    """The DOM of `page` after headless Chromium has loaded and laid it out."""
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=180, check=True,
    )
    return result.stdout


@needs_chromium
def test_chromium_shows_every_span_with_its_label(tmp_path):
    docs = [nested_document(), hostile_document(),
            *(make_document(m, r, f"doc-{i}") for i, (m, r) in enumerate(ARTICLES))]
    dom = dumped_dom(render_page(docs), tmp_path)
    tree = StrictTree(dom).root
    assert_self_contained_and_inert(tree)
    shown = articles(dom)
    assert len(shown) == len(docs)
    for i, (article, doc) in enumerate(zip(shown, docs, strict=True)):
        assert_shows_document(article, doc, f"d{i}-")
    nested = shown_spans(shown[0])
    assert nested["d0-q1"] in nested["d0-a1"].ancestors()
    assert label_of("d0-c1", shown[0]) == "CASUALTY 2 injured in Kano"
    assert label_of("d2-c1", shown[2]) == "CASUALTY at least 12 killed in Homs by Rebels"


@pytest.fixture(scope="module")
def tiny_extractor(tiny_model_dir):
    from newsie.extractor import Extractor

    return Extractor.from_pretrained(tiny_model_dir, device="cpu")


def test_render_command_writes_one_page_of_all_its_inputs(tmp_path, tiny_model_dir,
                                                          tiny_extractor, capsys):
    story, news = tmp_path / "story.txt", tmp_path / "news.jsonl"
    story.write_text(HOSTILE, encoding="utf-8")
    news.write_text('{"id": "n1", "text": "Rebels shelled Homs on Monday, killing at least 12 '
                    'people, said Omar Haddad."}\n', encoding="utf-8")
    out = tmp_path / "pages" / "out.html"
    code = main(["render", str(story), str(news), "--model", str(tiny_model_dir),
                 "--device", "cpu", "-o", str(out)])
    assert code == 0
    expected = [tiny_extractor(HOSTILE), tiny_extractor(
        "Rebels shelled Homs on Monday, killing at least 12 people, said Omar Haddad.")]
    expected[0].id, expected[1].id = "story.txt", "n1"
    assert any(doc.spans for doc in expected)
    assert out.read_text(encoding="utf-8") == render_page(expected, title="newsie: 2 documents")
    assert capsys.readouterr().err.strip().endswith(f"wrote 2 documents to {out}")
    assert [p.name for p in out.parent.iterdir()] == ["out.html"]


def test_render_command_reads_standard_input_and_prints_the_page(monkeypatch, tiny_model_dir,
                                                                 tiny_extractor, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(HOSTILE))
    code = main(["render", "--model", str(tiny_model_dir), "--device", "cpu", "--quiet"])
    assert code == 0
    printed, err = capsys.readouterr()
    assert printed == render_page([tiny_extractor(HOSTILE)], title="newsie")
    assert err == ""


def test_render_command_stops_on_a_missing_input_before_writing(tmp_path, capsys):
    story, out = tmp_path / "story.txt", tmp_path / "out.html"
    story.write_text("Rebels shelled Homs.", encoding="utf-8")
    code = main(["render", str(story), str(tmp_path / "missing.txt"), "--model",
                 str(tmp_path / "no-model"), "-o", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert err == f"newsie render: error: input file {tmp_path / 'missing.txt'} does not exist\n"
    assert not out.exists()
