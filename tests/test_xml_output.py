"""``.xml`` answers are well-formed whatever their keys hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from b24crm.http.render import encode_xml
from tests.client import PortalClient, call_fields

EVIL = 'a><injected attr="1">pwn</injected><b'


def _parse(text: str) -> ET.Element:
    return ET.fromstring(text.encode())


def test_batch_keys_cannot_inject_markup(portal: PortalClient) -> None:
    response = portal.http.post(
        f"{portal.base}/batch.xml", json={"halt": 0, "cmd": {EVIL: "server.time", "5x y": "scope"}}
    )
    assert response.status_code == 200
    root = _parse(response.text)
    assert root.find(".//injected") is None
    names = [child.tag for child in root.find("result").find("result")]  # type: ignore[union-attr]
    assert names == ["a__injected_attr__1__pwn__injected__b", "_5x_y"]


def test_stored_settings_keys_cannot_inject_markup_for_other_readers(portal: PortalClient) -> None:
    deal = portal.result("crm.deal.add", {"fields": {"TITLE": "Deal"}})
    fields = call_fields(deal, "Keys", SETTINGS={EVIL: "x", "ok_key": {"<b>": "y"}})
    activity = portal.result("crm.activity.add", {"fields": fields})
    response = portal.http.get(f"{portal.base}/crm.activity.get.xml?id={activity}")
    assert response.status_code == 200
    root = _parse(response.text)
    assert root.find(".//injected") is None
    settings = root.find("result").find("SETTINGS")  # type: ignore[union-attr]
    assert settings is not None
    assert settings.find("ok_key/_b_").text == "y"  # type: ignore[union-attr]
    # The JSON answer keeps the keys as they were given.
    assert portal.result("crm.activity.get", {"id": activity})["SETTINGS"][EVIL] == "x"


@given(st.dictionaries(st.text(max_size=12), st.integers(), max_size=5))
def test_any_key_makes_a_well_formed_document(keys: dict[str, int]) -> None:
    root = _parse(encode_xml({"result": keys}).decode())
    assert len(root.find("result")) == len(keys)  # type: ignore[arg-type]
