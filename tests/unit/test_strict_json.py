import pytest

from domain import strict_json
from domain.strict_json import DuplicateKeyError


@pytest.mark.parametrize(
    "text, document",
    [
        ('{"a": 1, "b": {"a": 2}}', {"a": 1, "b": {"a": 2}}),
        ('[{"a": 1}, {"a": 2}]', [{"a": 1}, {"a": 2}]),
        ('{"a": 1, "A": 2}', {"a": 1, "A": 2}),
        (b'{"\xc3\xb6": null}', {"ö": None}),
        ('"text"', "text"),
    ],
    ids=["same-key-in-nested-object", "same-key-in-sibling-objects", "keys-differing-in-case", "utf8-bytes", "scalar"],
)
def test_a_document_naming_each_key_once_per_object_is_read(text, document):
    assert strict_json.loads(text) == document


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a": 1, "a": 1}',
        '{"outer": {"a": 1, "b": 2, "a": 3}}',
        '[{"ok": 1}, {"a": 1, "a": 2}]',
        '{"\\u0061": 1, "a": 2}',
    ],
    ids=["different-values", "same-value", "nested", "in-a-list", "escaped-spelling"],
)
def test_a_key_named_twice_in_one_object_is_refused(text):
    with pytest.raises(DuplicateKeyError):
        strict_json.loads(text)


def test_a_refused_duplicate_is_a_value_error_like_any_malformed_json():
    assert issubclass(DuplicateKeyError, ValueError)
    with pytest.raises(ValueError):
        strict_json.loads('{"a": 1,}')


def test_a_document_nested_too_deeply_raises_recursion_error():
    with pytest.raises(RecursionError):
        strict_json.loads("[" * 100_000 + "]" * 100_000)
