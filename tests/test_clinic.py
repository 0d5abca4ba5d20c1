"""The clinic's contact details are required configuration: real values or a clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clinic import ClinicConfigError, checked_contact, read_clinic_file
from bot.settings import PROJECT_ROOT, InvalidSettings, Settings, load_settings


def test_the_shipped_file_holds_what_the_clinic_publishes_and_nothing_invented() -> None:
    clinic = Settings().clinic
    assert clinic.name == "The Mood Center"
    # the clinic's page (../shared/clinic-site/) publishes no phone, address or hours link
    assert (clinic.phone, clinic.address, clinic.hours_url) == ("", "", "")
    assert Settings().clinic_contact == ""


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"name": ""}, "CLINICBOT_CLINIC_NAME"),
        ({"name": "   "}, "CLINICBOT_CLINIC_NAME"),
        ({"name": "Your Clinic"}, "CLINICBOT_CLINIC_NAME"),
        ({"name": "Example Health"}, "CLINICBOT_CLINIC_NAME"),
        ({"name": "Mood Center", "phone": "555-0100"}, "CLINICBOT_CLINIC_PHONE"),
        ({"name": "Mood Center", "phone": "(410) 555-0123"}, "CLINICBOT_CLINIC_PHONE"),
        ({"name": "Mood Center", "phone": "000-000-0000"}, "CLINICBOT_CLINIC_PHONE"),
        ({"name": "Mood Center", "phone": "call us"}, "CLINICBOT_CLINIC_PHONE"),
        ({"name": "Mood Center", "address": "123 Main Street"}, "CLINICBOT_CLINIC_ADDRESS"),
        ({"name": "Mood Center", "hours_url": "hours.html"}, "CLINICBOT_CLINIC_HOURS_URL"),
        (
            {"name": "Mood Center", "hours_url": "https://www.example.com/hours"},
            "CLINICBOT_CLINIC_HOURS_URL",
        ),
    ],
)
def test_a_missing_name_or_a_placeholder_is_refused_naming_the_setting(
    values: dict[str, str], setting: str
) -> None:
    with pytest.raises(ClinicConfigError, match=setting):
        checked_contact(values)


def test_real_details_are_kept_and_shown_on_one_line() -> None:
    clinic = checked_contact(
        {
            "name": " The Mood Center ",
            "phone": "(410) 555-2368",
            "address": "2448 Holly Ave, Annapolis, MD",
            "hours_url": "https://moodcenter.test/contact",
        }
    )
    assert clinic.name == "The Mood Center"
    assert clinic.contact_line() == (
        "call (410) 555-2368; 2448 Holly Ave, Annapolis, MD; "
        "opening hours: https://moodcenter.test/contact"
    )
    assert checked_contact({"name": "The Mood Center"}).contact_line() == ""


def test_environment_overrides_the_file_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('[clinic]\nname = "Harbor Clinic"\naddress = "1 Dock St, Annapolis"\n')
    monkeypatch.setenv("CLINICBOT_CLINIC_FILE", str(path))
    monkeypatch.setenv("CLINICBOT_CLINIC_PHONE", "410-555-2368")

    clinic = load_settings().clinic

    assert (clinic.name, clinic.address, clinic.phone) == (
        "Harbor Clinic",
        "1 Dock St, Annapolis",
        "410-555-2368",
    )


def test_settings_refuse_to_load_without_a_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLINICBOT_CLINIC_FILE", str(tmp_path / "missing.toml"))
    with pytest.raises(InvalidSettings, match="the clinic's name is required: set CLINICBOT_CLI"):
        load_settings()


def test_an_unknown_key_in_the_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text('[clinic]\nname = "Harbor Clinic"\nphone_number = "410-555-2368"\n')
    with pytest.raises(ClinicConfigError, match="phone_number"):
        read_clinic_file(path)


def test_the_shipped_file_is_the_default() -> None:
    assert Settings().clinic_file == PROJECT_ROOT / "clinic.toml"
