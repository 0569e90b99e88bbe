"""What the official clients expect of the cloud (issue 19), driven through b24pysdk unmodified against a
served b24crm: its response models and error classes are written against the real cloud."""

from __future__ import annotations

import pytest

from b24crm.runtime import Runtime
from tests.live import live_server


@pytest.fixture
def hook(runtime: Runtime):  # type: ignore[no-untyped-def]
    tenancy = runtime.tenancy
    portal = tenancy.create_portal()
    admin = tenancy.create_user(portal.id, name="Client", last_name="Test", admin=True)
    return tenancy.create_webhook(portal.id, admin.id, "crm")


def test_b24pysdk_webhook_answers(runtime: Runtime, hook, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from b24pysdk import BitrixWebhook, Client
    from b24pysdk.schemas.app import AppInfoWebhook

    with live_server(runtime, tls=True) as (base, files):
        assert files is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.ca))
        domain = base.removeprefix("https://")
        client = Client(BitrixWebhook(domain=domain, webhook_token=f"{hook.user.id}/{hook.code}"))
        info = client.app.info().response.value
        assert isinstance(info, AppInfoWebhook)
        assert (info.scope, info.license) == (["crm"], "en_ent")
        # A wrong code: the class b24pysdk files it under, with its status.
        from b24pysdk.errors import BitrixAPIInvalidCredentials

        wrong = Client(BitrixWebhook(domain=domain, webhook_token=f"{hook.user.id}/{'x' * 16}"))
        with pytest.raises(BitrixAPIInvalidCredentials) as refused:
            _ = wrong.server.time().response
        assert refused.value.status_code == 401
        # A method outside the webhook's scopes (the hook has crm only).
        from b24pysdk.errors import BitrixAPIInsufficientScope

        with pytest.raises(BitrixAPIInsufficientScope) as denied:
            _ = client.user.current().response
        assert denied.value.status_code == 401
