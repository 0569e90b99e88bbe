"""The custom icons and logos behind crm.timeline.icon.* / logo.* ``fileUri`` and the icons of
applications' activity types (crm.activity.type.add ICON_FILE): served at the answers' path, as what they
are, never sniffed, an SVG sandboxed; a path good for its portal's file only and gone with the file; and
drawn on the item page where the icon or the type is shown."""

from __future__ import annotations

import base64
import re

from tests.apps_support import install
from tests.client import PortalClient
from tests.test_crm_timeline_icons import png
from tests.test_web_support import base_of, sign_in

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def _safe(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["x-content-type-options"] == "nosniff"
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy


def test_icons_and_logos_are_served_at_their_file_uri(portal: PortalClient) -> None:
    icon = portal.result("crm.timeline.icon.add", {"code": "crm-sync", "fileContent": png(24, 24)})["icon"]
    logo = portal.result("crm.timeline.logo.add", {"code": "crm-logo", "fileContent": png(60, 60)})["logo"]
    for entry, size in ((icon, 24), (logo, 60)):
        assert re.fullmatch(r"/upload/crm/[0-9a-f]{3}/\d+x[12]x\d+/[0-9a-f]{32}", entry["fileUri"])
        served = portal.http.get(entry["fileUri"])
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
        assert served.content == base64.b64decode(png(size, size))
        _safe(served)
    # The same answer from get and list: a stable path.
    assert portal.result("crm.timeline.icon.get", {"code": "crm-sync"})["icon"]["fileUri"] == icon["fileUri"]
    # A path altered to name another portal, kind or row, or with another signature, serves nothing.
    head, name, mac = icon["fileUri"].rsplit("/", 3)[1:]
    portal_id, kind, row = name.split("x")
    other = PortalClient.create(portal.runtime, portal.http, scopes=("crm",))
    forged = [
        f"/upload/crm/{head}/{other.hook.portal.id}x{kind}x{row}/{mac}",
        f"/upload/crm/{head}/{portal_id}x2x{row}/{mac}",
        f"/upload/crm/{head}/{portal_id}x{kind}x{int(row) + 1}/{mac}",
        f"/upload/crm/{head}/{name}/{'0' * 32}",
        f"/upload/crm/{head}/{name}/{mac}/..",
    ]
    for path in forged:
        answer = portal.http.get(path)
        assert answer.status_code == 404, path
    # Deleted: gone.
    assert portal.result("crm.timeline.icon.delete", {"code": "crm-sync"}) is True
    assert portal.http.get(icon["fileUri"]).status_code == 404
    _safe(portal.http.get(icon["fileUri"]))


def test_activity_type_icons_are_served_and_drawn_on_the_item_page(app_portal: PortalClient) -> None:
    http = app_portal.http
    sign_in(http)
    app = install(app_portal, "http://app.test/install")
    for type_id, name, content in (("SVG", "mark.svg", SVG), ("BIN", "notes.txt", b"plain text <b>")):
        fields = {"TYPE_ID": type_id, "NAME": f"{type_id} type", "IS_CONFIGURABLE_TYPE": "N",
                  "ICON_FILE": [name, base64.b64encode(content).decode()]}  # fmt: skip
        app.api.result("crm.activity.type.add", {"fields": fields})
    deal = int(app_portal.result("crm.deal.add", {"fields": {"TITLE": "Typed"}}))
    for type_id in ("SVG", "BIN"):
        fields = {"OWNER_TYPE_ID": 2, "OWNER_ID": deal, "TYPE_ID": 6, "PROVIDER_ID": "REST_APP",
                  "PROVIDER_TYPE_ID": type_id, "SUBJECT": f"Synced {type_id}"}  # fmt: skip
        app.api.result("crm.activity.add", {"fields": fields})
    icon = app_portal.result("crm.timeline.icon.add", {"code": "crm-sync", "fileContent": png(24, 24)})[
        "icon"
    ]
    app.api.result(
        "crm.timeline.logmessage.add",
        {"fields": {"entityTypeId": 2, "entityId": deal, "title": "Synced", "text": "3 orders",
                    "iconCode": "crm-sync"}},
    )  # fmt: skip
    page = http.get(f"{base_of(app_portal)}/items/2/{deal}")
    assert page.status_code == 200, page.text
    images = re.findall(r'<img class="icon icon-image" src="([^"]+)"', page.text)
    assert icon["fileUri"] in images  # the log message's own icon
    typed = [u for u in images if re.search(r"/\d+x3x\d+/", u)]
    assert len(typed) == 2  # each application activity with its type's icon
    served = [http.get(u) for u in typed]
    by_type = {r.headers["content-type"]: r for r in served}
    svg = by_type["image/svg+xml"]
    assert svg.content == SVG and "content-disposition" not in svg.headers
    _safe(svg)
    other = by_type["application/octet-stream"]  # no image: saved, never shown
    assert other.headers["content-disposition"] == "attachment" and other.content == b"plain text <b>"
    _safe(other)
