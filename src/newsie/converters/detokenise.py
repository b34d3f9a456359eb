"""Text and character offsets rebuilt from tokenised sentences (ECB+, MEANTIME ship no offsets).

The rule, applied to each sentence's tokens in order:

- one sentence a line (`\\n` between sentences);
- one space between tokens, except none before closing punctuation (`, . ; : ! ? % ) ] }`,
  `...`) and English clitics (`'s`, `n't`, `'re`, `'ve`, `'ll`, `'d`, `'m`, a lone `'`), and none
  after an opening bracket or a currency sign (`( [ {`, `$`, `US$`);
- PTB quotation marks become plain ones: `` `` `` opens and `''` closes a `"`; a `"` token opens
  and closes in turn within its sentence; no space inside the marks;
- a token's own surrounding whitespace is dropped (a token that is only whitespace adds nothing).

The original spacing is unknown ("U . S ." was one word once), so offsets are exact for the
rebuilt text only, as with the CoNLL converter.
"""

from __future__ import annotations

from dataclasses import dataclass

_CLOSING = frozenset({",", ".", ";", ":", "!", "?", "%", ")", "]", "}", "...", "'s", "'S",
                      "n't", "N'T", "'re", "'ve", "'ll", "'d", "'m", "'"})
_OPENING = frozenset({"(", "[", "{"})
_OPENING_QUOTES = {"``": '"', "“": "“"}
_CLOSING_QUOTES = {"''": '"', "”": "”"}


@dataclass
class TokenText:
    """The rebuilt text and, per sentence, each token's (start, end) in it."""

    text: str
    offsets: list[list[tuple[int, int]]]

    def char_range(self, sentence: int, tokens: list[int]) -> tuple[int, int] | None:
        """The characters of consecutive `tokens` of `sentence`; None when they have a gap."""
        if not tokens or tokens != list(range(tokens[0], tokens[-1] + 1)):
            return None
        return self.offsets[sentence][tokens[0]][0], self.offsets[sentence][tokens[-1]][1]


def detokenise(sentences: list[list[str]]) -> TokenText:
    """Rebuild a text from its sentences' tokens by the rule in the module docstring."""
    pieces: list[str] = []
    length = 0
    offsets: list[list[tuple[int, int]]] = []
    for number, tokens in enumerate(sentences):
        if number:
            pieces.append("\n")
            length += 1
        sentence_offsets = []
        glue = True  # no space before the sentence's first token
        quote_open = False
        for token in tokens:
            form, opens, closes, quote_open = _render(token.strip(), quote_open)
            if form and not glue and not closes:
                pieces.append(" ")
                length += 1
            sentence_offsets.append((length, length + len(form)))
            pieces.append(form)
            length += len(form)
            if form:
                glue = opens
        offsets.append(sentence_offsets)
    return TokenText("".join(pieces), offsets)


def _render(token: str, quote_open: bool) -> tuple[str, bool, bool, bool]:
    """(form, whether the next token follows with no space, whether it takes no space before it,
    whether a quotation is open after it)."""
    if token in _OPENING_QUOTES:
        return _OPENING_QUOTES[token], True, False, True
    if token in _CLOSING_QUOTES:
        return _CLOSING_QUOTES[token], False, True, False
    if token == '"':
        return token, not quote_open, quote_open, not quote_open
    opens = token in _OPENING or (token.endswith("$") and len(token) <= 3)
    return token, opens, token in _CLOSING, quote_open
