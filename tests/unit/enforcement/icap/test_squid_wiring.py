"""The generated squid.conf sends uploads to the ICAP service, with the district's fail mode."""

from __future__ import annotations

import pytest

from boardline.enforcement.squid.config import SquidSettings, render_squid_config
from boardline.model.errors import InputError

URL = "icap://127.0.0.1:1344/reqmod"


def test_without_an_icap_url_nothing_about_icap_is_written() -> None:
    assert "icap" not in render_squid_config(SquidSettings())


def test_uploads_to_the_inspected_categories_go_to_the_service() -> None:
    conf = render_squid_config(
        SquidSettings(icap_url=URL, icap_domains_file="/etc/boardline/inspected.domains")
    ).splitlines()
    assert "icap_enable on" in conf
    assert "icap_send_client_ip on" in conf
    assert "icap_send_client_username on" in conf
    assert f"icap_service boardline_req reqmod_precache bypass=0 {URL}" in conf
    assert "acl bl_uploads method POST PUT PATCH" in conf
    assert 'acl bl_inspected dstdomain "/etc/boardline/inspected.domains"' in conf
    allow = conf.index("adaptation_access boardline_req allow bl_uploads bl_inspected")
    assert conf[allow + 1] == "adaptation_access boardline_req deny all"


def test_fail_open_is_bypass_and_no_domain_list_means_every_upload() -> None:
    conf = render_squid_config(SquidSettings(icap_url=URL, icap_bypass=True)).splitlines()
    assert f"icap_service boardline_req reqmod_precache bypass=1 {URL}" in conf
    assert "adaptation_access boardline_req allow bl_uploads" in conf


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"icap_url": "http://127.0.0.1/reqmod"}, "icap_url"),
        ({"icap_url": URL, "icap_domains_file": "a file"}, "icap_domains_file"),
    ],
)
def test_bad_icap_options_name_their_field(options: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        SquidSettings(**options)  # type: ignore[arg-type]
    assert caught.value.problems[0].place.field == field
