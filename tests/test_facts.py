"""The package's copy of the facts agrees with the shared research facts it was generated from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from veritext.facts import contact, contacts, institution, institutions

SHARED_FACTS = Path(__file__).parents[1].parent / "shared" / "facts"

VALUE_LISTS = {
    "signatures": "sms_signatures",
    "service_numbers": "service_numbers",
    "sms_senders": "sms_senders",
    "domains": "domains",
    "shorteners": "shorteners",
}


def _shared(name: str, key: str) -> list[dict[str, Any]]:
    path = SHARED_FACTS / name
    if not path.is_file():
        pytest.skip(f"shared facts not found at {path} (run inside the project workspace to compare)")
    with path.open(encoding="utf-8") as fh:
        items: list[dict[str, Any]] = yaml.safe_load(fh)[key]
    return items


def test_every_packaged_contact_is_verified_in_shared_facts() -> None:
    shared = {c["id"]: c for c in _shared("facts.yaml", "contacts")}
    packaged = contacts()
    assert packaged, "the package ships no contacts"
    for cid, c in packaged.items():
        assert cid in shared, f"{cid} is not in the shared facts"
        assert shared[cid]["verified"] is True, f"{cid} is not verified in the shared facts"
        assert str(shared[cid]["value"]) == c.value, f"{cid}: value differs from the shared facts"
        assert c.jurisdiction == shared[cid]["jurisdiction"]
        assert c.name.zh == str(shared[cid]["name_local"]) and c.name.en == str(shared[cid]["name"])


def test_every_verified_shared_contact_is_packaged() -> None:
    verified = {c["id"] for c in _shared("facts.yaml", "contacts") if c.get("verified") is True}
    assert verified == set(contacts()), "re-run scripts/import_facts.py"


def test_every_institution_value_is_verified_in_shared_facts() -> None:
    shared = {i["id"]: i for i in _shared("institutions.yaml", "institutions")}
    assert {i.id for i in institutions()} == set(shared), "re-run scripts/import_facts.py"
    for inst in institutions():
        row = shared[inst.id]
        for attr, field in VALUE_LISTS.items():
            verified = {str(v["value"]) for v in row.get(field) or [] if v.get("verified") is True}
            assert set(getattr(inst, attr)) == verified, f"{inst.id}.{attr} differs from verified {field}"
        every = {str(v["value"]) for f in ("domains", "shorteners") for v in row.get(f) or []}
        assert set(inst.known_domains) == every


def test_aliases_include_names_and_strip_notes() -> None:
    ccb = institution("cn-ccb")
    assert {"中国建设银行", "China Construction Bank", "CCB", "建行", "龙卡"} <= set(ccb.aliases)
    assert not any("(" in a or "（" in a for i in institutions() for a in i.aliases)
    # A description such as "consumer finance company (licence code …)" is not a name to match.
    assert not any(a.lower().startswith("consumer finance") for i in institutions() for a in i.aliases)


def test_unknown_ids_raise_clear_key_errors() -> None:
    with pytest.raises(KeyError, match="no-such-contact"):
        contact("no-such-contact")
    with pytest.raises(KeyError, match="no-such-institution"):
        institution("no-such-institution")


def test_contacts_returns_a_copy() -> None:
    contacts().clear()
    assert contacts()
