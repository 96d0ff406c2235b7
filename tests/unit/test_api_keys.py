from domain import api_keys
from domain.model import ApiKeyRecord


def record_for(new_key, revoked=False):
    return ApiKeyRecord(
        id=1, workspace_id=1, name=None, prefix=new_key.prefix, secret_hash=new_key.secret_hash, revoked=revoked
    )


def test_key_is_prefix_dot_secret_with_a_long_random_secret():
    new_key = api_keys.generate_api_key()
    prefix, secret = new_key.key.split(".", 1)
    assert prefix == new_key.prefix
    assert len(secret) >= 32
    assert secret not in new_key.secret_hash and new_key.key not in new_key.secret_hash


def test_keys_are_unique():
    keys = {api_keys.generate_api_key().key for _ in range(200)}
    assert len(keys) == 200


def test_only_the_exact_secret_matches_its_hash():
    new_key = api_keys.generate_api_key()
    prefix, secret = api_keys.split_api_key(new_key.key)
    assert api_keys.secret_matches(record_for(new_key), secret)
    assert not api_keys.secret_matches(record_for(new_key), secret[:-1])
    assert not api_keys.secret_matches(record_for(new_key), secret + "x")


def test_text_that_cannot_be_a_key_is_recognised_before_any_lookup():
    for presented in ["", "nodot", ".secret", "short.secret", "abcdefabcdef.", "x" * 300]:
        assert api_keys.split_api_key(presented) is None
