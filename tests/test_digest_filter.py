import hashlib
import hmac

import pytest
from ansible.errors import AnsibleFilterError

from plugins.filter.digest import hmac_sha256


def test_hmac_sha256_is_the_standard_hmac():
    expected = hmac.new(b"key", b"The quick brown fox", hashlib.sha256).hexdigest()
    assert hmac_sha256("The quick brown fox", "key") == expected


def test_hmac_sha256_depends_on_the_key():
    assert hmac_sha256("inputs", "one key") != hmac_sha256("inputs", "another key")


def test_hmac_sha256_is_not_a_plain_hash():
    assert hmac_sha256("inputs", "key") != hashlib.sha256(b"inputs").hexdigest()


def test_hmac_sha256_takes_text_beyond_ascii():
    assert len(hmac_sha256("café ☕", "clé")) == 64


@pytest.mark.parametrize("key", ["", None, 3])
def test_hmac_sha256_refuses_a_missing_key(key):
    with pytest.raises(AnsibleFilterError, match="key"):
        hmac_sha256("inputs", key)
