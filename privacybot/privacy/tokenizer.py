"""The redactor's tokenizer: spaCy's blank English one, adjusted for how patients write.

Japanese characters arrive already separated by spaces (`normalisation.py`). The adjustments
here keep an e-mail or IPv6 address whole (spaCy would split "Taro.Yamada@Example.JP" at
".Y" and "fe80::1" at colons), split labels and brackets off numbers ("TEL:03-…",
"03(1234)5678", "ip=203.0.113.9"), and switch off spaCy's URL rule, which swallowed an
address glued to the next word.
"""

from __future__ import annotations

import re

import spacy
from spacy.attrs import IS_DIGIT, LIKE_EMAIL, LIKE_NUM, LOWER, SHAPE
from spacy.language import Language
from spacy.util import compile_infix_regex, compile_prefix_regex

from privacybot.privacy.patterns import EMAIL_TOKEN, IPV6_TOKEN

EXTRA_INFIXES = [
    r"(?<=[0-9])[()](?=[0-9])",  # 03(1234)5678
    r"(?<=[0-9])[:/](?=[0-9])",  # 203.0.113.9:8080, 12/04/1985 (IPv6 is kept whole before this)
    r"(?<=[A-Za-z])-(?=[0-9])",  # 12-Apr-1985
    r"(?<=[A-Za-z])[:=/;](?=[0-9+])",  # TEL:03-1234-5678, ip=203.0.113.9, a@b.jp/090-…
    r",(?![0-9])|(?<![0-9]),",  # a@b.jp,090-1234-5678 but not 1,000
]
# "mail:Taro@…": the label goes, so the address that follows meets the whole-token rule.
LABEL_BEFORE_ADDRESS = r"[A-Za-z\-]+:(?=[^\s:]+@)"
WHOLE_TOKEN = re.compile(rf"^(?:{EMAIL_TOKEN}|{IPV6_TOKEN})$")
# The only word attributes the redactor's patterns read. Computing the other twenty for every
# new word (and in a memory zone every word is new) took more than half of the time.
WORD_ATTRIBUTES = (LOWER, SHAPE, IS_DIGIT, LIKE_NUM, LIKE_EMAIL)


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.max_length = 10**8  # only the tokenizer runs: memory is linear and small
    getters = nlp.vocab.lex_attr_getters
    nlp.vocab.lex_attr_getters = {attr: getters[attr] for attr in WORD_ATTRIBUTES}
    defaults = nlp.Defaults
    # Drop the rule that splits "end.Start": it broke capitalised e-mail addresses.
    infixes = [infix for infix in defaults.infixes if not _splits_lower_dot_upper(infix)]
    tokenizer = nlp.tokenizer
    tokenizer.prefix_search = compile_prefix_regex(
        [LABEL_BEFORE_ADDRESS, *defaults.prefixes]
    ).search
    tokenizer.infix_finditer = compile_infix_regex([*EXTRA_INFIXES, *infixes]).finditer
    tokenizer.token_match = WHOLE_TOKEN.match
    tokenizer.url_match = None
    return nlp


def _splits_lower_dot_upper(infix: str) -> bool:
    return infix.startswith("(?<=[a-z") and r"\.(?=[" in infix
