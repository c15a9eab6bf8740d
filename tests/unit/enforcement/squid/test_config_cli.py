"""``boardline squid config``: prints or writes the configuration and its domain lists."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from boardline.cli.main import app

runner = CliRunner()


def test_the_configuration_goes_to_stdout() -> None:
    result = runner.invoke(
        app, ["squid", "config", "--port", "3999", "--helper-command", "/opt/bl/helper"]
    )

    assert result.exit_code == 0, result.output
    assert "http_port 127.0.0.1:3999\n" in result.stdout
    assert " /opt/bl/helper --fields src,user,method,host,port,path,bucket,data" in result.stdout


def test_fail_closed_lists_are_written_beside_the_output(tmp_path: Path) -> None:
    source = tmp_path / "social.txt"
    source.write_text("facebook.com\nwww.facebook.com\nTwitter.com\n", encoding="utf-8")
    output = tmp_path / "etc" / "squid.conf"

    result = runner.invoke(
        app,
        [
            "squid",
            "config",
            "--fail-closed",
            f"social_networks={source}",
            "--block-page-url",
            "http://127.0.0.1:8080/blocked",
            "--output",
            str(output),
        ],
    )

    assert result.exit_code == 0, result.output
    acl = output.parent / "social_networks.domains"
    assert acl.read_text(encoding="utf-8").splitlines()[1:] == [".facebook.com", ".twitter.com"]
    config = output.read_text(encoding="utf-8")
    assert f'acl bl_fc_social_networks dstdomain "{acl.resolve()}"' in config
    assert "deny_info 302:http://127.0.0.1:8080/blocked?reason=unavailable" in config


def test_a_bad_domain_list_names_file_and_line(tmp_path: Path) -> None:
    source = tmp_path / "social.txt"
    source.write_text("facebook.com\nnot a domain\n", encoding="utf-8")

    result = runner.invoke(
        app, ["squid", "config", "--fail-closed", f"social={source}", "--acl-dir", str(tmp_path)]
    )

    assert result.exit_code == 2
    assert f"{source}:2: 'not a domain' is not a domain name" in result.stderr
    assert not (tmp_path / "social.domains").exists()


def test_fail_closed_lists_need_somewhere_to_go(tmp_path: Path) -> None:
    result = runner.invoke(app, ["squid", "config", "--fail-closed", f"x={tmp_path}/l.txt"])

    assert result.exit_code == 2
    assert "--acl-dir or --output" in result.stderr


def test_bad_settings_exit_2_naming_the_field() -> None:
    result = runner.invoke(app, ["squid", "config", "--port", "1234567", "--ttl", "-5"])

    assert result.exit_code == 2
    assert "http_port" in result.stderr
    assert "ttl: must be at least 0" in result.stderr


def test_uploads_can_be_sent_to_the_icap_service(tmp_path: Path) -> None:
    domains = tmp_path / "inspected.txt"
    domains.write_text(".facebook.com\n", encoding="utf-8")

    result = runner.invoke(
        app,
        [
            "squid",
            "config",
            "--icap-url",
            "icap://127.0.0.1:1344/reqmod",
            "--icap-bypass",
            "--icap-domains",
            str(domains),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "icap_service boardline_req reqmod_precache bypass=1 " in result.stdout
    assert str(domains.resolve()) in result.stdout


def test_a_malformed_icap_url_is_named() -> None:
    result = runner.invoke(app, ["squid", "config", "--icap-url", "http://x/"])

    assert result.exit_code != 0
    assert "icap_url" in result.output
