"""A signing key given in the domain's YAML (`security.signing_key_file`) instead of the one the
domain creates at its first start: adopted as a rotation would, and refused with a message an
operator can act on when it cannot be the active key."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cadenza.core.db import Database
from cadenza.core.errors import Conflict
from cadenza.core.signing_keys import ACTIVE, PREVIOUS, ConfiguredKeyRefused, KeyStore, load_private_key
from cadenza.landscape import demo
from cadenza.landscape.config import load_domain_config
from cadenza.landscape.domain import ProviderDomain

SP_YAML = Path(demo.__file__).parent / "demo" / "sp.yaml"


def pem(private: object) -> bytes:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,  # type: ignore[attr-defined]
                                 serialization.NoEncryption())


def thumbprint_kid(private: Ed25519PrivateKey) -> str:
    """The RFC 7638 thumbprint of the key, computed here independently of the store."""
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def test_the_yaml_names_the_key_file_relative_to_itself(tmp_path: Path) -> None:
    private = Ed25519PrivateKey.generate()
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "sp.pem").write_bytes(pem(private))
    config = yaml.safe_load(SP_YAML.read_text())
    config["security"] = {"signing_key_file": "keys/sp.pem"}
    (tmp_path / "sp.yaml").write_text(yaml.safe_dump(config))
    loaded = load_domain_config(tmp_path / "sp.yaml")
    assert loaded.security.signing_key_file == (tmp_path / "keys" / "sp.pem").resolve()
    configured = ProviderDomain(loaded, var_dir=tmp_path / "var")._configured_signing_key()
    assert configured is not None and thumbprint_kid(configured) == thumbprint_kid(private)


def test_a_missing_or_foreign_key_file_stops_the_start_with_what_to_do(tmp_path: Path) -> None:
    config = yaml.safe_load(SP_YAML.read_text())
    config["security"] = {"signing_key_file": "absent.pem"}
    (tmp_path / "sp.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(ConfiguredKeyRefused, match="cannot read"):
        ProviderDomain(load_domain_config(tmp_path / "sp.yaml"), var_dir=tmp_path / "var")._configured_signing_key()
    with pytest.raises(ConfiguredKeyRefused, match="not an Ed25519 key.*openssl genpkey"):
        load_private_key(pem(generate_private_key(SECP256R1())), source="sp.pem")
    with pytest.raises(ConfiguredKeyRefused, match="not an unencrypted PEM"):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n", source="sp.pem")


def test_the_configured_key_signs_from_the_first_start(database: Database) -> None:
    private = Ed25519PrivateKey.generate()
    active = KeyStore(database, configured=private).ensure()
    assert active.kid == thumbprint_kid(private)
    assert [k.kid for k in KeyStore(database).valid_keys()] == [active.kid]


def test_a_key_configured_later_replaces_the_stored_one_which_still_verifies(database: Database) -> None:
    generated = KeyStore(database).ensure()
    private = Ed25519PrivateKey.generate()
    store = KeyStore(database, configured=private)
    adopted = store.ensure()
    assert adopted.kid == thumbprint_kid(private) and adopted.state == ACTIVE
    old = store.verification_key(generated.kid)
    assert old is not None and old.state == PREVIOUS
    assert KeyStore(database, configured=private).ensure().kid == adopted.kid  # a restart changes nothing


def test_with_a_configured_key_rotation_is_the_operators_file_not_the_api(database: Database) -> None:
    store = KeyStore(database, configured=Ed25519PrivateKey.generate())
    store.ensure()
    with pytest.raises(Conflict, match="new key in that file"):
        store.rotate()


def test_a_second_new_key_waits_for_the_previous_one_to_be_retired(database: Database) -> None:
    first = Ed25519PrivateKey.generate()
    KeyStore(database).ensure()
    KeyStore(database, configured=first).ensure()  # the generated key is now previous
    with pytest.raises(ConfiguredKeyRefused, match="cadenza keys retire"):
        KeyStore(database, configured=Ed25519PrivateKey.generate()).ensure()
    store = KeyStore(database, configured=first)
    store.ensure()
    store.retire()
    second = Ed25519PrivateKey.generate()
    assert KeyStore(database, configured=second).ensure().kid == thumbprint_kid(second)


def test_a_key_rotated_away_is_not_used_again(database: Database) -> None:
    first = Ed25519PrivateKey.generate()
    KeyStore(database, configured=first).ensure()
    KeyStore(database, configured=Ed25519PrivateKey.generate()).ensure()  # first is now previous
    with pytest.raises(ConfiguredKeyRefused, match="is previous"):
        KeyStore(database, configured=first).ensure()


def test_two_processes_adopting_the_same_new_key_at_once_both_start(database: Database) -> None:
    KeyStore(database).ensure()  # the generated key the configured one replaces
    private = Ed25519PrivateKey.generate()
    start = threading.Barrier(2)
    results: list[str | BaseException] = []

    def adopt() -> None:
        store = KeyStore(database, configured=private)
        start.wait()
        try:
            results.append(store.ensure().kid)
        except BaseException as exc:  # the assertion below shows what a worker met
            results.append(exc)

    workers = [threading.Thread(target=adopt) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert results == [thumbprint_kid(private)] * 2, results
