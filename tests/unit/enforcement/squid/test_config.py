"""The generated squid.conf and dstdomain lists (Squid itself runs them in tests/integration)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from boardline.cli.main import app
from boardline.enforcement.squid.config import (
    DEFAULT_FIELDS,
    FailClosedCategory,
    SquidSettings,
    check_bump_lists,
    helper_format,
    parse_domain_list,
    render_domain_acl,
    render_squid_config,
)
from boardline.model.errors import InputError

SOCIAL = FailClosedCategory("social_networks", "/etc/boardline/social_networks.domains")
CHAT = FailClosedCategory("chat", "/etc/boardline/chat.domains")


def lines_of(settings: SquidSettings) -> list[str]:
    return render_squid_config(settings).splitlines()


def test_the_format_follows_the_fields_and_ends_with_a_minute_bucket() -> None:
    assert helper_format(DEFAULT_FIELDS, "%Y%m%d%H%M") == (
        "%>a %un %>rm %>rd %>rP %>rp %{%Y%m%d%H%M}tl %DATA"
    )


def test_the_helper_line_carries_cache_times_and_protocol_arguments() -> None:
    [line] = [x for x in lines_of(SquidSettings()) if x.startswith("external_acl_type")]

    assert line == (
        "external_acl_type boardline ttl=60 negative_ttl=5 concurrency=50 children-max=4"
        " children-startup=0 children-idle=1 %>a %un %>rm %>rd %>rP %>rp %{%Y%m%d%H%M}tl %DATA"
        " boardline squid-helper --fields src,user,method,host,port,path,bucket,data"
        " --concurrent"
    )


def test_without_concurrency_there_is_no_channel_option() -> None:
    [line] = [
        x for x in lines_of(SquidSettings(concurrency=0, queue_size=3)) if "external_acl" in x
    ]

    assert "concurrency=" not in line
    assert "queue-size=3" in line
    assert not line.endswith("--concurrent")


def test_the_lookup_happens_where_an_unanswered_acl_does_not_deny() -> None:
    lines = lines_of(SquidSettings())

    rewrite = [x for x in lines if x.startswith("url_rewrite_access")]
    assert rewrite == ["url_rewrite_access deny bl_verdict", "url_rewrite_access deny all"]
    assert not any(x.startswith("http_access") and "bl_verdict" in x for x in lines)


def test_enforcement_order_explicit_denial_then_fail_closed_categories_then_allow() -> None:
    lines = lines_of(SquidSettings(fail_closed=(SOCIAL, CHAT)))

    assert [x for x in lines if x.startswith("adapted_http_access")] == [
        "adapted_http_access deny bl_said_deny",
        "adapted_http_access deny !bl_said_allow bl_fc_social_networks",
        "adapted_http_access deny !bl_said_allow bl_fc_chat",
        "adapted_http_access allow all",
    ]
    assert 'acl bl_fc_chat dstdomain "/etc/boardline/chat.domains"' in lines
    assert "acl bl_said_deny note bl_effect deny" in lines


def test_the_block_page_gets_the_decision_id_or_the_unavailable_category() -> None:
    settings = SquidSettings(fail_closed=(SOCIAL,), block_page_url="http://127.0.0.1:8080/blocked")

    denials = [x for x in lines_of(settings) if x.startswith("deny_info")]

    assert denials == [
        "deny_info 302:http://127.0.0.1:8080/blocked?d=@Squid{%{decision_id}note}&m=%o"
        " bl_said_deny",
        "deny_info 302:http://127.0.0.1:8080/blocked?reason=unavailable&category=social_networks"
        " bl_fc_social_networks",
    ]


def test_without_a_block_page_squid_answers_403() -> None:
    assert not any(x.startswith("deny_info") for x in lines_of(SquidSettings()))


def test_the_access_log_carries_the_helper_log_and_notes() -> None:
    [logformat] = [x for x in lines_of(SquidSettings()) if x.startswith("logformat")]

    assert " ea=%ea bl_effect=%{bl_effect}note decision_id=%{decision_id}note" in logformat
    assert logformat.endswith("category=%{category}note revision=%{revision}note")


def test_lab_settings_send_everything_to_one_parent() -> None:
    lines = lines_of(
        SquidSettings(
            parent_peer=("127.0.0.1", 8081),
            dns_nameservers=("127.0.0.1",),
            effective_user="proxy",
            shutdown_lifetime=0,
            pid_file="/tmp/run/squid.pid",
        )
    )

    for expected in (
        "cache_peer 127.0.0.1 parent 8081 0 no-query no-digest default",
        "never_direct allow all",
        "dns_nameservers 127.0.0.1",
        "cache_effective_user proxy",
        "shutdown_lifetime 0 seconds",
        "pid_filename /tmp/run/squid.pid",
        "cache deny all",
    ):
        assert expected in lines


def test_every_settings_problem_is_reported_with_its_field() -> None:
    with pytest.raises(InputError) as caught:
        SquidSettings(
            http_port="localhost:99",
            time_bucket="%H%M",  # but no "bucket" field
            ttl=-1,
            clients=("10.0.0.0/33",),
            fail_closed=(FailClosedCategory("Social Networks", "/x y"), SOCIAL, SOCIAL),
            block_page_url="http://x/blocked?a=1",
            fields=("src", "method", "host", "colour"),
        )

    fields = [problem.place.field for problem in caught.value.problems]
    assert fields == [
        "fields",
        "time_bucket",
        "http_port",
        "ttl",
        "clients",
        "fail_closed",
        "fail_closed",
        "fail_closed",
        "block_page_url",
    ]
    assert str(caught.value.problems[0]).startswith("squid settings: fields: no Squid format code")


def test_a_time_bucket_must_be_a_strftime_pattern() -> None:
    with pytest.raises(InputError, match="not a strftime pattern"):
        SquidSettings(time_bucket="%Y} %H")


# -- domain lists -------------------------------------------------------------------


def test_domain_lists_are_normalised() -> None:
    text = "# social\n\nFacebook.com\n*.twitter.com\n.tiktok.com.\n  bücher.example \n"

    assert parse_domain_list(text, source="social.txt") == (
        "facebook.com",
        "twitter.com",
        "tiktok.com",
        "xn--bcher-kva.example",
    )


def test_every_bad_domain_is_reported_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        parse_domain_list("ok.com\nhttp://x.com/\nfine.org\na b.com\n-bad-.com\n", source="l.txt")

    assert [str(p) for p in caught.value.problems] == [
        "l.txt:2: 'http://x.com/' is not a domain name",
        "l.txt:4: 'a b.com' is not a domain name",
        "l.txt:5: '-bad-.com' is not a domain name",
    ]


def test_a_dstdomain_list_drops_entries_a_parent_already_covers() -> None:
    acl = render_domain_acl(
        ["www.facebook.com", "facebook.com", "m.facebook.com", "twitter.com", "10.1.2.3", "x.com"]
    )

    assert acl.splitlines()[1:] == ["10.1.2.3", ".facebook.com", ".twitter.com", ".x.com"]


def test_a_dstdomain_list_keeps_siblings_that_only_share_a_suffix() -> None:
    acl = render_domain_acl(["book.com", "facebook.com", "ebook.com"])

    assert acl.splitlines()[1:] == [".book.com", ".ebook.com", ".facebook.com"]


# -- HTTPS interception -----------------------------------------------------------------

BUMPING = SquidSettings(
    tls_ca_cert="/etc/boardline/ca/district-ca.crt",
    tls_ca_key="/etc/boardline/ca/district-ca.key",
    bump_domains_file="/etc/boardline/ssl-bump.domains",
    never_bump_domains_file="/etc/boardline/ssl-never-bump.domains",
)


def test_bumping_signs_with_the_district_ca_and_decides_after_peeking() -> None:
    lines = lines_of(BUMPING)
    assert lines[2] == (
        "http_port 127.0.0.1:3128 ssl-bump tls-cert=/etc/boardline/ca/district-ca.crt"
        " tls-key=/etc/boardline/ca/district-ca.key generate-host-certificates=on"
        " dynamic_cert_mem_cache_size=4MB"
    )
    assert (
        "sslcrtd_program /usr/lib/squid/security_file_certgen -s /var/lib/squid/ssl_db -M 4MB"
        in lines
    )
    rules = [x for x in lines if x.startswith("ssl_bump")]
    # Never-bump first, so a carve-out under a bumped domain stays private; splice the rest.
    assert rules == [
        "ssl_bump peek bl_step1",
        "ssl_bump splice bl_never_bump",
        "ssl_bump bump bl_bump",
        "ssl_bump splice all",
    ]
    assert 'acl bl_bump ssl::server_name "/etc/boardline/ssl-bump.domains"' in lines
    assert 'acl bl_never_bump ssl::server_name "/etc/boardline/ssl-never-bump.domains"' in lines
    assert "acl bl_step1 at_step SslBump1" in lines
    assert not any("tls_outgoing_options" in x or x.startswith("hosts_file") for x in lines)


def test_without_bumping_nothing_about_tls_is_generated() -> None:
    text = render_squid_config(SquidSettings())
    assert "ssl" not in text.lower().replace("bl_ssl_ports", "")
    assert "tls" not in text


def test_lab_options_trust_a_stand_in_origin_and_a_private_hosts_file() -> None:
    lines = lines_of(replace(BUMPING, tls_outgoing_cafile="/tmp/o.crt", hosts_file="/tmp/hosts"))
    assert "tls_outgoing_options cafile=/tmp/o.crt" in lines
    assert "hosts_file /tmp/hosts" in lines


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"tls_ca_cert": "/c.crt", "tls_ca_key": "/c.key"}, "bump_domains_file"),
        ({"bump_domains_file": "/b.domains"}, "tls_ca_cert"),
        ({"never_bump_domains_file": "/n.domains"}, "never_bump_domains_file"),
        ({**dict.fromkeys(("tls_ca_cert", "tls_ca_key"), "/x"), "bump_domains_file": "/a b"},
         "bump_domains_file"),
    ],
)  # fmt: skip
def test_incomplete_interception_settings_are_refused(options: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as caught:
        SquidSettings(**options)  # type: ignore[arg-type]
    assert field in [p.place.field for p in caught.value.problems]


def test_a_site_on_both_lists_is_refused_but_a_carve_out_is_not() -> None:
    with pytest.raises(InputError) as caught:
        check_bump_lists(
            ["facebook.com", "online.mybank.example", "mybank.example"],
            ["mybank.example", "health.example.org"],
            source="bump.txt",
        )
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 2
    assert all("'mybank.example' is never decrypted" in m for m in messages)
    assert caught.value.problems[0].place.file == "bump.txt"
    # Bumping a parent while never bumping one of its sites is a carve-out: allowed.
    check_bump_lists(["example.org"], ["health.example.org"], source="bump.txt")


def test_the_config_command_writes_both_lists_and_refuses_an_overlap(tmp_path: Path) -> None:
    bump, never = tmp_path / "bump.txt", tmp_path / "never.txt"
    bump.write_text("facebook.com\nwww.facebook.com\n", encoding="utf-8")
    never.write_text("# banking\nmybank.example\n", encoding="utf-8")
    output = tmp_path / "etc" / "squid.conf"
    args = ["squid", "config", "--tls-ca-cert", "/ca.crt", "--tls-ca-key", "/ca.key",
            "--bump-domains", str(bump), "--never-bump-domains", str(never),
            "-o", str(output)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "etc" / "ssl-bump.domains").read_text(encoding="utf-8").splitlines()[1:] == [
        ".facebook.com"
    ]
    text = output.read_text(encoding="utf-8")
    assert f'ssl::server_name "{tmp_path / "etc" / "ssl-never-bump.domains"}"' in text

    never.write_text("facebook.com\n", encoding="utf-8")
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code != 0
    assert "never decrypted" in refused.output


def test_tunnels_reach_only_the_listed_ports() -> None:
    assert "acl bl_ssl_ports port 443" in lines_of(SquidSettings())

    lines = lines_of(SquidSettings(ssl_ports=(443, 8443)))

    assert "acl bl_ssl_ports port 443 8443" in lines
    assert "http_access deny bl_connect !bl_ssl_ports" in lines
